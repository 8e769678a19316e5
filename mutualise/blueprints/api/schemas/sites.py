"""Sites: the premises where resources are kept."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import ActiveListArgsSchema, InputSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import Boolean, LocalDateTime, text
from mutualise.models import Site


class SiteSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    created_at = LocalDateTime()


class SitePatchSchema(InputSchema):
    """Fields to change; those left out stay as they are."""

    name = text(Site.NAME_MAX)
    address = text(Site.ADDRESS_MAX, allow_none=True)
    active = Boolean()


class SiteInputSchema(SitePatchSchema):
    name = text(Site.NAME_MAX, required=True)


class SiteListArgsSchema(ActiveListArgsSchema):
    pass


SiteListSchema = list_of(SiteSchema, "SiteListSchema")
