"""Use cases for member structures and their people."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mutualise.models import LegalForm, Membership, MembershipRole, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, Forbidden, NotFound, ValidationError


@dataclass
class StructureInput:
    """Fields to create or change; UNSET ones are left as they are."""

    name: Any = UNSET
    short_code: Any = UNSET
    legal_form: Any = UNSET
    siren: Any = UNSET
    email: Any = UNSET
    accounting_code: Any = UNSET
    active: Any = UNSET


def list_structures(session: Session, actor: User, *, search: str | None = None,
                    active: bool | None = None) -> list[Structure]:
    """Structures the actor may see, by name; `search` matches the name (case and accents ignored) or
    the short code, `active` keeps only active (True) or archived (False) ones."""
    query = select(Structure).order_by(Structure.name_key)
    if not permissions.is_network_reader(actor):
        query = query.where(Structure.id.in_(permissions.structure_ids_of(actor)))
    if active is not None:
        query = query.where(Structure.active.is_(active))
    if search:
        pattern = f"%{checks.name_key(search)}%"
        query = query.where(or_(Structure.name_key.like(pattern), Structure.short_code.ilike(pattern)))
    return list(session.scalars(query))


def get_structure(session: Session, actor: User, structure_id: int) -> Structure:
    """The structure if the actor may see it; NotFound otherwise (invariant 6)."""
    structure = session.get(Structure, structure_id) if checks.valid_id(structure_id) else None
    return permissions.visible_structure(actor, structure)


def get_managed_structure(session: Session, actor: User, structure_id: int) -> Structure:
    """The structure if the actor administers the network or manages it: NotFound when the actor cannot
    even see it, Forbidden when they can see it but not manage it (e.g. a plain member)."""
    structure = get_structure(session, actor, structure_id)
    if not permissions.can_manage_structure(actor, structure):
        raise Forbidden()
    return structure


def list_member_candidates(session: Session, actor: User, structure_id: int) -> list[User]:
    """Active people who are not yet members of the structure, for its managers to choose from."""
    structure = get_managed_structure(session, actor, structure_id)
    members = select(Membership.user_id).where(Membership.structure_id == structure.id)
    query = select(User).where(User.active.is_(True), User.id.not_in(members)).order_by(User.name, User.id)
    return list(session.scalars(query))


def create_structure(session: Session, actor: User, now: datetime, data: StructureInput) -> Structure:
    """A new structure (admins); without a short code one is made from the name's initials."""
    permissions.require_admin(actor)
    if not checks.given(data.name):
        data.name = None  # required on creation
    structure = Structure(created_at=now, active=True, legal_form=LegalForm.ASSOCIATION)
    _apply(session, structure, data)
    if not structure.short_code:
        structure.short_code = _free_short_code(session, structure.name)
    session.add(structure)
    session.flush()
    return structure


def update_structure(session: Session, actor: User, structure_id: int, data: StructureInput) -> Structure:
    """Change a structure's details, or archive / restore it with `active` (admins)."""
    structure = get_structure(session, actor, structure_id)
    permissions.require_admin(actor)
    _apply(session, structure, data)
    session.flush()
    return structure


