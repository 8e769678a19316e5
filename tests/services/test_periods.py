"""Closing a month prices its usage and freezes it; only an admin reopens it, and says why (issue 4,
item 6)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mutualise.domain.accounts import RECHARGED_COSTS, STRUCTURES
from mutualise.extensions import db
from mutualise.models import Booking, BookingUsage, JournalEntry, Period, PeriodEvent
from mutualise.services import journal, periods
from mutualise.services.errors import Conflict, Forbidden, PeriodClosed, ValidationError

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def admin(make):
    return make.user(is_admin=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def book(make, start: datetime, end: datetime) -> Booking:
    structure = make.structure()
    user = make.user(structures=[structure])
    room = make.resource(hourly_cents=1000)
    booking = Booking(resource_id=room.id, structure_id=structure.id, user_id=user.id, title="Atelier",
                      start_at=start, end_at=end, blocked_until=end, created_at=start, updated_at=start)
    db.session.add(booking)
    db.session.commit()
    return booking


def close(actor, now, month="2026-02") -> Period:
    period = periods.close_period(db.session, actor, now, month)
    db.session.commit()
    return period


def test_closing_prices_the_months_usage_then_freezes_it(make, treasurer, now):
    last_evening = book(make, datetime(2026, 2, 28, 22, tzinfo=PARIS), datetime(2026, 3, 1, tzinfo=PARIS))
    in_march = book(make, datetime(2026, 3, 1, 8, tzinfo=PARIS), datetime(2026, 3, 1, 10, tzinfo=PARIS))

    period = close(treasurer, now)

    assert (period.month, period.status, period.closed_at, period.closed_by_id) == (
        "2026-02", "closed", now, treasurer.id)
    assert [(e.action, e.user_id, e.at, e.reason) for e in period.events] == [
        ("close", treasurer.id, now, None)]
    assert db.session.get(BookingUsage, last_evening.id).period_id == period.id
    assert db.session.get(BookingUsage, in_march.id) is None  # priced with March, not with February
    assert db.session.scalar(select(JournalEntry.kind).where(JournalEntry.period_id == period.id)) == "usage"
    with pytest.raises(PeriodClosed):
        journal.open_period_for(db.session, date(2026, 2, 10))


def test_closing_a_period_twice_is_refused(treasurer, now):
    close(treasurer, now)

    with pytest.raises(PeriodClosed) as refused:
        periods.close_period(db.session, treasurer, now + timedelta(days=1), "2026-02")
    db.session.rollback()
    assert refused.value.details == {"period": "2026-02"}
    assert count(PeriodEvent) == 1


def test_a_month_not_over_in_the_network_zone_cannot_be_closed(treasurer):
    with pytest.raises(ValidationError) as refused:
        periods.close_period(db.session, treasurer, datetime(2026, 2, 28, 23, 59, tzinfo=PARIS), "2026-02")
    with force_locale("en"):
        assert str(refused.value.fields["month"]) == (
            "2026-02 is not over yet: a month is closed once it has ended.")
    db.session.rollback()
    assert count(Period) == count(PeriodEvent) == 0

    # 23:30 UTC on 28 February is already March in Paris
    assert close(treasurer, datetime(2026, 2, 28, 23, 30, tzinfo=UTC)).is_closed


@pytest.mark.parametrize("month", ["2026-13", "2026-2", "février", "", "1999-12"])
def test_a_month_is_written_yyyy_mm(treasurer, now, month):
    with pytest.raises(ValidationError) as refused:
        periods.close_period(db.session, treasurer, now, month)
    assert "month" in refused.value.fields
    db.session.rollback()
    assert count(Period) == 0


@pytest.mark.parametrize("role", [{"is_admin": True}, {"is_auditor": True}, {}])
def test_only_a_treasurer_closes_a_period(make, now, role):
    with pytest.raises(Forbidden):
        periods.close_period(db.session, make.user(**role), now, "2026-02")
    db.session.rollback()
    assert count(Period) == 0


def test_an_admin_reopens_a_period_and_the_reason_is_recorded(make, treasurer, admin, now):
    close(treasurer, now)
    later = now + timedelta(days=2)

    period = periods.reopen_period(db.session, admin, later, "2026-02", "  Facture d'eau oubliée ")
    db.session.commit()

    assert (period.status, period.closed_at, period.closed_by_id) == ("open", None, None)
    assert [(e.action, e.user_id, e.reason) for e in period.events] == [
        ("close", treasurer.id, None), ("reopen", admin.id, "Facture d'eau oubliée")]
    structure = make.structure()
    entry = journal.post_entry(
        db.session, later, period=journal.open_period_for(db.session, date(2026, 2, 27)),
        day=date(2026, 2, 27), kind="charge", label="Eau", actor_id=treasurer.id,
        lines=[journal.Line(STRUCTURES, "Eau", debit_cents=100, structure_id=structure.id),
               journal.Line(RECHARGED_COSTS, "Eau", credit_cents=100)])
    assert entry.period.month == "2026-02"


def test_reopening_needs_an_admin_a_reason_and_a_closed_period(make, treasurer, admin, now):
    with pytest.raises(Conflict):
        periods.reopen_period(db.session, admin, now, "2026-02", "Oubli")
    db.session.rollback()
    close(treasurer, now)

    with pytest.raises(Forbidden):
        periods.reopen_period(db.session, treasurer, now, "2026-02", "Oubli")
    db.session.rollback()
    for reason in (None, "   ", "x" * (PeriodEvent.REASON_MAX + 1)):
        with pytest.raises(ValidationError) as refused:
            periods.reopen_period(db.session, admin, now, "2026-02", reason)
        assert "reason" in refused.value.fields
        db.session.rollback()
    assert db.session.scalar(select(Period.status)) == "closed"
    assert count(PeriodEvent) == 1


def test_ledger_readers_list_the_periods_and_others_cannot(make, treasurer, now):
    close(treasurer, now, "2026-01")
    close(treasurer, now, "2025-12")
    auditor = make.user(is_auditor=True)

    assert [p.month for p in periods.list_periods(db.session, auditor)] == ["2025-12", "2026-01"]
    untouched = periods.get_period(db.session, auditor, "2026-02")
    assert (untouched.month, untouched.status, untouched.events) == ("2026-02", "open", [])
    assert periods.get_period(db.session, auditor, "2026-01").closed_by_id == treasurer.id
    member = make.user(structures=[make.structure()], role="manager")
    for read in (lambda: periods.list_periods(db.session, member),
                 lambda: periods.get_period(db.session, member, "2026-01")):
        with pytest.raises(Forbidden):
            read()
