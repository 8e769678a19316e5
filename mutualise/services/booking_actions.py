"""What happens to a booking after it is made: cancellation (one, the following or all of a series),
approval and rejection, vehicle check-out and check-in, no-shows."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mutualise.domain.booking_rules import is_late_cancellation
from mutualise.models import ACTIVE_STATUSES, Booking, BookingStatus, Resource, ResourceKind, User
from mutualise.services import booking_mail, checks, permissions
from mutualise.services.booking_checks import rules_of
from mutualise.services.bookings import get_booking
from mutualise.services.errors import FieldErrors, Forbidden, ValidationError

CANCEL_SCOPES = ("this", "following", "all")
MAX_ODOMETER = 10_000_000


def cancel_booking(session: Session, actor: User, now: datetime, booking_id: int, *,
                   reason: str | None = None, scope: str = "this") -> list[Booking]:
    """Cancel a booking, or with `scope` this and the following / all the still-to-come occurrences of
    its series. A cancellation after the resource's deadline is marked late (the ledger charges the
    late fee). Returns the bookings cancelled."""
    booking = get_booking(session, actor, booking_id)
    if not permissions.can_change_booking(actor, booking):
        raise Forbidden()
    errors = FieldErrors()
    scope = checks.choice(errors, "scope", scope or "this", CANCEL_SCOPES)
    reason = checks.text(errors, "reason", reason, max_len=Booking.REASON_MAX, required=False)
    errors.raise_if_any()
    if not booking.is_active:
        raise ValidationError({"scope": _l("This booking is already cancelled or rejected.")})
    if booking.end_at <= now:
        raise ValidationError({"scope": _l("This booking is over; it can no longer be cancelled.")})

    targets = [booking]
    if scope != "this" and booking.series_id is not None:
        query = select(Booking).where(Booking.series_id == booking.series_id,
                                      Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now)
        if scope == "following":
            query = query.where(Booking.start_at >= booking.start_at)
        targets = list(session.scalars(query.order_by(Booking.start_at)))
    was_pending = booking.status == BookingStatus.PENDING.value
    rules = rules_of(booking.resource)
    for target in targets:
        target.status = BookingStatus.CANCELLED.value
        target.cancelled_at = now
        target.cancelled_by_id = actor.id
        target.cancelled_late = is_late_cancellation(rules, target.start_at, now)
        target.reason = reason
        target.sequence += 1
        target.updated_at = now
    session.flush()
    booking_mail.booking_cancelled(session, targets[0], series=targets, was_pending=was_pending)
    return targets


def approve_booking(session: Session, actor: User, now: datetime, booking_id: int) -> Booking:
    """A referent (or an admin) confirms a pending booking; it already held its slot."""
    booking = _pending_for_decision(session, actor, booking_id)
    booking.status = BookingStatus.CONFIRMED.value
    booking.decided_by_id, booking.decided_at, booking.updated_at = actor.id, now, now
    booking.sequence += 1  # supersedes a CANCEL the booker got when a change made it pending again
    session.flush()
    booking_mail.booking_approved(session, booking)
    return booking


def reject_booking(session: Session, actor: User, now: datetime, booking_id: int, *,
                   reason: str | None = None) -> Booking:
    """A referent (or an admin) refuses a pending booking, which frees its slot."""
    errors = FieldErrors()
    reason = checks.text(errors, "reason", reason, max_len=Booking.REASON_MAX, required=False)
    errors.raise_if_any()
    booking = _pending_for_decision(session, actor, booking_id)
    booking.status = BookingStatus.REJECTED.value
    booking.decided_by_id, booking.decided_at, booking.updated_at = actor.id, now, now
    booking.reason = reason
    booking.sequence += 1
    session.flush()
    booking_mail.booking_rejected(session, booking)
    return booking


def _pending_for_decision(session: Session, actor: User, booking_id: int) -> Booking:
    booking = get_booking(session, actor, booking_id)
    if not permissions.can_approve_on(actor, booking.resource):
        raise Forbidden(_l("Only a referent of this resource can approve or reject its bookings."))
    if booking.status != BookingStatus.PENDING.value:
        raise ValidationError({"status": _l("This booking is not awaiting approval.")})
    return booking


def pending_approvals(session: Session, actor: User, now: datetime) -> list[Booking]:
    """Pending bookings, still to come, of the resources the actor approves (all of them for admins)."""
    query = select(Booking).where(Booking.status == BookingStatus.PENDING.value, Booking.end_at > now)
    if not actor.is_admin:
        query = query.where(Booking.resource_id.in_(
            select(Resource.id).where(Resource.referents.any(User.id == actor.id))))
    return list(session.scalars(query.order_by(Booking.start_at)))


# Vehicles

def last_odometer(session: Session, resource_id: int, exclude_id: int | None = None) -> int | None:
    """The highest reading recorded for the vehicle so far."""
    readings = select(func.max(func.coalesce(Booking.odometer_in, Booking.odometer_out))).where(
        Booking.resource_id == resource_id)
    if exclude_id is not None:
        readings = readings.where(Booking.id != exclude_id)
    return session.scalar(readings)


def check_out(session: Session, actor: User, now: datetime, booking_id: int, odometer) -> Booking:
    """Take the vehicle: the reading must not be below the vehicle's last one."""
    booking = _vehicle_booking(session, actor, booking_id)
    if booking.checked_out_at is not None:
        raise ValidationError({"odometer": _l("This vehicle was already checked out for this booking.")})
    if booking.status != BookingStatus.CONFIRMED.value:
        raise ValidationError({"odometer": _l("Only a confirmed booking can be checked out.")})
    reading = _reading(odometer, last_odometer(session, booking.resource_id, booking.id))
    booking.odometer_out, booking.checked_out_at, booking.updated_at = reading, now, now
    booking.no_show = False
    session.flush()
    return booking


