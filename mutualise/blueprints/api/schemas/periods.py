"""Monthly ledger periods and the record of their closings and reopenings."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import LocalDateTime, text
from mutualise.models import PeriodEvent, PeriodStatus


class PeriodEventSchema(OutputSchema):
    action = ma.fields.String(metadata={"enum": ["close", "reopen"]})
    user_id = ma.fields.Integer(allow_none=True)
    at = LocalDateTime()
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why an admin reopened it."})


class PeriodSchema(OutputSchema):
    month = ma.fields.String(metadata={"description": "YYYY-MM."})
    status = ma.fields.String(metadata={"enum": [str(s) for s in PeriodStatus]})
    closed_at = LocalDateTime(allow_none=True)
    closed_by = ma.fields.Integer(attribute="closed_by_id", allow_none=True,
                                  metadata={"description": "The id of the treasurer who closed it."})
    events = ma.fields.List(ma.fields.Nested(PeriodEventSchema))


class ReopenInputSchema(InputSchema):
    """Reopen a closed period (admins): the reason is recorded with the reopening."""

    reason = text(PeriodEvent.REASON_MAX, required=True)


PeriodListArgsSchema = ListArgsSchema
PeriodListSchema = list_of(PeriodSchema, "PeriodListSchema")
