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


def is_referent(actor: User, resource) -> bool:
    return any(referent.id == actor.id for referent in resource.referents)


def can_see_booking(actor: User, booking) -> bool:
    """Network readers, the booker, the people of the booking's structure and the resource's referents."""
    return sees_booking(actor, booking.structure_id, booking.user_id, is_referent(actor, booking.resource))


def sees_booking(actor: User, structure_id: int, user_id: int, referent: bool) -> bool:
    """can_see_booking on a booking's columns, for the calendars that read plain rows; `referent`: the
    actor is a referent of the booked resource."""
    return (referent or is_network_reader(actor) or user_id == actor.id
            or structure_id in structure_ids_of(actor))


def can_change_booking(actor: User, booking) -> bool:
    """Move or cancel: the booker, a manager of the structure, a referent of the resource, an admin."""
    return (actor.is_admin or booking.user_id == actor.id
            or booking.structure_id in structure_ids_of(actor, MembershipRole.MANAGER)
            or is_referent(actor, booking.resource))


def can_approve_on(actor: User, resource) -> bool:
    """Approve or reject bookings of the resource (and book it without approval): a referent, an admin."""
    return actor.is_admin or is_referent(actor, resource)


def can_use_booking(actor: User, booking) -> bool:
    """Check a vehicle out or in: anyone of the booking's structure, the booker, a referent, an admin."""
    return can_change_booking(actor, booking) or booking.structure_id in structure_ids_of(actor)


def require_treasurer(actor: User) -> None:
    """Write the ledger (keys, charges, payments, periods): treasurers only; auditors read and change
    nothing."""
    if not actor.is_treasurer:
        raise Forbidden()


def can_read_ledger(actor: User) -> bool:
    """The whole ledger: treasurers, auditors and admins."""
    return actor.is_treasurer or actor.is_auditor or actor.is_admin


def require_ledger_reader(actor: User) -> None:
    if not can_read_ledger(actor):
        raise Forbidden()


def can_read_structure_ledger(actor: User, structure_id: int) -> bool:
    """A structure's statement and balance: ledger readers and the structure's managers."""
    return can_read_ledger(actor) or structure_id in structure_ids_of(actor, MembershipRole.MANAGER)


def visible_to(actor: User, active: bool) -> bool:
    """Whether the actor sees a site or resource that is `active` (or archived: admins only)."""
    return active or actor.is_admin
