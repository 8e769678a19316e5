"""Calendar feeds: subscription URLs for calendar clients (issue 5)."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import Integer, LocalDateTime, one_of, text
from mutualise.models import FeedDetail, FeedScope, FeedToken


class FeedSchema(OutputSchema):
    id = ma.fields.Integer()
    scope = ma.fields.String(metadata={"enum": [str(s) for s in FeedScope]})
    target_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The resource or structure of those scopes; null for user and network."})
    detail = ma.fields.String(metadata={"enum": [str(d) for d in FeedDetail]})
    name = ma.fields.String()
    created_at = LocalDateTime()


class FeedCreatedSchema(FeedSchema):
    url = ma.fields.String(metadata={"description": "The feed's address; shown this once only."})
    webcal_url = ma.fields.String(metadata={"description": "The same address as webcal://, which "
                                                           "opens the calendar application."})


class FeedInputSchema(InputSchema):
    """A feed of a resource's, a structure's, one's own ("user") or every ("network") booking; "busy"
    shows the resource and "Busy" only, "full" the title, structure and booker where the caller may see
    them."""

    scope = one_of(FeedScope, required=True)
    id = Integer(allow_none=True, metadata={"description": "The resource or structure (scopes resource "
                                                           "and structure only)."})
    detail = one_of(FeedDetail, required=True)
    name = text(FeedToken.NAME_MAX, allow_none=True)


FeedListArgsSchema = ListArgsSchema
FeedListSchema = list_of(FeedSchema, "FeedListSchema")
