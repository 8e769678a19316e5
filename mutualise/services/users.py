"""Use cases for people: invitations, profiles, network roles."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mutualise.models import Membership, NetworkRole, User
from mutualise.services import accounts, checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import Conflict, FieldErrors, NotFound
from mutualise.services.settings import LOCALES


@dataclass
class UserInput:
    """Fields to create or change; UNSET ones are left as they are. Without a password on creation the
    person is invited by e-mail to choose one."""

    email: Any = UNSET
    name: Any = UNSET
    password: Any = UNSET
    locale: Any = UNSET
    roles: Any = UNSET
    active: Any = UNSET


def list_users(session: Session, actor: User, *, search: str | None = None, role: str | None = None,
               structure_id: int | None = None, active: bool | None = None) -> list[User]:
    """People of the network (admins), by name; `search` matches the name or the e-mail address."""
    permissions.require_admin(actor)
    query = select(User).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(User.email.like(pattern), User.name.ilike(pattern)))
    if role in ("admin", "treasurer", "auditor"):
        query = query.where(getattr(User, f"is_{role}").is_(True))
    if structure_id:
        query = query.where(User.id.in_(select(Membership.user_id).where(
            Membership.structure_id == structure_id)))
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(session.scalars(query))


def get_user(session: Session, actor: User, user_id: int) -> User:
    """A person: admins see everyone, others only themselves (NotFound otherwise)."""
    user = session.get(User, user_id) if checks.valid_id(user_id) else None
    if user is None or (user.id != actor.id and not actor.is_admin):
        raise NotFound()
    return user


def create_user(session: Session, actor: User | None, now: datetime, data: UserInput) -> User:
    """An admin adds a person (actor None: the command line, which is trusted)."""
    if actor is not None:
        permissions.require_admin(actor)
    for required in ("email", "name"):
        if not checks.given(getattr(data, required)):
            setattr(data, required, None)
    user = User(created_at=now, active=True, session_nonce=accounts.new_session_nonce())
    invite = not checks.given(data.password) or data.password in (None, "")
    if invite:
        data.password = UNSET
    _apply(session, user, data)
    session.add(user)
    session.flush()
    if invite:
        accounts.send_invitation(session, user)
    return user


def resend_invitation(session: Session, actor: User, user_id: int) -> User:
    """Mail the invitation again to a person who has not chosen a password yet (admins). The mail
    leaves once the request commits; earlier links stay valid until a password is chosen."""
    permissions.require_admin(actor)
    user = get_user(session, actor, user_id)
    if user.password_hash:
        raise Conflict(_l("This person has already chosen a password."))
    if not user.active:
        raise Conflict(_l("This person is deactivated; reactivate them first."))
    accounts.send_invitation(session, user)
    return user


def update_user(session: Session, actor: User, user_id: int, data: UserInput) -> User:
    """An admin changes anyone; a person changes their own name, language and nothing else."""
    user = get_user(session, actor, user_id)
    if not actor.is_admin:
        data.email = data.roles = data.active = data.password = UNSET
    if actor.id == user.id and checks.given(data.active) and data.active is False:
        data.active = UNSET  # an admin cannot lock themself out
    if actor.id == user.id and checks.given(data.roles) and isinstance(data.roles, list) \
            and NetworkRole.ADMIN not in data.roles:
        data.roles = [*data.roles, NetworkRole.ADMIN.value]
    _apply(session, user, data)
    session.flush()
    return user


def _apply(session: Session, user: User, data: UserInput) -> None:
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if checks.given(data.email):
        values["email"] = checks.email(errors, "email", data.email, max_len=User.EMAIL_MAX)
        if values["email"]:
            query = select(User.id).where(User.email == values["email"])
            if user.id is not None:
                query = query.where(User.id != user.id)
            if session.scalar(query) is not None:
                errors.add("email", _l("A person with this e-mail address already exists."))
    if checks.given(data.name):
        values["name"] = checks.text(errors, "name", data.name, max_len=User.NAME_MAX)
    if checks.given(data.locale):
        values["locale"] = checks.choice(errors, "locale", data.locale, LOCALES, required=False)
    if checks.given(data.active):
        values["active"] = checks.boolean(errors, "active", data.active)
    roles = None
    if checks.given(data.roles):
        allowed = [str(r) for r in NetworkRole]
        if not isinstance(data.roles, list | tuple) or any(r not in allowed for r in data.roles):
            errors.add("roles", _l("Must be one of: %(choices)s.", choices=", ".join(allowed)))
        else:
            roles = set(data.roles)
    password = None
    if checks.given(data.password):
        password = accounts.check_new_password(errors, "password", data.password)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(user, name, value)
    if roles is not None:
        user.is_admin = NetworkRole.ADMIN in roles
        user.is_treasurer = NetworkRole.TREASURER in roles
        user.is_auditor = NetworkRole.AUDITOR in roles
    if password:
        user.password_hash = accounts.hash_password(password)
        user.session_nonce = accounts.new_session_nonce()
