"""The caller and the network: GET /me, GET /settings."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ApiBlueprint
from mutualise.blueprints.api.schemas.users import MeSchema, SettingsSchema
from mutualise.extensions import db
from mutualise.services.settings import get_settings

bp = ApiBlueprint("api_me", __name__, description="The caller and the network's settings.")


@bp.get("/me")
@bp.response(200, MeSchema)
def me():
    """The caller: their details, network roles and structures (with their role in each)."""
    return actor()


@bp.get("/settings")
@bp.response(200, SettingsSchema)
def settings():
    """The network's name, time zone, currency (of every `*_cents` amount) and default language."""
    return get_settings(db.session)
