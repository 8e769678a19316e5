"""A whole journey in a real browser: an admin creates a structure and a resource, a member of the new
structure finds the resource in the inventory."""

import re

from playwright.sync_api import expect

from mutualise.extensions import db
from mutualise.models import Membership, Structure


def _sign_in(page, base_url, user, password):
    page.goto(f"{base_url}/login")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_admin_creates_structure_and_resource_then_member_finds_it(page, browser, live_server, make):
    admin = make.user(is_admin=True, name="Alice Admin")
    member = make.user(name="Mehdi Membre")

    _sign_in(page, live_server, admin, make.PASSWORD)
    page.goto(f"{live_server}/admin/structures/new")
    page.fill("#name", "Recyclerie des Weppes")
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.get_by_text("Recyclerie des Weppes").first).to_be_visible()

    page.goto(f"{live_server}/admin/resources/new")
    page.select_option("#kind", "room")
    page.fill("#name", "Salle Germinal")
    page.fill("#capacity", "14")
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.get_by_text("Salle Germinal").first).to_be_visible()

    # The new structure takes the member in (set here: the page for that is covered by the web tests).
    db.session.rollback()  # end this thread's read transaction: its snapshot predates the server's writes
    structure = db.session.query(Structure).filter_by(name="Recyclerie des Weppes").one()
    db.session.add(Membership(structure_id=structure.id, user_id=member.id, role="member",
                              created_at=structure.created_at))
    db.session.commit()

    member_page = browser.new_context(locale="fr-FR").new_page()
    _sign_in(member_page, live_server, member, make.PASSWORD)
    member_page.goto(f"{live_server}/resources/")
    member_page.fill("#min_capacity", "10")
    member_page.locator("form.filters button[type=submit]").click()
    member_page.get_by_role("link", name="Salle Germinal").click()
    expect(member_page.get_by_role("heading", name="Salle Germinal")).to_be_visible()
    expect(member_page.locator("main")).to_contain_text("14")
    member_page.context.close()
