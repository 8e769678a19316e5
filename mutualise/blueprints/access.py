"""Access helpers shared by the page blueprints."""

from flask import current_app
from flask_login import current_user

from mutualise.models import User
from mutualise.services.errors import Forbidden


def admins_only():
    """A blueprint's before_request: sign in first, then admins only (403 for others)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        raise Forbidden()
    return None


def actor() -> User:
    """The signed-in person, as the services take them."""
    return current_user._get_current_object()
