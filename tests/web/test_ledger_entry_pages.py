"""The ledger's write pages through the real forms: a charge previewed then posted, keys, payments,
closing and reopening a period; bad input shows a message and writes nothing."""


import pytest
from factories import make_key
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import (
    AllocationKey,
    Charge,
    JournalEntry,
    Payment,
    Period,
    PeriodEvent,
)


@pytest.fixture
def treasurer(make, login):
    user = make.user(is_treasurer=True, locale="en")
    login(user)
    return user




def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Charge, JournalEntry, Payment, Period))


def charge_form(key=None, **overrides) -> dict:
    data = {"label": "Loyer mars", "category": "rent", "amount": "1200", "date": "2026-03-05",
            "covers_from": "", "covers_until": "", "paid_by": "", "receipt_ref": "F-2026-031",
            "key_id": str(key.id) if key else ""}
    for row in range(3):
        data[f"parts-{row}-key_id"] = ""
        data[f"parts-{row}-percent"] = ""
    data.update(overrides)
    return data


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_preview_shows_each_line_explained_and_writes_nothing(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    form = client.get("/ledger/charges/new").get_data(as_text=True)
    assert "Clé égale" in form and "The network" in form and 'name="parts-2-percent"' in form
    response = client.post("/ledger/charges/new", data={**charge_form(key, amount="1 000"), "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Loyer mars: €1,000.00 × 1/3 = €333.33" in page
    assert "(+€0.01 rounding)" in page  # one structure takes the remaining cent
    assert "€1,000.00</strong>" in page and "Equals the amount of the charge." in page
    assert 'value="Loyer mars"' in page and 'value="F-2026-031"' in page  # the form stays filled
    assert counts() == (0, 0, 0, 0)


def test_preview_of_a_charge_in_parts_explains_both_parts(client, treasurer, three):
    equal = make_key("equal", dict.fromkeys(three, 1))
    shares = make_key("percent", {three[0]: 5000, three[1]: 3000, three[2]: 2000}, name="Parts sociales")
    response = client.post("/ledger/charges/new", data={**charge_form(
        amount="100", **{"parts-0-key_id": str(equal.id), "parts-0-percent": "50",
                         "parts-1-key_id": str(shares.id), "parts-1-percent": "50 %"}), "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Loyer mars: 50 % × €100.00 × 1/3 + 50 % × €100.00 × 50 % = €41.66" in page
    assert counts() == (0, 0, 0, 0)


def test_post_creates_the_charge_and_redirects_to_its_page(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    response = client.post("/ledger/charges/new", data={**charge_form(key, amount="1 200,50"), "post": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    charge = db.session.scalar(select(Charge))
    assert response.headers["Location"].endswith(f"/ledger/charges/{charge.id}")
    assert (charge.amount_cents, charge.label, charge.receipt_ref) == (120050, "Loyer mars", "F-2026-031")
    assert sorted(a.amount_cents for a in charge.allocations) == [40016, 40017, 40017]
    assert "Charge posted: Loyer mars." in flashes(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.charge_id == charge.id))
    assert f"n° {entry.number}" in page and "€1,200.50" in page
    assert "Loyer mars: €1,200.50 × 1/3 = €400.16" in page and "Reverse" in page


def test_amount_with_three_decimals_is_refused_and_nothing_is_written(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    response = client.post("/ledger/charges/new", data={**charge_form(key, amount="12,345"), "post": "1"})
    assert response.status_code == 422
    assert "At most two decimals: amounts are in cents." in response.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def test_other_field_errors_are_shown_with_the_amount_error(client, treasurer, three):
    response = client.post("/ledger/charges/new", data={**charge_form(None, amount="douze", label=""),
                                                        "post": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Type an amount such as 1 200,50 or 1200.50." in page
    assert "This field is required." in page  # the label
    assert "Choose the key that splits this charge." in page
    assert counts() == (0, 0, 0, 0)


def test_parts_not_summing_to_100_percent_are_refused(client, treasurer, three):
    equal = make_key("equal", dict.fromkeys(three, 1))
    other = make_key("equal", dict.fromkeys(three[:2], 1), name="Deux")
    response = client.post("/ledger/charges/new", data={**charge_form(**{
        "parts-0-key_id": str(equal.id), "parts-0-percent": "50",
        "parts-1-key_id": str(other.id), "parts-1-percent": "40,5"}), "post": "1"})
    assert response.status_code == 422
    assert "The parts add up to 90.50 %, not 100 %." in response.get_data(as_text=True)
    bad_percent = client.post("/ledger/charges/new", data={**charge_form(**{
        "parts-0-key_id": str(equal.id), "parts-0-percent": "33,333"}), "post": "1"})
    assert bad_percent.status_code == 422
    assert "At most two decimals, e.g. 33,33 %." in bad_percent.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def test_charge_dated_in_a_closed_period_shows_a_date_error_and_writes_nothing(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    db.session.add(Period(month="2026-02", status="closed"))
    db.session.commit()
    response = client.post("/ledger/charges/new", data={**charge_form(key, date="2026-02-10"), "post": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="date-error"' in page and "The period 2026-02 is closed" in page
    assert counts() == (0, 0, 0, 1)


def test_auditor_reads_the_pages_without_write_buttons_and_gets_403_on_post(client, make, login, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    login(make.user(is_treasurer=True, locale="en"))
    client.post("/ledger/charges/new", data={**charge_form(key), "post": "1"})
    charge = db.session.scalar(select(Charge))
    client.post("/logout")
    login(make.user(is_auditor=True, locale="en"))
    page = client.get(f"/ledger/charges/{charge.id}").get_data(as_text=True)
    assert "Loyer mars" in page and "Reverse" not in page
    keys_page = client.get("/ledger/keys")
    assert keys_page.status_code == 200 and "Clé égale" in keys_page.get_data(as_text=True)
    assert "New key" not in keys_page.get_data(as_text=True)
    assert client.get(f"/ledger/keys/{key.id}").status_code == 200
    assert client.get("/ledger/charges/new").status_code == 403
    before = counts()
    assert client.post("/ledger/charges/new", data={**charge_form(key), "post": "1"}).status_code == 403
    assert client.post(f"/ledger/charges/{charge.id}/reverse", data={"confirm": "y"}).status_code == 403
    assert client.post("/ledger/payments", data={"structure_id": str(three[0].id), "amount": "10",
                                                 "date": "2026-03-05"}).status_code == 403
    assert client.post("/ledger/keys/new", data={"name": "X", "method": "equal"}).status_code == 403
    assert client.post("/ledger/2026-01/close", data={"confirm": "y"}).status_code == 403
    assert counts() == before


def test_people_who_do_not_read_the_ledger_get_403(client, make, login, three):
    login(make.user(structures=[three[0]], role="manager", locale="en"))
    for path in ("/ledger/keys", "/ledger/payments", "/ledger/charges/new", "/ledger/keys/new"):
        assert client.get(path).status_code == 403, path


def test_treasurer_reverses_a_charge_after_confirming(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    client.post("/ledger/charges/new", data={**charge_form(key, amount="90"), "post": "1"})
    original = db.session.scalar(select(Charge))
    unconfirmed = client.post(f"/ledger/charges/{original.id}/reverse", data={})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the reversal." in unconfirmed.get_data(as_text=True)
    response = client.post(f"/ledger/charges/{original.id}/reverse", data={"confirm": "y"})
    assert response.status_code == 302
    reversal = db.session.scalar(select(Charge).where(Charge.reverses_id == original.id))
    assert reversal.amount_cents == -9000
    assert "Reversed by" in client.get(f"/ledger/charges/{original.id}").get_data(as_text=True)
    assert "This charge reverses" in client.get(f"/ledger/charges/{reversal.id}").get_data(as_text=True)


def test_treasurer_creates_a_key_by_weights(client, treasurer, three):
    form = client.get("/ledger/keys/new").get_data(as_text=True)
    assert "Atelier" in form and 'name="weights-' in form
    response = client.post("/ledger/keys/new", data={
        "name": "Surfaces", "method": "weights", "structure_ids": [str(three[0].id), str(three[1].id)],
        f"weights-{three[0].id}": "45,5", f"weights-{three[1].id}": "120", f"weights-{three[2].id}": "99",
        "valid_from": "2026-01-01", "decision_ref": "AG du 12 mars 2026"})
    assert response.status_code == 302, response.get_data(as_text=True)
    key = db.session.scalar(select(AllocationKey))
    version = key.versions[0]
    assert (key.name, key.method, version.decision_ref) == ("Surfaces", "weights", "AG du 12 mars 2026")
    assert {w.structure_id: w.weight for w in version.weights} == {three[0].id: 45500, three[1].id: 120000}
    page = client.get(f"/ledger/keys/{key.id}").get_data(as_text=True)
    assert "45.5" in page and "Version 1" in page and 'value="45.5"' in page  # new version prefilled
    listed = client.get("/ledger/keys").get_data(as_text=True)
    assert "Surfaces" in listed and "Atelier (45.5)" in listed


def test_percent_key_not_adding_up_to_100_is_refused(client, treasurer, three):
    response = client.post("/ledger/keys/new", data={
        "name": "Parts", "method": "percent", "structure_ids": [str(s.id) for s in three],
        **{f"weights-{s.id}": "33,33" for s in three}, "valid_from": "2026-01-01"})
    assert response.status_code == 422
    assert "The shares add up to 99.99 %, not 100 %." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AllocationKey)) == 0


def test_new_key_version_and_archive_from_the_key_page(client, treasurer, three):
    key = make_key("equal", dict.fromkeys(three, 1))
    response = client.post(f"/ledger/keys/{key.id}/versions/new", data={
        "structure_ids": [str(three[0].id)], "valid_from": "2026-06-01", "decision_ref": "CA de juin"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    versions = db.session.get(AllocationKey, key.id).versions
    assert [(v.number, len(v.weights)) for v in versions] == [(1, 3), (2, 1)]
    late = client.post(f"/ledger/keys/{key.id}/versions/new", data={
        "structure_ids": [str(three[0].id)], "valid_from": "2026-05-01"})
    assert late.status_code == 422 and "Must be after" in late.get_data(as_text=True)
    assert client.post(f"/ledger/keys/{key.id}/archive").status_code == 302
    db.session.expire_all()
    assert db.session.get(AllocationKey, key.id).active is False
    client.post(f"/ledger/keys/{key.id}/restore")
    db.session.expire_all()
    assert db.session.get(AllocationKey, key.id).active is True


def test_payment_form_records_a_payment_and_lists_it(client, treasurer, three):
    response = client.post("/ledger/payments", data={
        "structure_id": str(three[1].id), "amount": "1 250,00", "date": "2026-03-12", "reference": "VIR 42"})
    assert response.status_code == 302, response.get_data(as_text=True)
    payment = db.session.scalar(select(Payment))
    assert (payment.structure_id, payment.amount_cents, payment.reference) == (three[1].id, 125000, "VIR 42")
    page = client.get("/ledger/payments?month=2026-03").get_data(as_text=True)
    assert "Bascule" in page and "€1,250.00" in page and "VIR 42" in page


def test_payment_to_an_unknown_structure_is_refused(client, treasurer, three):
    response = client.post("/ledger/payments", data={
        "structure_id": "999999", "amount": "10", "date": "2026-03-12", "reference": ""})
    assert response.status_code == 422
    assert "Unknown structure." in response.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def test_close_and_reopen_a_period_from_the_pages(client, make, login, treasurer):
    asked = client.post("/ledger/2025-11/close", data={})
    assert asked.status_code == 200 and "I confirm" in asked.get_data(as_text=True)
    assert client.post("/ledger/2025-11/close", data={"confirming": "1"}).status_code == 422
    response = client.post("/ledger/2025-11/close", data={"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ledger/2025-11")
    assert db.session.scalar(select(Period).where(Period.month == "2025-11")).status == "closed"
    again = client.post("/ledger/2025-11/close", data={"confirm": "y"})
    assert again.status_code == 302 and "The period 2025-11 is already closed." in flashes(client)
    assert client.post("/ledger/2025-11/reopen", data={"reason": "Erreur"}).status_code == 403

    client.post("/logout")
    login(make.user(is_admin=True, locale="en"))
    no_reason = client.post("/ledger/2025-11/reopen", data={"confirming": "1", "reason": " "})
    assert no_reason.status_code == 422
    assert "Say why the period is reopened." in no_reason.get_data(as_text=True)
    response = client.post("/ledger/2025-11/reopen", data={"reason": "Facture oubliée"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ledger/2025-11")
    db.session.expire_all()
    period = db.session.scalar(select(Period).where(Period.month == "2025-11"))
    assert period.status == "open"
    assert [(e.action, e.reason) for e in db.session.scalars(select(PeriodEvent).order_by(PeriodEvent.id))] \
        == [("close", None), ("reopen", "Facture oubliée")]


def test_a_month_not_over_cannot_be_closed(client, treasurer):
    response = client.post("/ledger/2199-01/close", data={"confirm": "y"})
    assert response.status_code == 302
    assert "2199-01 is not over yet: a month is closed once it has ended." in flashes(client)[0]
    assert db.session.scalar(select(func.count()).select_from(Period)) == 0
