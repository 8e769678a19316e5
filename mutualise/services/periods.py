"""Monthly ledger periods: reading them, closing one (treasurers) and reopening it (admins, with a reason).

Closing prices the usage of every booking ended before the month's end, then freezes the period: the
database refuses anything written into it from then on (migration 0003). Both actions leave a PeriodEvent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mutualise.models import Period, PeriodEvent, PeriodStatus, User
from mutualise.services import checks, journal, permissions
from mutualise.services.errors import Conflict, FieldErrors, PeriodClosed, ValidationError
from mutualise.services.settings import network_zone
from mutualise.services.usage_pricing import price_ended_bookings


def list_periods(session: Session, actor: User) -> list[Period]:
    """Every period written into so far, with its closings and reopenings (ledger readers)."""
    permissions.require_ledger_reader(actor)
    return list(session.scalars(select(Period).options(selectinload(Period.events)).order_by(Period.month)))


def get_period(session: Session, actor: User, month: str) -> Period:
    """The period of "YYYY-MM"; a month nothing was written into yet is an open period without events
    (not saved)."""
    permissions.require_ledger_reader(actor)
    checks.month_bounds(month, "month")
    found = journal.find_period(session, month)
    return found if found is not None else Period(month=month, status=PeriodStatus.OPEN.value, events=[])


def close_period(session: Session, actor: User, now: datetime, month: str) -> Period:
    """Close a month that is over in the network's time zone (treasurers): price the usage of the bookings
    ended before its end, then freeze it. Closing a closed period raises PeriodClosed."""
    permissions.require_treasurer(actor)
    first, last = checks.month_bounds(month, "month")
    period_end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=network_zone(session))
    if now < period_end:
        raise ValidationError({"month": _l("%(month)s is not over yet: a month is closed once it has ended.",
                                           month=month)})
    journal.lock_ledger(session)
    period = journal.find_period(session, month)
    if period is not None and period.is_closed:
        raise PeriodClosed(details={"period": month})
    price_ended_bookings(session, now, ended_before=period_end, actor_id=actor.id)
    period = journal.open_period_for(session, first)
    period.status = PeriodStatus.CLOSED.value
    period.closed_at, period.closed_by_id = now, actor.id
    session.add(PeriodEvent(period_id=period.id, action="close", user_id=actor.id, at=now))
    session.flush()
    session.refresh(period, ["events"])
    return period


def reopen_period(session: Session, actor: User, now: datetime, month: str, reason) -> Period:
    """Reopen a closed period (admins only), saying why: the reopening is recorded with its reason."""
    permissions.require_admin(actor)
    first, _last = checks.month_bounds(month, "month")
    errors = FieldErrors()
    reason = checks.text(errors, "reason", reason, max_len=PeriodEvent.REASON_MAX)
    errors.raise_if_any()
    journal.lock_ledger(session)
    period = journal.find_period(session, month)
    if period is None or not period.is_closed:
        raise Conflict(_l("The period %(month)s is not closed.", month=month), {"period": month})
    period.status = PeriodStatus.OPEN.value
    period.closed_at = period.closed_by_id = None
    session.add(PeriodEvent(period_id=period.id, action="reopen", user_id=actor.id, at=now, reason=reason))
    session.flush()
    session.refresh(period, ["events"])
    return period


