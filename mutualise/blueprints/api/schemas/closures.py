"""Closures: periods when a resource, or every resource, cannot be booked."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import Integer, LocalDateTime, ZonedDateTime, text
from mutualise.models import Closure, ClosureSource


class ClosureSchema(OutputSchema):
    id = ma.fields.Integer()
    resource_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: every resource."})
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    reason = ma.fields.String()
    source = ma.fields.String(metadata={"enum": [str(s) for s in ClosureSource],
                                        "description": "holiday: generated from the public holidays."})
    created_at = LocalDateTime()


class ClosureInputSchema(InputSchema):
    """Close a resource, or every resource (`resource_id: null`), for at most 366 days. Bookings already
    made in that period are not cancelled."""

    resource_id = Integer(required=True, allow_none=True, metadata={"description": "null: every resource."})
    start = ZonedDateTime(required=True)
    end = ZonedDateTime(required=True)
    reason = text(Closure.REASON_MAX, required=True)


class ClosureListArgsSchema(ListArgsSchema):
    resource_id = Integer(strict=False, metadata={"description": "The closures of this resource, those of "
                                                                 "every resource included."})
    start = ZonedDateTime(query=True, metadata={"description": "Only closures ending after this."})
    end = ZonedDateTime(query=True, metadata={"description": "Only closures starting before this."})


ClosureListSchema = list_of(ClosureSchema, "ClosureListSchema")
