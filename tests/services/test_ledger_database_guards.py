"""A closed period stays unchanged even against a raw SQL UPDATE or DELETE, on both databases (issue 4,
DESIGN.md invariant 4).

The services never update or delete posted rows; these tests go around them with raw SQL on a separate
connection, as someone with database access would, and check that the triggers of migration 0003 refuse
each change and leave every row as it was. The last test shows a refusal reaching the API as a 409.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mutualise.domain.accounts import BANK, RECHARGED_COSTS, STRUCTURES
from mutualise.extensions import db
from mutualise.models import Booking, Charge, Payment
from mutualise.services import journal, periods

LEDGER_TABLES = ("ledger_periods", "ledger_period_events", "journal_entries", "journal_lines", "charges",
                 "payments", "booking_usages")
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
AT = "'2026-03-03 10:00:00'"  # a created_at written in raw SQL


def snapshot() -> dict[str, list[tuple]]:
    with db.engine.connect() as connection:
        return {table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
                for table in LEDGER_TABLES}


def refusal(sql: str) -> str:
    """The database's message refusing `sql`, run on its own connection and transaction."""
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as connection:
        connection.execute(text(sql))
    return str(refused.value.orig)


@pytest.fixture
def closed_february(make):
    """February: a charge, a payment and a priced booking, each posted, then the month closed; March: one
    payment posted, open."""
    structure = make.structure()
    treasurer = make.user(is_treasurer=True, structures=[structure])
    room = make.resource(hourly_cents=1000)
    start = datetime(2026, 2, 10, 9, tzinfo=UTC)
    end = start.replace(hour=11)
    db.session.add(Booking(resource_id=room.id, structure_id=structure.id, user_id=treasurer.id,
                           title="Atelier", start_at=start, end_at=end, blocked_until=end, created_at=start,
                           updated_at=start))
    journal.lock_ledger(db.session)
    february = journal.open_period_for(db.session, date(2026, 2, 1))
    charge = Charge(label="Loyer", category="rent", amount_cents=50_000, date=date(2026, 2, 5),
                    period_id=february.id, covers_from=date(2026, 2, 1), covers_until=date(2026, 2, 28),
                    created_at=NOW)
    payment = Payment(structure_id=structure.id, amount_cents=20_000, date=date(2026, 2, 6),
                      period_id=february.id, created_at=NOW)
    db.session.add_all([charge, payment])
    db.session.flush()
    journal.post_entry(db.session, NOW, period=february, day=charge.date, kind="charge", label="Loyer",
                       charge_id=charge.id, actor_id=treasurer.id, lines=[
                           journal.Line(STRUCTURES, "Loyer", debit_cents=50_000, structure_id=structure.id,
                                        category="rent"),
                           journal.Line(RECHARGED_COSTS, "Loyer", credit_cents=50_000, category="rent")])
    journal.post_entry(db.session, NOW, period=february, day=payment.date, kind="payment", label="Virement",
                       payment_id=payment.id, actor_id=treasurer.id, lines=_payment_lines(structure.id))
    periods.close_period(db.session, treasurer, NOW, "2026-02")
    march = journal.open_period_for(db.session, date(2026, 3, 2))
    journal.post_entry(db.session, NOW, period=march, day=date(2026, 3, 2), kind="payment", label="Virement",
                       actor_id=treasurer.id, lines=_payment_lines(structure.id))
    db.session.commit()
    return {"february": february.id, "march": march.id, "structure": structure.id}


def _payment_lines(structure_id: int) -> list[journal.Line]:
    return [journal.Line(BANK, "Virement", debit_cents=20_000),
            journal.Line(STRUCTURES, "Virement", credit_cents=20_000, structure_id=structure_id)]


def test_posted_rows_of_a_closed_period_refuse_raw_updates_and_deletes(closed_february):
    before = snapshot()
    assert len(before["journal_entries"]) == 4 and len(before["booking_usages"]) == 1

    for sql in ("UPDATE journal_lines SET debit_cents = debit_cents + 100 WHERE debit_cents > 0",
                "UPDATE journal_lines SET label = 'changed'",
                "DELETE FROM journal_lines",
                "DELETE FROM journal_entries",
                "UPDATE journal_entries SET date = '2026-02-01'",
                "UPDATE charges SET amount_cents = 1",
                "DELETE FROM charges",
                "UPDATE payments SET amount_cents = 1",
                "DELETE FROM booking_usages",
                "UPDATE booking_usages SET amount_cents = 0",
                "UPDATE ledger_period_events SET reason = 'none'",
                "DELETE FROM ledger_period_events",
                "DELETE FROM ledger_periods"):
        assert "ledger_posted" in refusal(sql), sql

    assert snapshot() == before


def test_nothing_can_be_inserted_into_a_closed_period(closed_february):
    ids = closed_february
    before = snapshot()
    next_number = len(before["journal_entries"]) + 1
    march_entry = before["journal_entries"][-1][0]

    for sql in (
            f"INSERT INTO journal_entries (number, period_id, date, kind, label, created_at) "
            f"VALUES ({next_number}, {ids['february']}, '2026-02-27', 'charge', 'Late', {AT})",
            f"INSERT INTO journal_lines (entry_id, period_id, account, debit_cents, credit_cents, label) "
            f"VALUES ({march_entry}, {ids['february']}, '411000', 100, 0, 'Late')",
            f"INSERT INTO charges (label, category, amount_cents, date, period_id, covers_from, "
            f"covers_until, created_at) VALUES ('Eau', 'energy', 100, '2026-02-27', {ids['february']}, "
            f"'2026-02-01', '2026-02-28', {AT})",
            f"INSERT INTO payments (structure_id, amount_cents, date, period_id, created_at) "
            f"VALUES ({ids['structure']}, 100, '2026-02-27', {ids['february']}, {AT})"):
        assert "period_closed" in refusal(sql), sql

    assert snapshot() == before


def test_journal_numbers_cannot_skip_or_repeat(closed_february):
    ids = closed_february
    before = snapshot()
    last = len(before["journal_entries"])

    for number in (last + 2, last, 0):
        assert "journal_gap" in refusal(
            f"INSERT INTO journal_entries (number, period_id, date, kind, label, created_at) "
            f"VALUES ({number}, {ids['march']}, '2026-03-03', 'payment', 'Gap', {AT})")

    assert snapshot() == before


def test_a_closed_period_refusal_reaches_the_api_as_period_closed(app, api, make, closed_february):
    ids = closed_february

    @app.post("/api/v1/test-raw-insert")
    def raw_insert():  # a write the services would never make: only the database stands in the way
        db.session.execute(text(f"INSERT INTO payments (structure_id, amount_cents, date, period_id, "
                                f"created_at) VALUES (:structure, 100, '2026-02-27', :period, {AT})"),
                           {"structure": ids["structure"], "period": ids["february"]})
        return {}

    before = snapshot()
    response = api(make.user(), language="en").post("/api/v1/test-raw-insert")

    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "period_closed"
    assert snapshot() == before
