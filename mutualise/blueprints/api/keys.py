"""Allocation keys (clés de répartition): how shared charges are split. Treasurers write them; treasurers,
auditors and admins read them."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.keys import (
    KeyInputSchema,
    KeyListArgsSchema,
    KeyListSchema,
    KeyPatchSchema,
    KeySchema,
    KeyVersionInputSchema,
    KeyVersionSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import allocation_keys
from mutualise.services.allocation_keys import KeyInput

bp = ApiBlueprint("api_keys", __name__, description="How shared charges are split.")


@bp.get("/keys")
@bp.arguments(KeyListArgsSchema, location="query")
@bp.response(200, KeyListSchema)
def list_keys(args):
    """Every key with its versions (treasurers, auditors, admins)."""
    return page(allocation_keys.list_keys(db.session, actor(), active=args.get("active")), args)


@bp.post("/keys")
@bp.arguments(KeyInputSchema)
@bp.response(201, KeySchema)
def create_key(data):
    """Add a key and its first version (treasurers). Equal and usage keys name their participants in
    `structure_ids` (default: every active structure); weights and percent keys in `weights`."""
    return allocation_keys.create_key(db.session, actor(), utcnow(), KeyInput(**data))


@bp.get(f"/keys/<{ID}:key_id>")
@bp.response(200, KeySchema)
def get_key(key_id: int):
    """One key with its versions."""
    return allocation_keys.get_key(db.session, actor(), key_id)


@bp.patch(f"/keys/<{ID}:key_id>")
@bp.arguments(KeyPatchSchema)
@bp.response(200, KeySchema)
def update_key(data, key_id: int):
    """Archive a key (no new charge may use it) or bring it back (treasurers)."""
    return allocation_keys.set_key_active(db.session, actor(), utcnow(), key_id, data["active"])


@bp.post(f"/keys/<{ID}:key_id>/versions")
@bp.arguments(KeyVersionInputSchema)
@bp.response(201, KeyVersionSchema)
def add_key_version(data, key_id: int):
    """Record a new vote (treasurers): participants and weights from `valid_from` on, after the latest
    version's start. Earlier versions never change."""
    return allocation_keys.add_key_version(db.session, actor(), utcnow(), key_id, KeyInput(**data))
