"""Allocation keys (clés de répartition) and their versions."""

from decimal import Decimal

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import (
    REQUIRED,
    Amount,
    Boolean,
    Date,
    Integer,
    List,
    LocalDateTime,
    Nested,
    String,
    text,
)
from mutualise.models import AllocationKey, AllocationKeyVersion
from mutualise.services.allocation_keys import METHODS, shown_weight

NOT_WEIGHT = _l("Each weight must be a number such as 45.5.")
METHOD_TEXT = ("equal: every participant alike; weights: in proportion to a number per structure (floor "
               "area, headcount...); percent: basis points summing to 10000; usage_hours / usage_km: in "
               "proportion to the hours booked / kilometres driven on the key's resources over what the "
               "charge covers.")
WEIGHT_TEXT = ('percent keys: whole basis points (2500 = 25 %); weights keys: a positive number with at '
               'most 3 decimals, e.g. 45.5 (a JSON number or text such as "45,5").')


class Weight(ma.fields.Field):
    """A weight as typed: a JSON integer stays one; a JSON decimal number becomes the Decimal it was
    written as (45.5, never the nearest binary fraction); text is read by the service ("45,5")."""

    default_error_messages = {"required": REQUIRED, "null": NOT_WEIGHT, "invalid": NOT_WEIGHT}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        if isinstance(value, float):
            # repr gives the shortest text that reads back as this float: what the client wrote
            return Decimal(repr(value))
        return value


class WeightEntrySchema(InputSchema):
    structure_id = Integer(required=True)
    weight = Weight(required=True, metadata={"description": WEIGHT_TEXT,
                                             "oneOf": [{"type": "number"}, {"type": "string"}]})


class KeyVersionInputSchema(InputSchema):
    """A new vote on a key: who takes part, with which weights, from when, by which decision."""

    structure_ids = List(Integer(), allow_none=True, metadata={
        "description": "Equal and usage keys: who takes part (left out: every active structure)."})
    weights = List(Nested(WeightEntrySchema), allow_none=True, metadata={
        "description": "Weights and percent keys: each participant and its weight."})
    valid_from = Date(allow_none=True, metadata={"description": "From this date on (default: today); a "
                                                               "new version starts after the previous one."})
    decision_ref = text(AllocationKeyVersion.DECISION_MAX, allow_none=True, metadata={
        "description": 'The decision it comes from, e.g. "AG du 12/03/2026, résolution 4".'})


class KeyInputSchema(KeyVersionInputSchema):
    """A new key and its first version."""

    name = text(AllocationKey.NAME_MAX, required=True)
    method = String(required=True, metadata={"enum": list(METHODS), "description": METHOD_TEXT})
    resource_ids = List(Integer(), allow_none=True, metadata={
        "description": "Usage keys: the resources counted (left out: every resource)."})


class KeyPatchSchema(InputSchema):
    active = Boolean(required=True, metadata={"description": "false: archived, no new charge may use it."})


class KeyListArgsSchema(ListArgsSchema):
    active = Boolean(strict=False, metadata={"description": "Only active (true) or archived (false) keys."})


class ParticipantSchema(OutputSchema):
    structure_id = ma.fields.Integer()
    weight = Amount(allow_none=True, metadata={"description": "As typed: basis points for percent keys, "
                                                              "the number for weights keys; null for "
                                                              "equal and usage keys."})


class KeyVersionSchema(OutputSchema):
    id = ma.fields.Integer()
    key_id = ma.fields.Integer()
    number = ma.fields.Integer(metadata={"description": "1, 2, 3... in the order of the votes."})
    valid_from = ma.fields.Date()
    decision_ref = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    participants = ma.fields.List(ma.fields.Nested(ParticipantSchema))

    @ma.pre_dump
    def _flattened(self, version: AllocationKeyVersion, **kwargs) -> dict:
        plain = {name: getattr(version, name) for name in self.fields if name != "participants"}
        method = version.key.method
        return {**plain, "participants": [{"structure_id": weight.structure_id,
                                           "weight": shown_weight(method, weight.weight)}
                                          for weight in version.weights]}


class KeySchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    method = ma.fields.String(metadata={"enum": list(METHODS), "description": METHOD_TEXT})
    active = ma.fields.Boolean()
    resource_ids = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "Usage keys: the resources counted; empty: every resource."})
    created_at = LocalDateTime()
    versions = ma.fields.List(ma.fields.Nested(KeyVersionSchema), metadata={
        "description": "Oldest first; the one in force on a date is the latest starting on or before it."})

    @ma.pre_dump
    def _flattened(self, key: AllocationKey, **kwargs) -> dict:
        plain = {name: getattr(key, name) for name in self.fields if name != "resource_ids"}
        return {**plain, "resource_ids": [resource.id for resource in key.resources]}


KeyListSchema = list_of(KeySchema, "KeyListSchema")
