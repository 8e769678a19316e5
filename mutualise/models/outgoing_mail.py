"""Mail kept in the database until it is sent (mail.py): nothing is lost to a mail server outage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from mutualise.extensions import db


class OutgoingMail(db.Model):
    """A message as it will be sent (RFC 5322 bytes), kept because sending it after the commit failed;
    `flask mutualise tick` sends it again (mail.deliver_pending)."""

    __tablename__ = "outgoing_mails"
    RECIPIENT_MAX = 320
    ERROR_MAX = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_MAX))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        # what tick looks for: the unsent ones, oldest first, however long the history grows
        Index("ix_outgoing_mails_unsent", "id", sqlite_where=text("sent_at IS NULL"),
              postgresql_where=text("sent_at IS NULL")),
    )
