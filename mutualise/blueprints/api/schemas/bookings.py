"""Bookings, series of bookings, what happens to them afterwards, and a resource's availability.

A booking's `start` and `end` are its `start_at` and `end_at`, given with the network's offset."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import (
    InputSchema,
    ListArgsSchema,
    OutputSchema,
    QuerySchema,
    list_of,
)
from mutualise.blueprints.api.schemas.fields import (
    Boolean,
    Integer,
    LocalDateTime,
    Nested,
    OneOf,
    String,
    ZonedDateTime,
    text,
)
from mutualise.models import Booking, BookingStatus, Series
from mutualise.services.booking_actions import CANCEL_SCOPES
from mutualise.services.bookings import ON_CONFLICT

STATUS_ENUM = {"enum": [str(s) for s in BookingStatus]}


class BookingSchema(OutputSchema):
    id = ma.fields.Integer()
    resource_id = ma.fields.Integer()
    structure_id = ma.fields.Integer(metadata={"description": "The structure charged."})
    user_id = ma.fields.Integer(metadata={"description": "The person who booked."})
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    title = ma.fields.String()
    quantity = ma.fields.Integer()
    status = ma.fields.String(metadata=STATUS_ENUM)
    series_id = ma.fields.Integer(allow_none=True)
    sequence = ma.fields.Integer(metadata={"description": "Raised each time the time or status changes."})
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why it was cancelled or rejected."})
    cancelled_late = ma.fields.Boolean(metadata={"description": "Cancelled after the resource's deadline."})
    odometer_out = ma.fields.Integer(allow_none=True)
    odometer_in = ma.fields.Integer(allow_none=True)
    distance_km = ma.fields.Integer(allow_none=True)
    no_show = ma.fields.Boolean(metadata={"description": "A vehicle booking that ended without check-out."})
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class SkippedSchema(OutputSchema):
    start = LocalDateTime()
    end = LocalDateTime()
    reason = ma.fields.String(metadata={"description": '"conflict", "quota" or the rule broken, e.g. '
                                                      '"opening_hours".'})
    message = ma.fields.String()


class BookingSeriesSchema(OutputSchema):
    """A recurring booking: the occurrences made, and those left out with `on_conflict: "skip"`."""

    series_id = ma.fields.Integer()
    bookings = ma.fields.List(ma.fields.Nested(BookingSchema))
    skipped = ma.fields.List(ma.fields.Nested(SkippedSchema))


class CancelledSchema(OutputSchema):
    bookings = ma.fields.List(ma.fields.Nested(BookingSchema), metadata={"description": "Those cancelled."})


class RecurrenceSchema(InputSchema):
    rrule = text(Series.RRULE_MAX, required=True,
                 metadata={"description": "An RFC 5545 RRULE ending with COUNT or UNTIL, e.g. "
                                          "FREQ=WEEKLY;COUNT=10; repeated on the network's local time."})


class BookingPatchSchema(InputSchema):
    """Fields to change; rules, conflicts and quotas are checked again."""

    start = ZonedDateTime()
    end = ZonedDateTime()
    title = text(Booking.TITLE_MAX)
    quantity = Integer(metadata={"minimum": 1})


class BookingInputSchema(InputSchema):
    resource_id = Integer(required=True)
    structure_id = Integer(required=True, metadata={"description": "One of the caller's structures."})
    start = ZonedDateTime(required=True)
    end = ZonedDateTime(required=True)
    title = text(Booking.TITLE_MAX, allow_none=True,
                 metadata={"description": "The structure's name when left out."})
    quantity = Integer(metadata={"minimum": 1, "description": "Units of a stocked resource; 1 by default."})
    recurrence = Nested(RecurrenceSchema, allow_none=True)
    on_conflict = String(metadata={
        "enum": list(ON_CONFLICT),
        "description": 'For a series: "fail" (default) refuses it all when one date cannot be booked, '
                       '"skip" books the others and lists the ones left out.'})
    override_quota = Boolean(metadata={"description": "Admins: book beyond a quota, with a reason."})
    # None rather than left out: the service reads a missing reason as a wrong type
    override_reason = text(Booking.REASON_MAX, allow_none=True, load_default=None)


class CancelInputSchema(InputSchema):
    reason = text(Booking.REASON_MAX, allow_none=True)
    scope = String(metadata={
        "enum": list(CANCEL_SCOPES),
        "description": 'For a series: "this" (default) occurrence, this and the "following" ones, or "all" '
                       "those still to come."})


class RejectInputSchema(InputSchema):
    reason = text(Booking.REASON_MAX, allow_none=True)


class OdometerInputSchema(InputSchema):
    odometer = Integer(required=True, metadata={"minimum": 0, "description": "The reading, in km."})


class BookingListArgsSchema(ListArgsSchema):
    resource_id = Integer(strict=False)
    structure_id = Integer(strict=False)
    user_id = Integer(strict=False)
    start = ZonedDateTime(query=True, metadata={"description": "Only bookings ending after this."})
    end = ZonedDateTime(query=True, metadata={"description": "Only bookings starting before this."})
    status = String(validate=OneOf([str(s) for s in BookingStatus]))


class AvailabilityArgsSchema(QuerySchema):
    start = ZonedDateTime(query=True, required=True)
    end = ZonedDateTime(query=True, required=True, metadata={"description": "At most 62 days after start."})


class BusySchema(OutputSchema):
    start = LocalDateTime()
    end = LocalDateTime()
    quantity = ma.fields.Integer(metadata={"description": "Units taken (the whole stock when closed)."})


class FreeSchema(OutputSchema):
    start = LocalDateTime()
    end = LocalDateTime()


class AvailabilitySchema(OutputSchema):
    """When a resource is taken and when at least one unit is free; nothing about who booked."""

    busy = ma.fields.List(ma.fields.Nested(BusySchema))
    free = ma.fields.List(ma.fields.Nested(FreeSchema))


BookingListSchema = list_of(BookingSchema, "BookingListSchema")
