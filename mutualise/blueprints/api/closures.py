"""Closures: /closures, /closures/{id}. Anyone may read them (they explain why a slot is not bookable);
admins add and remove them."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.closures import (
    ClosureInputSchema,
    ClosureListArgsSchema,
    ClosureListSchema,
    ClosureSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import closures
from mutualise.services.closures import ClosureInput

bp = ApiBlueprint("api_closures", __name__, description="Periods when resources cannot be booked.")


@bp.get("/closures")
@bp.arguments(ClosureListArgsSchema, location="query")
@bp.response(200, ClosureListSchema)
def list_closures(args):
    """Closures, public holidays included; with `resource_id`, those closing that resource (its own and
    those of every resource)."""
    found = closures.list_closures(db.session, actor(), resource_id=args.get("resource_id"),
                                   start=args.get("start"), end=args.get("end"))
    return page(found, args)


@bp.post("/closures")
@bp.arguments(ClosureInputSchema)
@bp.response(201, ClosureSchema)
def create_closure(data):
    """Close a resource, or every resource (admins). Bookings already in the period stay."""
    return closures.create_closure(db.session, actor(), utcnow(), ClosureInput(**data))


@bp.get(f"/closures/<{ID}:closure_id>")
@bp.response(200, ClosureSchema)
def get_closure(closure_id: int):
    return closures.get_closure(db.session, actor(), closure_id)


@bp.delete(f"/closures/<{ID}:closure_id>")
@bp.response(204)
def delete_closure(closure_id: int):
    """Remove a closure (admins), a generated holiday included, to open that day."""
    closures.delete_closure(db.session, actor(), closure_id)
