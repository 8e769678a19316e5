"""Base schemas: request bodies refuse unknown fields, query strings ignore them, lists are paged."""

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from mutualise.blueprints.api.schemas.fields import NOT_MAPPING, UNKNOWN_FIELD, Boolean, Integer, String

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200


class InputSchema(ma.Schema):
    """A JSON request body. A misspelt field is refused rather than silently ignored."""

    error_messages = {"unknown": UNKNOWN_FIELD, "type": NOT_MAPPING}

    class Meta:
        unknown = ma.RAISE


class QuerySchema(ma.Schema):
    """Query-string parameters: unknown ones are ignored (caches and proxies add their own)."""

    error_messages = {"unknown": UNKNOWN_FIELD, "type": NOT_MAPPING}

    class Meta:
        unknown = ma.EXCLUDE


class OutputSchema(ma.Schema):
    """A response body."""


class Range(ma.validate.Range):
    """Bounds with the services' messages (documented as minimum and maximum in the OpenAPI document)."""

    def __call__(self, value):
        if self.min is not None and value < self.min:
            raise ma.ValidationError([_l("Must be at least %(min)d.", min=self.min)])
        if self.max is not None and value > self.max:
            raise ma.ValidationError([_l("Must be at most %(max)d.", max=self.max)])
        return value


class ListArgsSchema(QuerySchema):
    limit = Integer(strict=False, load_default=PAGE_SIZE, validate=Range(1, PAGE_SIZE_MAX),
                    metadata={"description": "Items per page."})
    cursor = String(metadata={"description": "The `next` value of the previous page."})


class ActiveListArgsSchema(ListArgsSchema):
    search = String(metadata={"description": "Text the name contains (case and accents ignored)."})
    active = Boolean(strict=False, metadata={"description": "Only active (true) or archived (false)."})


def list_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of a page of items: `{"items": [...], "next": cursor or null}`."""
    return OutputSchema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next": ma.fields.String(allow_none=True, required=True,
                                 metadata={"description": "Pass as `cursor` for the next page; "
                                                          "null on the last page."}),
    }, name=name)


# The error body of every API response with status >= 400 (API.md; made by mutualise/errors.py). It
# replaces flask-smorest's own error schema in the document, which describes a different shape.
ERROR_JSON_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found",
                                                "conflict", "validation", "rule_violation", "quota_exceeded",
                                                "period_closed", "rate_limited", "internal"]},
            "message": {"type": "string", "description": "In the request's language (Accept-Language)."},
            "details": {"type": "object", "description": 'validation: {"fields": {"name": message, '
                                                         '"rules.step_minutes": message}}'},
        },
    }},
}
