"""Bearer-token authentication: every API request carries `Authorization: Bearer <token>`.

The session cookie of the web pages is never read here, so a page cannot be made to call the API on a
signed-in person's behalf (and the API needs no CSRF token)."""

from flask import g, request
from flask_babel import lazy_gettext as _l

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import User
from mutualise.services import accounts
from mutualise.services.errors import Unauthorized

NO_TOKEN = _l("Send an API token in the header Authorization: Bearer <token>.")
BAD_TOKEN = _l("This API token is not valid, or it was revoked.")


def authenticate() -> None:
    """Before each API request: put the token's owner in `g.api_user`, or answer 401."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(NO_TOKEN)
    user = accounts.user_for_api_token(db.session, secret.strip(), utcnow())
    if user is None:
        raise Unauthorized(BAD_TOKEN)
    g.api_user = user


def actor() -> User:
    """The person the request acts for."""
    return g.api_user


def challenge(response):
    # RFC 6750: a 401 names the scheme the client should use.
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="mutualise"')
    return response
