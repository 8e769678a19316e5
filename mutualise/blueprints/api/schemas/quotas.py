"""Quota rules (how much a structure may book) and a structure's use of them."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import (
    InputSchema,
    ListArgsSchema,
    OutputSchema,
    QuerySchema,
    list_of,
)
from mutualise.blueprints.api.schemas.fields import (
    Amount,
    Boolean,
    Integer,
    List,
    LocalDateTime,
    String,
    ZonedDateTime,
    one_of,
    text,
)
from mutualise.domain.quota_windows import UNITS, WINDOWS
from mutualise.models import QuotaRule, ResourceKind
from mutualise.services.quota_rules import describe_rule

UNIT_ENUM = {"enum": list(UNITS)}
WINDOW_ENUM = {"enum": list(WINDOWS)}
UNIT_TEXT = "hours: the amounts are hours, possibly with decimals (1.5); bookings: a number of bookings."


class QuotaRuleSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)
    description = ma.fields.String(metadata={"description": "The rule in one line, in the request's "
                                                            "language."})
    structure_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: every structure, "
                                                                               "each on its own."})
    resource_ids = ma.fields.List(ma.fields.Integer())
    kind = ma.fields.String(allow_none=True, metadata={"enum": [str(k) for k in ResourceKind]})
    site_id = ma.fields.Integer(allow_none=True)
    unit = ma.fields.String(metadata=UNIT_ENUM)
    window = ma.fields.String(metadata=WINDOW_ENUM)
    rolling_days = ma.fields.Integer(allow_none=True)
    limit = ma.fields.Integer(allow_none=True, metadata={"description": "Per window, in the unit."})
    max_open_future = ma.fields.Integer(allow_none=True, metadata={
        "description": "At most this many bookings not yet ended at once."})
    active = ma.fields.Boolean()
    created_at = LocalDateTime()

    @ma.pre_dump
    def _flattened(self, rule: QuotaRule, **kwargs) -> dict:
        plain = {name: getattr(rule, name) for name in self.fields if name not in ("resource_ids",
                                                                                   "description")}
        return {**plain, "resource_ids": [r.id for r in rule.resources], "description": describe_rule(rule)}


class QuotaRulePatchSchema(InputSchema):
    """Fields to change; those left out stay as they are. A rule has one target at most: to change the
    kind of target, clear the current one in the same request (e.g. `"kind": null, "site_id": 3`)."""

    name = text(QuotaRule.NAME_MAX, allow_none=True)
    structure_id = Integer(allow_none=True, metadata={"description": "null: every structure, each on its "
                                                                     "own."})
    resource_ids = List(Integer(), allow_none=True)
    kind = one_of(ResourceKind, allow_none=True)
    site_id = Integer(allow_none=True)
    unit = String(metadata={**UNIT_ENUM, "description": UNIT_TEXT})
    window = String(metadata={**WINDOW_ENUM, "description": "Calendar windows in the network's time zone, "
                                                            "or the last `rolling_days` days."})
    rolling_days = Integer(allow_none=True)
    limit = Integer(allow_none=True)
    max_open_future = Integer(allow_none=True)
    active = Boolean()


class QuotaRuleInputSchema(QuotaRulePatchSchema):
    """A new rule: say for whom (`structure_id`, null for every structure), in which unit and over which
    window; then a `limit`, a `max_open_future`, or both. No target: every resource."""

    structure_id = Integer(required=True, allow_none=True,
                           metadata={"description": "null: every structure, each on its own."})
    unit = String(required=True, metadata={**UNIT_ENUM, "description": UNIT_TEXT})
    window = one_of(WINDOWS, required=True)


class QuotaListArgsSchema(ListArgsSchema):
    structure_id = Integer(strict=False, metadata={"description": "The rules applying to this structure."})
    active = Boolean(strict=False)


class QuotaStatusArgsSchema(QuerySchema):
    at = ZonedDateTime(query=True, metadata={"description": "The moment whose windows are shown; now by "
                                                            "default."})
    resource_id = Integer(strict=False, metadata={"description": "Only the rules counting this resource."})


class QuotaStatusSchema(OutputSchema):
    rule_id = ma.fields.Integer()
    description = ma.fields.String()
    unit = ma.fields.String(metadata={**UNIT_ENUM, "description": UNIT_TEXT})
    window_start = LocalDateTime(allow_none=True)
    window_end = LocalDateTime(allow_none=True)
    used = Amount(allow_none=True, metadata={"description": "null when the rule only caps open bookings."})
    limit = Amount(allow_none=True)
    remaining = Amount(allow_none=True)
    max_open_future = ma.fields.Integer(metadata={"description": "Only for rules capping open bookings."})
    open_future = ma.fields.Integer(metadata={"description": "Bookings not yet ended, against "
                                                             "max_open_future."})

    @ma.pre_dump
    def _described(self, entry: dict, **kwargs) -> dict:
        return {**entry, "description": describe_rule(entry["rule"])}


QuotaRuleListSchema = list_of(QuotaRuleSchema, "QuotaRuleListSchema")
QuotaStatusListSchema = list_of(QuotaStatusSchema, "QuotaStatusListSchema")
