"""The checks every booking meets, whichever path it comes by (form, API, series, CLI): the resource's
rules, closures, the stock over the whole interval and, last, the structure's quotas.

They run after services/locks.lock_for_booking, so what they read cannot change before the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask_babel import format_datetime, format_timedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Row, bindparam, literal_column, null, or_, select, union_all
from sqlalchemy.orm import Session

from mutualise.domain.booking_rules import Rules, Violation, check_rules
from mutualise.domain.intervals import overlaps, peak_load
from mutualise.domain.opening_hours import parse_opening_hours
from mutualise.models import ACTIVE_STATUSES, Booking, Closure, Resource, User
from mutualise.services import permissions
from mutualise.services.errors import BookingConflict, RuleViolation

_RULE_MESSAGES = {
    "past": _l("This slot has already started; choose a time in the future."),
    "min_notice": _l("This resource must be booked at least %(duration)s in advance."),
    "max_advance": _l("This resource can be booked at most %(days)d days in advance."),
    "min_duration": _l("A booking of this resource lasts at least %(duration)s."),
    "max_duration": _l("A booking of this resource lasts at most %(duration)s."),
    "step": _l("Start and end must fall on steps of %(minutes)d minutes from midnight."),
    "opening_hours": _l("The resource is not open then (%(weekday)s %(start)s–%(end)s)."),
}
_WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))


def rules_of(resource: Resource) -> Rules:
    return Rules(
        min_duration_minutes=resource.min_duration_minutes,
        max_duration_minutes=resource.max_duration_minutes,
        step_minutes=resource.step_minutes,
        buffer_minutes=resource.buffer_minutes,
        min_notice_minutes=resource.min_notice_minutes,
        max_advance_days=resource.max_advance_days,
        opening_hours=parse_opening_hours(resource.opening_hours),
        cancel_deadline_minutes=resource.cancel_deadline_minutes,
    )


def rule_error(violation: Violation) -> RuleViolation:
    """The RuleViolation for a domain violation, with its message in the request's language."""
    params = dict(violation.params)
    if "minutes" in params:
        params["duration"] = format_timedelta(timedelta(minutes=params["minutes"]), threshold=10)
    if "weekday" in params:
        params["weekday"] = _WEEKDAY_NAMES[params["weekday"]]
    message = _RULE_MESSAGES[violation.rule] % params if params else _RULE_MESSAGES[violation.rule]
    return RuleViolation(violation.rule, message, **violation.params)


@cache
def _slot_query(dialect: str):
    """The active bookings of a resource holding time in [span_start, held_until), except `excluded`, and
    the closures over [span_start, span_end), in one statement built once per database kind: building
    and keying it again on every booking request cost more than running it."""
    moment = Booking.start_at.type
    span_start, span_end = bindparam("span_start", type_=moment), bindparam("span_end", type_=moment)
    bookings = select(
        literal_column("0", Integer).label("is_closure"), Booking.id, Booking.start_at, Booking.end_at,
        Booking.blocked_until, Booking.quantity, Booking.structure_id, Booking.user_id,
        null().label("reason"),
    ).where(Booking.resource_id == bindparam("resource_id"), Booking.status.in_(ACTIVE_STATUSES),
            Booking.holds_time_in(dialect, span_start, bindparam("held_until", type_=moment)),
            Booking.id.not_in(bindparam("excluded", expanding=True)))
    closures = select(
        literal_column("1", Integer), Closure.id, Closure.start_at, Closure.end_at, Closure.end_at,
        literal_column("0", Integer), null(), null(), Closure.reason,
    ).where(or_(Closure.resource_id == bindparam("resource_id"), Closure.resource_id.is_(None)),
            Closure.start_at < span_end, Closure.end_at > span_start)
    return union_all(bookings, closures)


class SlotCheck:
    """Checks candidate slots of one resource, reading the bookings and closures of the span once, in one
    statement and as plain rows (every booking request pays for it).

    `exclude_ids`: bookings being moved, which must not conflict with themselves.
    """

    def __init__(self, session: Session, actor: User, now: datetime, resource: Resource, tz: ZoneInfo,
                 span_start: datetime, span_end: datetime, exclude_ids: Iterable[int] = ()):
        self.actor = actor
        self.now = now
        self.resource = resource
        self.tz = tz
        self.rules = rules_of(resource)
        self.buffer = timedelta(minutes=resource.buffer_minutes)
        self.bookings: list[Row] = []
        self.closures: list[Row] = []
        params = {"resource_id": resource.id, "span_start": span_start, "span_end": span_end,
                  "held_until": span_end + self.buffer, "excluded": list(exclude_ids)}
        for row in session.execute(_slot_query(session.get_bind().dialect.name), params):
            (self.closures if row.is_closure else self.bookings).append(row)
        # occurrences of the same series accepted so far hold their slot too
        self.accepted: list[tuple[datetime, datetime, int]] = []

    def rule_violation(self, start: datetime, end: datetime) -> Violation | None:
        return check_rules(self.rules, start, end, self.now, self.tz)

    def conflict(self, start: datetime, end: datetime, quantity: int) -> BookingConflict | None:
        """A closure over the slot, or the stock exceeded somewhere in [start, end + buffer)."""
        closures = [c for c in self.closures if overlaps(c.start_at, c.end_at, start, end)]
        if closures:
            return BookingConflict(
                [{"start": c.start_at, "end": c.end_at, "closure": c.reason} for c in closures],
                _l("The resource is closed then: %(reason)s.", reason=closures[0].reason))
        blocked_until = end + self.buffer
        around = [b for b in self.bookings if overlaps(b.start_at, b.blocked_until, start, blocked_until)]
        loads = [(b.start_at, b.blocked_until, b.quantity) for b in around]
        loads += [load for load in self.accepted if overlaps(load[0], load[1], start, blocked_until)]
        if peak_load(loads, start, blocked_until) + quantity <= self.resource.quantity:
            return None
        slots = [self.describe(b) for b in around] or [{"start": s, "end": e} for s, e, _ in loads]
        return BookingConflict(slots, self.conflict_message(around, start, end))

    def accept(self, start: datetime, end: datetime, quantity: int) -> None:
        self.accepted.append((start, end + self.buffer, quantity))

    def describe(self, booking: Row) -> dict:
        """A conflicting slot; its id only for someone who may see the booking (invariant 6)."""
        slot = {"start": booking.start_at, "end": booking.end_at}
        if permissions.sees_booking(self.actor, booking.structure_id, booking.user_id,
                                    permissions.is_referent(self.actor, self.resource)):
            slot["booking_id"] = booking.id
        return slot

    def conflict_message(self, around: list[Row], start: datetime, end: datetime):
        if self.resource.quantity > 1:
            return _l("Not enough units left then: %(stock)d in stock.", stock=self.resource.quantity)
        if not around:  # only occurrences of the same series
            return _l("Two occurrences of this series overlap.")
        first = around[0]
        slot = f"{format_datetime(first.start_at, 'short')} – {format_datetime(first.end_at, 'short')}"
        if not any(overlaps(b.start_at, b.end_at, start, end) for b in around):
            return _l("Too close to another booking (%(slot)s): the resource needs %(minutes)d minutes "
                      "between bookings.", slot=slot, minutes=self.resource.buffer_minutes)
        return _l("This slot is already taken (%(slot)s).", slot=slot)

