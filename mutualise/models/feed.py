"""Calendar feeds people subscribe to by URL: whose bookings, how much detail, and the secret's hash."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.user import User


class FeedScope(enum.StrEnum):
    RESOURCE = "resource"
    STRUCTURE = "structure"
    USER = "user"  # the owner's own bookings
    NETWORK = "network"


class FeedDetail(enum.StrEnum):
    BUSY = "busy"  # the resource and "Busy", nothing about who
    FULL = "full"  # title, structure and booker, where the owner may see them


class FeedToken(db.Model):
    """One subscription URL. Only the SHA-256 of its secret is kept; the feed acts with its owner's
    rights, checked again on every fetch, and dies at once when revoked."""

    __tablename__ = "feed_tokens"
    NAME_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(10))
    # the resource or structure of those scopes; None for "user" (the owner) and "network"
    target_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("scope IN ('resource','structure','user','network')", name="scope"),
        CheckConstraint("detail IN ('busy','full')", name="detail"),
        CheckConstraint("(scope IN ('resource','structure')) = (target_id IS NOT NULL)", name="target"),
    )
