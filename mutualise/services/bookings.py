"""Booking use cases: the one service every path goes through (web form, API, recurring series, CLI).

Order of the checks (issue 3): the resource is active, the booker belongs to the structure, the
resource's rules, closures, the stock over the whole interval, then the structure's quotas; all of it
under the locks of services/locks.py, so nothing read can change before the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain.recurrence import RecurrenceError, expand
from mutualise.models import Booking, BookingStatus, Resource, Series, Structure, User
from mutualise.services import booking_mail, checks, permissions
from mutualise.services.booking_checks import SlotCheck, rule_error
from mutualise.services.checks import UNSET
from mutualise.services.errors import (
    BookingConflict,
    FieldErrors,
    Forbidden,
    MutualiseError,
    NotFound,
    QuotaExceeded,
    RuleViolation,
    ValidationError,
)
from mutualise.services.locks import lock_for_booking
from mutualise.services.quota_usage import applicable_rules, check_quotas
from mutualise.services.settings import network_zone

MAX_QUANTITY = 100_000
ON_CONFLICT = ("fail", "skip")

_RECURRENCE_MESSAGES = {
    "syntax": _l("This repetition rule cannot be read (e.g. FREQ=WEEKLY;COUNT=10)."),
    "unsupported": _l("Repeat daily, weekly, monthly or yearly, without changing the time of day."),
    "unbounded": _l("Say when the repetition ends, with COUNT or UNTIL."),
    "too_many": _l("A series holds at most %(max)d bookings."),
    "too_long": _l("A series spans at most %(days)d days."),
    "empty": _l("This repetition rule gives no date at all."),
}


@dataclass
class BookingInput:
    """A booking to make or change. Datetimes are aware (blueprints read naive ones in the network's
    time zone). `rrule` makes a series; `override_quota` (admins) books beyond a quota, with a reason."""

    resource_id: Any = UNSET
    structure_id: Any = UNSET
    start: Any = UNSET
    end: Any = UNSET
    title: Any = UNSET
    quantity: Any = UNSET
    rrule: Any = UNSET
    on_conflict: Any = UNSET
    override_quota: Any = UNSET
    override_reason: Any = UNSET


@dataclass
class BookingResult:
    """What a booking request made: one booking, or a series with its bookings and skipped dates."""

    bookings: list[Booking]
    series: Series | None = None
    skipped: list[dict] = field(default_factory=list)


def create_booking(session: Session, actor: User, now: datetime, data: BookingInput) -> BookingResult:
    """Book a resource for one of the actor's structures, once or as a series (`data.rrule`).

    With `on_conflict="fail"` (the default) one refused occurrence refuses the whole series; with
    "skip" the refused ones are left out and reported in `skipped` ({start, end, reason, message}).
    Raises ValidationError, Forbidden, RuleViolation, BookingConflict or QuotaExceeded; writes nothing
    then (the request rolls back).
    """
    errors = FieldErrors()
    resource = _bookable_resource(session, actor, errors, data.resource_id)
    structure = _bookable_structure(session, actor, errors, data.structure_id)
    start = checks.moment(errors, "start", data.start)
    end = checks.moment(errors, "end", data.end)
    if start and end and end <= start:
        errors.add("end", _l("The end must come after the start."))
    quantity = 1 if data.quantity in (UNSET, None) else checks.integer(errors, "quantity", data.quantity,
                                                                       minimum=1, maximum=MAX_QUANTITY)
    if resource is not None and quantity and quantity > resource.quantity:
        errors.add("quantity", _l("Only %(stock)d in stock.", stock=resource.quantity))
    title = None if data.title is UNSET else checks.text(errors, "title", data.title,
                                                         max_len=Booking.TITLE_MAX, required=False)
    on_conflict = "fail" if data.on_conflict in (UNSET, None) else checks.choice(
        errors, "on_conflict", data.on_conflict, ON_CONFLICT)
    override = _quota_override(actor, errors, data)
    rrule = None if data.rrule in (UNSET, None, "") else checks.text(
        errors, "recurrence", data.rrule, max_len=Series.RRULE_MAX)
    errors.raise_if_any()

    tz = network_zone(session)
    slots = [(start, end)]
    if rrule is not None:
        try:
            slots = expand(rrule, start, end, tz)
        except RecurrenceError as error:
            raise ValidationError({"recurrence": _RECURRENCE_MESSAGES[error.reason] % error.params}) from None

    lock_for_booking(session, resource.id, structure.id)
    check = SlotCheck(session, actor, now, resource, tz, slots[0][0], slots[-1][1])
    kept, skipped = _acceptable(check, slots, quantity, skip=rrule is not None and on_conflict == "skip")
    if not override and kept:
        kept, skipped = _within_quotas(session, structure, resource, kept, skipped, now, tz,
                                       skip=rrule is not None and on_conflict == "skip")
    if not kept:
        raise BookingConflict([{"start": s["start"], "end": s["end"]} for s in skipped],
                              _l("None of the dates of this series can be booked."))

    series = None
    if rrule is not None:
        series = Series(resource_id=resource.id, structure_id=structure.id, user_id=actor.id, rrule=rrule,
                        timezone=tz.key, first_start_at=start, first_end_at=end, created_at=now)
        session.add(series)
    status = BookingStatus.PENDING if _needs_approval(actor, resource) else BookingStatus.CONFIRMED
    if series is not None:
        session.flush()  # its id, for the bookings
    # One INSERT ... RETURNING gives the bookings as loaded objects: the unit of work's flush of new
    # objects cost a tenth of a booking request (docs/performance.md)
    rows = [{"resource_id": resource.id, "structure_id": structure.id, "user_id": actor.id,
             "series_id": series.id if series is not None else None, "title": title or structure.name,
             "quantity": quantity, "start_at": slot_start, "end_at": slot_end,
             "blocked_until": slot_end + check.buffer, "exclusive": resource.quantity == 1,
             "status": status.value, "created_at": now, "updated_at": now,
             "quota_override_by_id": actor.id if override else None,
             "quota_override_reason": override or None}
            for slot_start, slot_end in kept]
    bookings = list(session.scalars(insert(Booking).returning(Booking, sort_by_parameter_order=True), rows))
    booking_mail.bookings_made(session, bookings)
    return BookingResult(bookings, series, skipped)


def _bookable_resource(session, actor, errors: FieldErrors, resource_id) -> Resource | None:
    if resource_id in (UNSET, None, ""):
        errors.add("resource_id", _l("This field is required."))
        return None
    resource = session.get(Resource, resource_id) if checks.valid_id(resource_id) else None
    if resource is None or not permissions.visible_to(actor, resource.active):
        errors.add("resource_id", _l("Unknown resource."))
        return None
    if not resource.active:
        errors.add("resource_id", _l("This resource is archived and cannot be booked."))
        return None
    return resource


def _bookable_structure(session, actor: User, errors: FieldErrors, structure_id) -> Structure | None:
    if structure_id in (UNSET, None, ""):
        errors.add("structure_id", _l("This field is required."))
        return None
    structure = session.get(Structure, structure_id) if checks.valid_id(structure_id) else None
    if structure is None or not permissions.can_see_structure(actor, structure):
        errors.add("structure_id", _l("Unknown structure."))
        return None
    if not actor.is_admin and structure.id not in permissions.structure_ids_of(actor):
        raise Forbidden(_l("You can only book for a structure you belong to."))
    if not structure.active:
        errors.add("structure_id", _l("This structure is archived and cannot book."))
        return None
    return structure


def _quota_override(actor: User, errors: FieldErrors, data: BookingInput) -> str | None:
    """The recorded reason when an admin books beyond a quota on purpose; None otherwise."""
    if data.override_quota in (UNSET, None, False):
        return None
    if data.override_quota is not True:
        errors.add("override_quota", _l("Must be true or false."))
        return None
    if not actor.is_admin:
        errors.add("override_quota", _l("Only an administrator may book beyond a quota."))
        return None
    reason = None if data.override_reason is UNSET else data.override_reason
    return checks.text(errors, "override_reason", reason, max_len=Booking.REASON_MAX)


def _needs_approval(actor: User, resource: Resource) -> bool:
    # a referent's or an admin's own booking needs nobody else's approval
    return resource.requires_approval and not permissions.can_approve_on(actor, resource)


def _acceptable(check: SlotCheck, slots, quantity: int, *, skip: bool):
    """Slots passing the rules, closures and stock; with `skip` the others are reported, else the first
    refusal is raised."""
    kept, skipped = [], []
    for slot_start, slot_end in slots:
        refusal: MutualiseError | None = None
        violation = check.rule_violation(slot_start, slot_end)
        if violation is not None:
            refusal = rule_error(violation)
        else:
            refusal = check.conflict(slot_start, slot_end, quantity)
        if refusal is None:
            check.accept(slot_start, slot_end, quantity)
            kept.append((slot_start, slot_end))
        elif skip:
            skipped.append(_skipped(slot_start, slot_end, refusal))
        else:
            if len(slots) > 1:
                refusal.details["occurrence"] = {"start": slot_start, "end": slot_end}
                refusal.message = _l("%(date)s: %(reason)s", date=format_datetime(slot_start, "short"),
                                     reason=refusal.message)
            raise refusal
    return kept, skipped


def _within_quotas(session, structure, resource, kept, skipped, now, tz, *, skip: bool):
    """The series is checked as a whole; with `skip`, occurrences are dropped from the end until the
    rest fits (a whole-series refusal would otherwise leave nothing)."""
    rules = applicable_rules(session, structure.id, resource)
    refusal = check_quotas(session, structure, resource, kept, now, tz, rules=rules)
    if refusal is None:
        return kept, skipped
    if not skip:
        raise refusal
    accepted: list[tuple[datetime, datetime]] = []
    for slot in kept:
        one_more = check_quotas(session, structure, resource, [*accepted, slot], now, tz, rules=rules)
        if one_more is None:
            accepted.append(slot)
        else:
            skipped.append(_skipped(*slot, one_more))
    skipped.sort(key=lambda s: s["start"])
    return accepted, skipped


def _skipped(start: datetime, end: datetime, refusal: MutualiseError) -> dict:
    if isinstance(refusal, RuleViolation):
        reason = refusal.details["rule"]
    elif isinstance(refusal, QuotaExceeded):
        reason = "quota"
    else:
        reason = "conflict"
    return {"start": start, "end": end, "reason": reason, "message": refusal.message}


# Reading

def get_booking(session: Session, actor: User, booking_id: int) -> Booking:
    """The booking if the actor may see it; NotFound otherwise (invariant 6)."""
    booking = session.get(Booking, booking_id) if checks.valid_id(booking_id) else None
    if booking is None or not permissions.can_see_booking(actor, booking):
        raise NotFound()
    return booking


def visible_bookings(actor: User) -> Select:
    """A query of the bookings the actor may see, to be narrowed by the caller."""
    query = select(Booking).options(selectinload(Booking.resource), selectinload(Booking.structure),
                                    selectinload(Booking.user))
    if permissions.is_network_reader(actor):
        return query
    referent_of = select(Resource.id).where(Resource.referents.any(User.id == actor.id))
    return query.where(or_(Booking.structure_id.in_(permissions.structure_ids_of(actor)),
                           Booking.user_id == actor.id, Booking.resource_id.in_(referent_of)))


def list_bookings(session: Session, actor: User, *, resource_id: int | None = None,
                  structure_id: int | None = None, user_id: int | None = None, start: datetime | None = None,
                  end: datetime | None = None, statuses: tuple[str, ...] | None = None,
                  limit: int | None = None) -> list[Booking]:
    """Visible bookings by start time; `start`/`end` keep those overlapping the period."""
    query = _filtered(visible_bookings(actor), resource_id=resource_id, structure_id=structure_id,
                      user_id=user_id, start=start, end=end, statuses=statuses)
    query = query.order_by(Booking.start_at, Booking.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def bookings_page(session: Session, actor: User, *, after_id: int | None, limit: int,
                  **filters) -> tuple[list[Booking], bool]:
    """Up to `limit` visible bookings made after booking `after_id` (in the order they were made, a
    keyset the database walks by its primary key, so a network's whole history is never loaded), and
    whether more follow. `filters`: those of list_bookings."""
    query = _filtered(visible_bookings(actor), **filters)
    if after_id is not None:
        query = query.where(Booking.id > after_id)
    found = list(session.scalars(query.order_by(Booking.id).limit(limit + 1)))
    return found[:limit], len(found) > limit


def _filtered(query: Select, *, resource_id: int | None = None, structure_id: int | None = None,
              user_id: int | None = None, start: datetime | None = None, end: datetime | None = None,
              statuses: tuple[str, ...] | None = None) -> Select:
    if resource_id is not None:
        query = query.where(Booking.resource_id == resource_id)
    if structure_id is not None:
        query = query.where(Booking.structure_id == structure_id)
    if user_id is not None:
        query = query.where(Booking.user_id == user_id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    if statuses:
        query = query.where(Booking.status.in_(statuses))
    return query


# Changing

def update_booking(session: Session, actor: User, now: datetime, booking_id: int,
                   data: BookingInput) -> Booking:
    """Move a booking or change its title or quantity (one occurrence of a series alone): rules,
    closures, stock and quotas are checked again, the booking itself left out."""
    booking = get_booking(session, actor, booking_id)
    if not permissions.can_change_booking(actor, booking):
        raise Forbidden()
    if not booking.is_active or booking.end_at <= now:
        raise ValidationError({"start": _l("Only a booking still to come can be changed.")})
    errors = FieldErrors()
    start = booking.start_at if data.start is UNSET else checks.moment(errors, "start", data.start)
    end = booking.end_at if data.end is UNSET else checks.moment(errors, "end", data.end)
    if start and end and end <= start:
        errors.add("end", _l("The end must come after the start."))
    quantity = booking.quantity if data.quantity is UNSET else checks.integer(
        errors, "quantity", data.quantity, minimum=1, maximum=MAX_QUANTITY)
    if quantity and quantity > booking.resource.quantity:
        errors.add("quantity", _l("Only %(stock)d in stock.", stock=booking.resource.quantity))
    title = booking.title if data.title is UNSET else checks.text(errors, "title", data.title,
                                                                  max_len=Booking.TITLE_MAX)
    errors.raise_if_any()

    moved = (start, end) != (booking.start_at, booking.end_at)
    was_confirmed, retitled = booking.status == BookingStatus.CONFIRMED.value, title != booking.title
    if moved or quantity != booking.quantity:
        tz = network_zone(session)
        lock_for_booking(session, booking.resource_id, booking.structure_id)
        check = SlotCheck(session, actor, now, booking.resource, tz, start, end, exclude_ids=[booking.id])
        if moved:
            violation = check.rule_violation(start, end)
            if violation is not None:
                raise rule_error(violation)
        conflict = check.conflict(start, end, quantity)
        if conflict is not None:
            raise conflict
        if booking.quota_override_by_id is None:
            refusal = check_quotas(session, booking.structure, booking.resource, [(start, end)], now, tz,
                                   exclude_ids=[booking.id])
            if refusal is not None:
                raise refusal
        booking.blocked_until = end + check.buffer
        if moved and _needs_approval(actor, booking.resource):
            booking.status = BookingStatus.PENDING.value
    if moved:
        booking.sequence += 1
        booking.reminder_sent_at = None  # the new time gets its own reminder
    booking.start_at, booking.end_at, booking.quantity, booking.title = start, end, quantity, title
    booking.updated_at = now
    session.flush()
    if moved or retitled:
        booking_mail.booking_changed(session, booking, was_confirmed=was_confirmed)
    return booking