def check_in(session: Session, actor: User, now: datetime, booking_id: int, odometer) -> Booking:
    """Bring the vehicle back: the reading must not be below the check-out one; the distance follows."""
    booking = _vehicle_booking(session, actor, booking_id)
    if booking.checked_out_at is None:
        raise ValidationError({"odometer": _l("Check the vehicle out before checking it in.")})
    if booking.checked_in_at is not None:
        raise ValidationError({"odometer": _l("This vehicle was already checked in for this booking.")})
    reading = _reading(odometer, booking.odometer_out)
    booking.odometer_in, booking.checked_in_at, booking.updated_at = reading, now, now
    session.flush()
    return booking


def _vehicle_booking(session: Session, actor: User, booking_id: int) -> Booking:
    booking = get_booking(session, actor, booking_id)
    if not permissions.can_use_booking(actor, booking):
        raise Forbidden()
    if booking.resource.kind != ResourceKind.VEHICLE:
        raise ValidationError({"odometer": _l("Only vehicles are checked out and in.")})
    return booking


def _reading(odometer, last: int | None) -> int:
    errors = FieldErrors()
    reading = checks.integer(errors, "odometer", odometer, minimum=0, maximum=MAX_ODOMETER)
    errors.raise_if_any()
    if last is not None and reading < last:
        raise ValidationError({"odometer": _l(
            "The odometer cannot read %(reading)d km: the vehicle's last reading is %(last)d km.",
            reading=reading, last=last)})
    return reading


def mark_no_shows(session: Session, now: datetime) -> int:
    """Confirmed vehicle bookings that ended without being checked out become no-shows (tick)."""
    result = session.execute(
        update(Booking)
        .where(Booking.status == BookingStatus.CONFIRMED.value, Booking.end_at <= now,
               Booking.checked_out_at.is_(None), Booking.no_show.is_(False),
               Booking.resource_id.in_(select(Resource.id).where(Resource.kind == ResourceKind.VEHICLE)))
        .values(no_show=True, updated_at=now))
    return result.rowcount
