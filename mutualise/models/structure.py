"""Member structures of the network and the people who belong to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db

if TYPE_CHECKING:
    from mutualise.models.user import User


class LegalForm(enum.StrEnum):
    ASSOCIATION = "association"
    SCIC = "scic"
    SCOP = "scop"
    CAE = "cae"
    COOPERATIVE = "cooperative"
    SAS_ESUS = "sas_esus"
    OTHER = "other"


class MembershipRole(enum.StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class Structure(db.Model):
    __tablename__ = "structures"
    NAME_MAX = 120
    NAME_KEY_MAX = 3 * NAME_MAX  # case folding can lengthen a name ("ß" -> "ss")
    SHORT_CODE_MAX = 12
    EMAIL_MAX = 254
    ACCOUNTING_CODE_MAX = 20

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # casefolded name: uniqueness ignores case on every database (SQLite's lower() is ASCII-only)
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_MAX), unique=True)
    short_code: Mapped[str] = mapped_column(String(SHORT_CODE_MAX), unique=True)
    legal_form: Mapped[str] = mapped_column(String(20), default=LegalForm.ASSOCIATION)
    siren: Mapped[str | None] = mapped_column(String(9))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    accounting_code: Mapped[str | None] = mapped_column(String(ACCOUNTING_CODE_MAX))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="Membership.id"
    )

    __table_args__ = (
        CheckConstraint("legal_form IN ('association','scic','scop','cae','cooperative','sas_esus','other')",
                        name="legal_form"),
    )

    def __repr__(self) -> str:
        return f"<Structure {self.short_code}>"


class Membership(db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MembershipRole.MEMBER)
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="memberships")
    structure: Mapped[Structure] = relationship(back_populates="memberships")

    __table_args__ = (
        UniqueConstraint("user_id", "structure_id", name="uq_memberships_user_structure"),
        CheckConstraint("role IN ('member','manager')", name="role"),
    )
