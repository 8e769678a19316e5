"""Who may see and do what. Every service asks here, so the web pages and the API agree (invariant 6)."""

from mutualise.models import MembershipRole, Structure, User
from mutualise.services.errors import Forbidden, NotFound


def is_network_reader(actor: User) -> bool:
    """Admins, treasurers and auditors see every structure."""
    return actor.is_admin or actor.is_treasurer or actor.is_auditor


def structure_ids_of(actor: User, role: str | None = None) -> set[int]:
    return {m.structure_id for m in actor.memberships if role is None or m.role == role}


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden()


def can_see_structure(actor: User, structure: Structure) -> bool:
    return is_network_reader(actor) or structure.id in structure_ids_of(actor)


def can_manage_structure(actor: User, structure: Structure) -> bool:
    return actor.is_admin or structure.id in structure_ids_of(actor, MembershipRole.MANAGER)


def visible_structure(actor: User, structure: Structure | None) -> Structure:
    """The structure if the actor may see it; otherwise 404, so its existence is not revealed."""
    if structure is None or not can_see_structure(actor, structure):
        raise NotFound()
    return structure