def _apply(session: Session, structure: Structure, data: StructureInput) -> None:
    errors = FieldErrors()
    values: dict[str, Any] = {}
    given = {f.name: getattr(data, f.name) for f in fields(data) if checks.given(getattr(data, f.name))}
    if "name" in given:
        values["name"] = checks.text(errors, "name", given["name"], max_len=Structure.NAME_MAX)
        if values["name"] and _taken(session, Structure.name_key, _key(values["name"]), structure):
            errors.add("name", _l("A structure with this name already exists."))
    if "short_code" in given:
        code = checks.text(errors, "short_code", given["short_code"], max_len=Structure.SHORT_CODE_MAX,
                           required=False)
        if code is not None:
            code = code.upper()
            if not code.replace("-", "").isalnum():
                errors.add("short_code", _l("Letters, digits and hyphens only."))
            elif _taken(session, Structure.short_code, code, structure):
                errors.add("short_code", _l("This short code is already used."))
        values["short_code"] = code
    if "legal_form" in given:
        values["legal_form"] = checks.choice(errors, "legal_form", given["legal_form"], list(LegalForm))
    if "siren" in given:
        values["siren"] = checks.siren(errors, "siren", given["siren"])
    if "email" in given:
        values["email"] = checks.email(errors, "email", given["email"], max_len=Structure.EMAIL_MAX,
                                       required=False)
    if "accounting_code" in given:
        values["accounting_code"] = checks.text(errors, "accounting_code", given["accounting_code"],
                                                max_len=Structure.ACCOUNTING_CODE_MAX, required=False)
    if "active" in given:
        values["active"] = checks.boolean(errors, "active", given["active"])
    errors.raise_if_any()
    for name, value in values.items():
        if name == "short_code" and value is None:
            continue  # a structure always has a code; leaving it blank keeps the current one
        setattr(structure, name, value)
    if "name" in values:
        structure.name_key = _key(values["name"])


def _key(name: str) -> str:
    # the key column is wide enough for any case folding of a NAME_MAX name; the cut is a backstop
    return checks.name_key(name)[: Structure.NAME_KEY_MAX]


def _taken(session: Session, column, value: str, current: Structure) -> bool:
    query = select(Structure.id).where(column == value)
    if current.id is not None:
        query = query.where(Structure.id != current.id)
    return session.scalar(query) is not None


def _free_short_code(session: Session, name: str) -> str:
    """Initials of the name (or its start), made unique with a number."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in name).split() if w]
    base = "".join(w[0] for w in words).upper() if len(words) > 1 else name[:6].upper()
    base = base[: Structure.SHORT_CODE_MAX - 3] or "S"
    code, n = base, 1
    while session.scalar(select(Structure.id).where(Structure.short_code == code)) is not None:
        n += 1
        code = f"{base}{n}"
    return code


def set_member(session: Session, actor: User, now: datetime, structure_id: int, user_id: Any,
               role: Any) -> Membership:
    """Add a person to a structure or change their role there (admins and the structure's managers)."""
    structure = get_structure(session, actor, structure_id)
    if not permissions.can_manage_structure(actor, structure):
        permissions.require_admin(actor)
    errors = FieldErrors()
    role = checks.choice(errors, "role", role, list(MembershipRole))
    user_id = checks.integer(errors, "user_id", user_id, minimum=1, maximum=checks.MAX_ID)
    user = session.get(User, user_id) if user_id else None
    if user_id and user is None:
        errors.add("user_id", _l("No such person."))
    membership = session.scalar(select(Membership).where(
        Membership.structure_id == structure.id, Membership.user_id == user.id)) if user else None
    if membership is not None and membership.user_id == actor.id and membership.role != role \
            and not actor.is_admin:
        # a manager demoting themself could leave the structure with nobody to manage it
        errors.add("role", _l("You cannot change your own role; ask another manager."))
    errors.raise_if_any()
    if membership is None:
        membership = Membership(structure=structure, user=user, created_at=now)
        session.add(membership)
    membership.role = role
    session.flush()
    return membership


def remove_member(session: Session, actor: User, structure_id: int, user_id: int) -> None:
    """Take a person out of a structure (admins and the structure's managers; not oneself)."""
    structure = get_structure(session, actor, structure_id)
    if not permissions.can_manage_structure(actor, structure):
        permissions.require_admin(actor)
    membership = session.scalar(select(Membership).where(
        Membership.structure_id == structure.id, Membership.user_id == user_id)) \
        if checks.valid_id(user_id) else None
    if membership is None:
        raise NotFound()
    if membership.user_id == actor.id and not actor.is_admin:
        raise ValidationError({"user_id": _l("You cannot remove yourself; ask another manager.")})
    session.delete(membership)
    session.flush()
