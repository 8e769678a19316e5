"""Bookings: /bookings, /bookings/{id} and what happens to a booking afterwards (cancel, approve, reject,
check a vehicle out and in). Every booking goes through services/bookings.py, as the web form's do."""

from flask import jsonify

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import after_id, keyset_page
from mutualise.blueprints.api.schemas.bookings import (
    BookingInputSchema,
    BookingListArgsSchema,
    BookingListSchema,
    BookingPatchSchema,
    BookingSchema,
    BookingSeriesSchema,
    CancelInputSchema,
    CancelledSchema,
    OdometerInputSchema,
    RejectInputSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import booking_actions, bookings
from mutualise.services.bookings import BookingInput
from mutualise.services.checks import UNSET

bp = ApiBlueprint("api_bookings", __name__, description="Bookings of rooms, vehicles and equipment.")

_CREATED = {"201": {"description": "The booking; for a recurring booking, the series.",
                    "content": {"application/json": {"schema": {"oneOf": [BookingSchema,
                                                                          BookingSeriesSchema]}}}}}


@bp.get("/bookings")
@bp.arguments(BookingListArgsSchema, location="query")
@bp.response(200, BookingListSchema)
def list_bookings(args):
    """Bookings the caller may see (their structures', their own, those of the resources they approve;
    all of them for admins, treasurers and auditors), in the order they were made. `start` and `end`
    keep those overlapping the period."""
    status = args.get("status")
    found, more = bookings.bookings_page(
        db.session, actor(), after_id=after_id(args), limit=args["limit"],
        resource_id=args.get("resource_id"), structure_id=args.get("structure_id"),
        user_id=args.get("user_id"), start=args.get("start"), end=args.get("end"),
        statuses=(status,) if status else None)
    return keyset_page(found, more)


@bp.post("/bookings")
@bp.arguments(BookingInputSchema)
@bp.response(201, BookingSchema)
@bp.doc(responses=_CREATED)
def create_booking(data):
    """Book a resource for one of the caller's structures, once or, with `recurrence`, as a series.

    A single booking answers with the booking; a series with `{series_id, bookings, skipped}`. With
    `on_conflict: "fail"` one date that cannot be booked (conflict, closure, rule or quota) refuses the
    whole series. A resource that needs approval gives `status: "pending"` until a referent decides.
    """
    recurrence = data.pop("recurrence", None)
    command = BookingInput(**data, rrule=recurrence["rrule"] if recurrence else UNSET)
    result = bookings.create_booking(db.session, actor(), utcnow(), command)
    if result.series is None:
        return result.bookings[0]
    series = {"series_id": result.series.id, "bookings": result.bookings, "skipped": result.skipped}
    return jsonify(BookingSeriesSchema().dump(series)), 201


@bp.get(f"/bookings/<{ID}:booking_id>")
@bp.response(200, BookingSchema)
def get_booking(booking_id: int):
    """One booking; 404 when the caller may not see it."""
    return bookings.get_booking(db.session, actor(), booking_id)


@bp.patch(f"/bookings/<{ID}:booking_id>")
@bp.arguments(BookingPatchSchema)
@bp.response(200, BookingSchema)
def update_booking(data, booking_id: int):
    """Move a booking or change its title or quantity (one occurrence of a series alone); the rules,
    conflicts and quotas are checked again. Moving a booking that needs approval makes it pending."""
    return bookings.update_booking(db.session, actor(), utcnow(), booking_id, BookingInput(**data))


@bp.post(f"/bookings/<{ID}:booking_id>/cancel")
@bp.arguments(CancelInputSchema)
@bp.response(200, CancelledSchema)
def cancel_booking(data, booking_id: int):
    """Cancel a booking or, with `scope`, this and the following / all the still-to-come occurrences of
    its series. Always answers `{"bookings": [...]}`: the bookings cancelled (one for `scope: "this"`).
    After the resource's cancellation deadline they are marked `cancelled_late`."""
    cancelled = booking_actions.cancel_booking(db.session, actor(), utcnow(), booking_id,
                                               reason=data.get("reason"), scope=data.get("scope") or "this")
    return {"bookings": cancelled}


@bp.post(f"/bookings/<{ID}:booking_id>/approve")
@bp.response(200, BookingSchema)
def approve_booking(booking_id: int):
    """A referent of the resource (or an admin) confirms a pending booking."""
    return booking_actions.approve_booking(db.session, actor(), utcnow(), booking_id)


@bp.post(f"/bookings/<{ID}:booking_id>/reject")
@bp.arguments(RejectInputSchema)
@bp.response(200, BookingSchema)
def reject_booking(data, booking_id: int):
    """A referent of the resource (or an admin) refuses a pending booking, which frees its slot."""
    return booking_actions.reject_booking(db.session, actor(), utcnow(), booking_id,
                                          reason=data.get("reason"))


@bp.post(f"/bookings/<{ID}:booking_id>/checkout")
@bp.arguments(OdometerInputSchema)
@bp.response(200, BookingSchema)
def check_out(data, booking_id: int):
    """Take the vehicle of a confirmed booking; the reading may not be below the vehicle's last one."""
    return booking_actions.check_out(db.session, actor(), utcnow(), booking_id, data["odometer"])


@bp.post(f"/bookings/<{ID}:booking_id>/checkin")
@bp.arguments(OdometerInputSchema)
@bp.response(200, BookingSchema)
def check_in(data, booking_id: int):
    """Bring the vehicle back; the reading may not be below the check-out one (`distance_km` follows)."""
    return booking_actions.check_in(db.session, actor(), utcnow(), booking_id, data["odometer"])
