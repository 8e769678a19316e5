"""A member books in a real browser: the week view of a room, a free slot picked there, the prefilled form,
the confirmation, and the structure's weekly quota going down by the booked time."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from mutualise.extensions import db
from mutualise.models import QuotaRule


def _sign_in(page, base_url, user, password):
    page.goto(f"{base_url}/login")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_member_picks_a_free_slot_in_the_week_and_sees_the_quota_go_down(page, live_server, make):
    structure = make.structure(name="Recyclerie des Weppes", short_code="RDW")
    member = make.user(name="Mehdi Membre", structures=[structure])
    room = make.resource(name="Salle Germinal", step_minutes=60)
    db.session.add(QuotaRule(structure_id=structure.id, unit="hours", window="week", limit=10, active=True,
                             created_at=datetime.now(UTC)))
    db.session.commit()
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    tuesday = monday + timedelta(days=1)
    week_url = f"{live_server}/calendar/resources/{room.id}?week={monday}"

    _sign_in(page, live_server, member, make.PASSWORD)
    page.goto(week_url)
    expect(page.get_by_role("heading", name="Salle Germinal")).to_be_visible()

    # The form opened from a slot of next week shows the allowance of that week, untouched so far.
    page.locator(f'li[data-start="{tuesday}T14:00"] a.book').click()
    expect(page.locator("section.quota-status")).to_contain_text(re.compile(r"\b10 h\b"))
    page.go_back()

    slot = page.locator(f'li[data-start="{monday}T10:00"] a.book')
    expect(slot).to_have_text("Réserver")
    slot.click()
    expect(page.locator("#date")).not_to_have_value("")
    page.fill("#title", "Atelier vélo")
    page.locator("main form.booking-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Atelier vélo")).to_be_visible()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("10:00")

    page.goto(week_url)
    expect(page.locator(f'li[data-start="{monday}T10:00"]')).to_contain_text("Atelier vélo (RDW)")
    expect(page.locator(f'li[data-start="{monday}T10:00"] a.book')).to_have_count(0)
    page.locator(f'li[data-start="{tuesday}T14:00"] a.book').click()
    expect(page.locator("section.quota-status")).to_contain_text(re.compile(r"\b9 h\b"))
