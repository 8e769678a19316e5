"""People, their network roles and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.structure import Membership


class NetworkRole(enum.StrEnum):
    ADMIN = "admin"
    TREASURER = "treasurer"
    AUDITOR = "auditor"


class User(db.Model):
    __tablename__ = "users"
    EMAIL_MAX = 254
    NAME_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    # stored lower-cased, so uniqueness ignores case
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # argon2id hash; None until an invited person chooses a password
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_treasurer: Mapped[bool] = mapped_column(default=False)
    is_auditor: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # changes with the password: ends other sessions and spends one-time links
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def roles(self) -> list[str]:
        flags = {NetworkRole.ADMIN: self.is_admin, NetworkRole.TREASURER: self.is_treasurer,
                 NetworkRole.AUDITOR: self.is_auditor}
        return [str(role) for role, held in flags.items() if held]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A bearer token; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"
    NAME_MAX = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # first characters of the secret, shown so people can tell their tokens apart
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")
