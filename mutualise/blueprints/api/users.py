"""People: /users (admins), /users/{id} (admins, or oneself)."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.users import (
    UserInputSchema,
    UserListArgsSchema,
    UserListSchema,
    UserPatchSchema,
    UserSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import users
from mutualise.services.users import UserInput

bp = ApiBlueprint("api_users", __name__, description="People of the network.")


@bp.get("/users")
@bp.arguments(UserListArgsSchema, location="query")
@bp.response(200, UserListSchema)
def list_users(args):
    """Everyone (admins); filters: search (name or e-mail), role, structure_id, active."""
    found = users.list_users(db.session, actor(), search=args.get("search"), role=args.get("role"),
                             structure_id=args.get("structure_id"), active=args.get("active"))
    return page(found, args)


@bp.post("/users")
@bp.arguments(UserInputSchema)
@bp.response(201, UserSchema)
def create_user(data):
    """Add a person (admins). Without a password, they get an e-mail inviting them to choose one."""
    return users.create_user(db.session, actor(), utcnow(), UserInput(**data))


@bp.get(f"/users/<{ID}:user_id>")
@bp.response(200, UserSchema)
def get_user(user_id: int):
    """A person: admins see everyone, others only themselves."""
    return users.get_user(db.session, actor(), user_id)


@bp.patch(f"/users/<{ID}:user_id>")
@bp.arguments(UserPatchSchema)
@bp.response(200, UserSchema)
def update_user(data, user_id: int):
    """Change a person: admins change anything, others their own name and language only."""
    return users.update_user(db.session, actor(), user_id, UserInput(**data))
