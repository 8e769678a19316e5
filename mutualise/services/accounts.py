"""Passwords, sign-in, one-time links and API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from mutualise import mail
from mutualise.models import ApiToken, User
from mutualise.services import checks
from mutualise.services.errors import FieldErrors, NotFound, ValidationError
from mutualise.services.locks import begin_writing
from mutualise.services.settings import get_settings

PASSWORD_MIN = 10
PASSWORD_MAX = 200
TOKEN_PREFIX = "mut_"
LAST_USED_RESOLUTION = timedelta(minutes=5)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_session_nonce() -> str:
    return secrets.token_hex(16)


def check_new_password(errors: FieldErrors, field: str, password) -> str | None:
    if not isinstance(password, str) or not password:
        errors.add(field, _l("This field is required."))
        return None
    if len(password) < PASSWORD_MIN:
        errors.add(field, _l("At least %(min)d characters.", min=PASSWORD_MIN))
        return None
    if len(password) > PASSWORD_MAX:
        errors.add(field, _l("At most %(max)d characters.", max=PASSWORD_MAX))
        return None
    return password


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    errors = FieldErrors()
    try:
        _hasher.verify(user.password_hash or _DUMMY_HASH, current or "")
    except (VerificationError, InvalidHashError):
        errors.add("current_password", _l("This is not your current password."))
    check_new_password(errors, "new_password", new)
    errors.raise_if_any()
    _set_password(session, user, new)


def _set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()  # signs out other sessions, spends open links
    session.flush()


# One-time links. The signed payload holds the user's nonce, which changes with the password:
# once used (or once the password changed some other way) the link no longer works.
_PURPOSES = {"invite": "INVITATION_MAX_AGE_DAYS", "reset": "PASSWORD_RESET_MAX_AGE_HOURS"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"mutualise-{purpose}")


def _max_age(purpose: str) -> int:
    setting = _PURPOSES[purpose]
    value = current_app.config[setting]
    return value * 86400 if setting.endswith("DAYS") else value * 3600


def make_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps([user.id, user.session_nonce])


def user_for_link(session: Session, token: str, purpose: str) -> User:
    """The user a one-time link was made for; NotFound when it is forged, used or expired."""
    try:
        user_id, nonce = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired as exc:
        raise NotFound(_l("This link has expired. Ask for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_l("This link is not valid, or it was already used.")) from exc
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.session_nonce != nonce or not user.active:
        raise NotFound(_l("This link is not valid, or it was already used."))
    return user


def set_password_from_link(session: Session, token: str, purpose: str, password: str) -> User:
    user = user_for_link(session, token, purpose)
    errors = FieldErrors()
    check_new_password(errors, "password", password)
    errors.raise_if_any()
    _set_password(session, user, password)
    return user


def send_invitation(session: Session, user: User) -> None:
    link = mail.external_url("auth.set_password", purpose="invite", token=make_link_token(user, "invite"))
    mail.queue_template(session, to=user.email, locale=user.locale or "fr",
                        subject=_l("You are invited to Mutualise"), template="invitation",
                        name=user.name, network=get_settings(session).name, link=link,
                        days=current_app.config["INVITATION_MAX_AGE_DAYS"])


def request_password_reset(session: Session, email: str) -> None:
    """Mail a reset link if the address is known; say nothing either way (no account discovery)."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    link = mail.external_url("auth.set_password", purpose="reset", token=make_link_token(user, "reset"))
    mail.queue_template(session, to=user.email, locale=user.locale or "fr",
                        subject=_l("Reset your Mutualise password"), template="password_reset",
                        name=user.name, link=link, hours=current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"])


# API tokens: a random secret shown once; only its SHA-256 is stored (it has enough entropy that a
# slow hash adds nothing, and a fast one keeps every API request cheap).
def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(session: Session, user: User, now: datetime, name) -> tuple[ApiToken, str]:
    errors = FieldErrors()
    name = checks.text(errors, "name", name, max_len=ApiToken.NAME_MAX)
    errors.raise_if_any()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_token_hash(secret), prefix=secret[:10],
                     created_at=now)
    session.add(token)
    session.flush()
    return token, secret


def revoke_api_token(session: Session, user: User, token_id: int, now: datetime) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()


# The user and their memberships come with the token, in one statement built once: every API request
# runs it (a second SELECT for the memberships, and building the query each time, cost more than it).
_TOKEN_WITH_OWNER = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
                     .options(joinedload(ApiToken.user).joinedload(User.memberships)))


def user_for_api_token(session: Session, secret: str, now: datetime) -> User | None:
    """The active owner of an unrevoked token with this secret, or None; notes when it was last used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.execute(_TOKEN_WITH_OWNER, {"token_hash": _token_hash(secret)}).unique().scalar()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    # Refreshed at most every few minutes, so reading the API does not write on every request. The
    # request becomes a writer first: a SQLite read transaction that writes fails at once when another
    # writer committed since it began, and a booking that takes its lock late must not write before it.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        begin_writing(session, keep_loaded=True)
        token.last_used_at = now
    return token.user


def require_password_match(password: str, confirm: str) -> None:
    if password != confirm:
        raise ValidationError({"confirm": _l("The two passwords differ.")})
