"""Request parsing: webargs' failures become the API's own errors (API.md), in the request's language.

- a body that is not JSON, or not sent as JSON: 400 `bad_request`;
- a field of the wrong type, missing or unknown: 422 `validation` with `details.fields` mapping the
  field ("name", or "rules.step_minutes" inside an object) to one message, as the services do.
"""

import json
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from mutualise.services.errors import BadRequest, ValidationError

NOT_JSON = _l("The request body is not valid JSON.")
NOT_JSON_TYPE = _l("Send JSON with the Content-Type application/json.")
NOT_OBJECT = _l("The request body must be a JSON object.")


class ApiParser(FlaskParser):
    def load_json(self, req, schema: ma.Schema) -> Any:
        # An empty body reads as {} (required fields then say so); a body in another format is refused
        # outright rather than read as empty.
        if not req.get_data(cache=True):
            return core.missing
        if not is_json_request(req):
            raise BadRequest(NOT_JSON_TYPE)
        data = super().load_json(req, schema)
        if data is not core.missing and not schema.many and not isinstance(data, dict):
            raise BadRequest(NOT_OBJECT)
        return data

    def _handle_invalid_json_error(self, error: json.JSONDecodeError | UnicodeDecodeError, req, *args,
                                   **kwargs):
        raise BadRequest(NOT_JSON) from error

    def handle_error(self, error: ma.ValidationError, req, schema, *, error_status_code, error_headers):
        # webargs files the messages under the location ("json", "query"): the caller knows where.
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        fields: dict[str, Any] = {}
        for location_messages in messages.values():
            flatten(location_messages, "", fields)
        raise ValidationError(fields) from error


def flatten(messages: Any, path: str, into: dict[str, Any]) -> None:
    """Marshmallow's nested messages as {"rules.step_minutes": message}, one message per field.

    List positions are left out of the path ("referent_ids", not "referent_ids.2") and so is
    marshmallow's "_schema" key (an error about an object as a whole belongs to the object's field)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            part = "" if isinstance(key, int) or key == ma.exceptions.SCHEMA else str(key)
            flatten(value, f"{path}.{part}" if path and part else path or part, into)
    elif isinstance(messages, list | tuple):
        if messages:
            flatten(messages[0], path, into)
    else:
        into.setdefault(path or "body", messages)
