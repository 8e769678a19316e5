"""Resources (rooms, vehicles, equipment) with their booking rules and tariff, shaped as in API.md:
the rule and tariff columns are grouped under `rules` and `tariff`."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import (
    Boolean,
    Dict,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Raw,
    String,
    one_of,
    text,
)
from mutualise.models import RULE_FIELDS, Resource, ResourceKind
from mutualise.services.resources import TARIFF_COLUMNS

OPENING_HOURS = {
    "description": 'Weekly opening hours, e.g. {"mon": [["08:00", "12:00"], ["14:00", "18:00"]]}; a day '
                   'left out is closed; null: always open. The text form "mon-fri 08:00-18:00" is also '
                   "accepted.",
}


def _nullable(column: str) -> bool:
    return Resource.__table__.c[column].nullable


# Built from the model's lists, so a rule or tariff item added there appears here too.
RulesSchema = InputSchema.from_dict({
    **{name: Integer(allow_none=_nullable(name), metadata={"description": "null: no limit"}
                     if _nullable(name) else {}) for name in RULE_FIELDS},
    "opening_hours": Raw(allow_none=True, metadata=OPENING_HOURS),
}, name="ResourceRulesSchema")

TariffSchema = InputSchema.from_dict({
    name: Integer(allow_none=_nullable(column)) for name, column in TARIFF_COLUMNS.items()
}, name="ResourceTariffSchema")


class ResourceSchema(OutputSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": [str(k) for k in ResourceKind]})
    name = ma.fields.String()
    site_id = ma.fields.Integer(allow_none=True)
    description = ma.fields.String(allow_none=True)
    capacity = ma.fields.Integer(allow_none=True)
    quantity = ma.fields.Integer()
    attributes = ma.fields.Dict()
    colour = ma.fields.String(allow_none=True)
    requires_approval = ma.fields.Boolean()
    active = ma.fields.Boolean()
    referent_ids = ma.fields.List(ma.fields.Integer())
    rules = ma.fields.Nested(RulesSchema)
    tariff = ma.fields.Nested(TariffSchema)
    created_at = LocalDateTime()

    @ma.pre_dump
    def _grouped(self, resource: Resource, **kwargs) -> dict:
        plain = {name: getattr(resource, name) for name in self.fields
                 if name not in ("referent_ids", "rules", "tariff")}
        return {
            **plain,
            "referent_ids": [person.id for person in resource.referents],
            "rules": {name: getattr(resource, name) for name in RulesSchema._declared_fields},
            "tariff": {name: getattr(resource, column) for name, column in TARIFF_COLUMNS.items()},
        }


class ResourcePatchSchema(InputSchema):
    """Fields to change; those left out stay as they are, inside `rules` and `tariff` too."""

    kind = one_of(ResourceKind)
    name = text(Resource.NAME_MAX)
    site_id = Integer(allow_none=True)
    description = text(Resource.DESCRIPTION_MAX, allow_none=True)
    capacity = Integer(allow_none=True, metadata={"description": "People a room seats or a vehicle carries."})
    quantity = Integer(metadata={"description": "Units in stock."})
    attributes = Dict(keys=String(), allow_none=True,
                      metadata={"description": 'e.g. {"accessible": true, "projector": "HDMI"}'})
    colour = String(allow_none=True, metadata={"pattern": "^#[0-9a-fA-F]{6}$"})
    requires_approval = Boolean()
    active = Boolean()
    referent_ids = List(Integer(), allow_none=True,
                        metadata={"description": "People who approve bookings that need approval."})
    rules = Nested(RulesSchema)
    tariff = Nested(TariffSchema)


class ResourceInputSchema(ResourcePatchSchema):
    """A new resource: `kind` and `name` are needed, the rest has defaults."""

    kind = one_of(ResourceKind, required=True)
    name = text(Resource.NAME_MAX, required=True)


class ResourceListArgsSchema(ListArgsSchema):
    kind = one_of(ResourceKind)
    site_id = Integer(strict=False)
    active = Boolean(strict=False)
    search = String(metadata={"description": "Text the name or description contains."})
    min_capacity = Integer(strict=False)
    attribute = String(metadata={"description": 'An attribute that is set, e.g. "accessible".'})


ResourceListSchema = list_of(ResourceSchema, "ResourceListSchema")
