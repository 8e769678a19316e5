"""Structures and their members: /structures, /structures/{id}, /structures/{id}/members."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.base import ListArgsSchema
from mutualise.blueprints.api.schemas.structures import (
    MemberInputSchema,
    MemberListSchema,
    MemberSchema,
    StructureInputSchema,
    StructureListArgsSchema,
    StructureListSchema,
    StructurePatchSchema,
    StructureSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import structures
from mutualise.services.structures import StructureInput

bp = ApiBlueprint("api_structures", __name__, description="Member structures and their people.")


@bp.get("/structures")
@bp.arguments(StructureListArgsSchema, location="query")
@bp.response(200, StructureListSchema)
def list_structures(args):
    """Structures the caller can see: their own, or every one for admins, treasurers and auditors."""
    found = structures.list_structures(db.session, actor(), search=args.get("search"),
                                       active=args.get("active"))
    return page(found, args)


@bp.post("/structures")
@bp.arguments(StructureInputSchema)
@bp.response(201, StructureSchema)
def create_structure(data):
    """Add a structure (admins). Names are unique, whatever their case."""
    return structures.create_structure(db.session, actor(), utcnow(), StructureInput(**data))


@bp.get(f"/structures/<{ID}:structure_id>")
@bp.response(200, StructureSchema)
def get_structure(structure_id: int):
    """One structure; 404 when the caller cannot see it."""
    return structures.get_structure(db.session, actor(), structure_id)


@bp.patch(f"/structures/<{ID}:structure_id>")
@bp.arguments(StructurePatchSchema)
@bp.response(200, StructureSchema)
def update_structure(data, structure_id: int):
    """Change a structure (admins); `active: false` archives it."""
    return structures.update_structure(db.session, actor(), structure_id, StructureInput(**data))


@bp.get(f"/structures/<{ID}:structure_id>/members")
@bp.arguments(ListArgsSchema, location="query")
@bp.response(200, MemberListSchema)
def list_members(args, structure_id: int):
    """The people of a structure and their role."""
    structure = structures.get_structure(db.session, actor(), structure_id)
    return page(structure.memberships, args)


@bp.post(f"/structures/<{ID}:structure_id>/members")
@bp.arguments(MemberInputSchema)
@bp.response(201, MemberSchema)
def set_member(data, structure_id: int):
    """Add a person to the structure or change their role (admins and the structure's managers)."""
    return structures.set_member(db.session, actor(), utcnow(), structure_id, data["user_id"], data["role"])
