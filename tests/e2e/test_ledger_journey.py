"""The treasurer's journey in a real browser: from the ledger to a new charge, its preview with every
share explained, posting it, the dashboard's split table with the new amounts, then a structure's
statement. Pages are reached by their links; texts are matched on data, not on translated words."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from mutualise.extensions import db
from mutualise.services.allocation_keys import KeyInput, create_key


def _sign_in(page, base_url, user, password):
    page.goto(f"{base_url}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def _money(text: str) -> re.Pattern:
    """An amount as the French pages write it, whatever space Babel puts in: "1 000,00 €"."""
    return re.compile(r"\s".join(re.escape(part) for part in text.split(" ")))


def test_treasurer_posts_a_charge_and_finds_it_in_the_split_and_a_statement(page, live_server, make):
    treasurer = make.user(is_treasurer=True, name="Tess Trésorière")
    atelier = make.structure(name="Atelier vélo", short_code="AV")
    make.structure(name="Boutique solidaire", short_code="BS")
    make.structure(name="Café associatif", short_code="CA")
    key = create_key(db.session, treasurer, datetime.now(UTC),
                     KeyInput(name="Parts égales", method="equal", valid_from=date(2026, 1, 1)))
    db.session.commit()
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")

    _sign_in(page, live_server, treasurer, make.PASSWORD)
    page.locator('header nav a[href="/ledger/"]').click()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("#month")).to_have_value(month)

    page.locator('main a[href="/ledger/charges/new"]').click()
    page.fill("#label", "Loyer du local")
    page.select_option("#category", "rent")
    page.fill("#amount", "1000")
    page.select_option("#key_id", str(key.id))
    page.locator("main form button[name=preview]").click()

    # The preview explains each share and adds up to the amount; nothing is posted yet.
    preview = page.locator("section.charge-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(3)
    expect(preview.locator("td.explanation").first).to_contain_text("1/3")
    expect(preview.locator("tfoot")).to_contain_text(_money("1 000,00 €"))
    page.locator("main form button[name=post]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.locator('header nav a[href="/ledger/"]').click()
    split = page.locator("table.ledger-split")
    expect(split.locator("tbody tr")).to_have_count(3)
    expect(split.locator("tfoot td.grand-total")).to_have_text(_money("1 000,00 €"))
    row = split.locator("tbody tr", has_text="Atelier vélo")
    expect(row).to_contain_text(re.compile(r"333,3[34]"))
    expect(page.locator("table.ledger-charges")).to_contain_text("Loyer du local")
    expect(page.locator(".split-chart .bar-row")).to_have_count(3)

    row.get_by_role("link", name="Atelier vélo").click()
    expect(page).to_have_url(re.compile(rf"/ledger/statements/{atelier.id}/{month}$"))
    expect(page.locator("main h1")).to_contain_text("Atelier vélo")
    lines = page.locator("table.statement-lines")
    expect(lines.locator("tbody")).to_contain_text("Loyer du local")
    expect(lines.locator(".explanation")).to_contain_text("1/3")
    closing = page.locator("dd.closing").inner_text()
    expect(lines.locator("td.closing-total")).to_have_text(closing)
    expect(page.locator("dd.closing")).to_have_text(re.compile(r"333,3[34]"))
