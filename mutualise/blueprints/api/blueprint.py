"""The blueprint every API feature uses: token authentication and the API's own request parsing."""

import flask_smorest

from mutualise.blueprints.api.auth import authenticate, challenge
from mutualise.blueprints.api.parsing import ApiParser

PREFIX = "/api/v1"
# ids in paths; the app-wide int converter (mutualise/web.py) answers 404 for ones too large to exist
ID = "int"


class ApiBlueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, name: str, import_name: str, **kwargs):
        kwargs.setdefault("url_prefix", PREFIX)
        super().__init__(name, import_name, **kwargs)
        self.before_request(authenticate)
        self.after_request(challenge)

    def arguments(self, schema, **kwargs):
        # One schema instance per view: given a class, webargs builds a new one (and all its fields) on
        # every request.
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)
