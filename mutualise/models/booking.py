"""Bookings of the pooled resources, the recurring series they may belong to, and closures."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, and_, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.resource import Resource
from mutualise.models.structure import Structure
from mutualise.models.user import User


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# A pending booking holds its slot just like a confirmed one (and counts against quotas).
ACTIVE_STATUSES = (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)
ACTIVE_SQL = "status IN ('pending','confirmed')"


class Series(db.Model):
    """A recurring booking: the rule it was expanded from. Each occurrence is its own Booking row."""

    __tablename__ = "booking_series"
    RRULE_MAX = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rrule: Mapped[str] = mapped_column(String(RRULE_MAX))
    timezone: Mapped[str] = mapped_column(String(64))  # the zone it was expanded in (local wall times)
    first_start_at: Mapped[datetime]
    first_end_at: Mapped[datetime]
    created_at: Mapped[datetime]

    bookings: Mapped[list[Booking]] = relationship(back_populates="series", order_by="Booking.start_at")


class Booking(db.Model):
    __tablename__ = "bookings"
    TITLE_MAX = 200
    REASON_MAX = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"),
                                                  index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    quantity: Mapped[int] = mapped_column(default=1)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    # end_at plus the resource's buffer at booking time: the slot is held over [start_at, blocked_until),
    # so two bookings are always a buffer apart whichever comes first.
    blocked_until: Mapped[datetime]
    # The resource had a single unit when booked: the exclusion constraint covers these rows; rows of
    # stocked resources are summed by the trigger.
    exclusive: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), default=BookingStatus.CONFIRMED.value)
    sequence: Mapped[int] = mapped_column(default=0)  # raised when time or place change (iCalendar)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_late: Mapped[bool] = mapped_column(default=False)  # the ledger charges the late fee
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))  # why it was cancelled or rejected
    # an admin booked beyond a quota on purpose: who, and why
    quota_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quota_override_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

    # vehicles
    odometer_out: Mapped[int | None]
    odometer_in: Mapped[int | None]
    checked_out_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    no_show: Mapped[bool] = mapped_column(default=False)
    # the reminder e-mail went out (tick sends it once)
    reminder_sent_at: Mapped[datetime | None]

    resource: Mapped[Resource] = relationship()
    structure: Mapped[Structure] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    series: Mapped[Series | None] = relationship(back_populates="bookings")

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("blocked_until >= end_at", name="blocked_after_end"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("status IN ('pending','confirmed','rejected','cancelled')", name="status"),
        CheckConstraint("odometer_out IS NULL OR odometer_out >= 0", name="odometer_out_non_negative"),
        CheckConstraint("odometer_in IS NULL OR (odometer_out IS NOT NULL AND odometer_in >= odometer_out)",
                        name="odometer_in_after_out"),
        Index("ix_bookings_resource_time", "resource_id", "start_at", "blocked_until"),
        # what overlaps a period, by resource (slot checks, stock trigger, calendars on SQLite) and by
        # structure (quotas): bookings ending after its start, so the history is never read (migration 0008)
        Index("ix_bookings_resource_until", "resource_id", "blocked_until", "start_at"),
        Index("ix_bookings_structure_until", "structure_id", "end_at", "start_at"),
        # usage allocation keys sum the confirmed bookings of a period (migration 0006 says why)
        Index("ix_bookings_confirmed_until", "status", "blocked_until",
              postgresql_where=text("status = 'confirmed'"), sqlite_where=text("status = 'confirmed'")),
    )

    @classmethod
    def holds_time_in(cls, dialect: str, start: datetime, end: datetime):
        """SQL condition: the booking holds [start_at, blocked_until) overlapping [start, end). On
        PostgreSQL written as a range overlap, which the GiST index ix_bookings_period answers."""
        if dialect == "postgresql":
            return func.tstzrange(cls.start_at, cls.blocked_until, "[)").op("&&")(
                func.tstzrange(start, end, "[)"))
        return and_(cls.start_at < end, cls.blocked_until > start)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def distance_km(self) -> int | None:
        if self.odometer_out is None or self.odometer_in is None:
            return None
        return self.odometer_in - self.odometer_out


class ClosureSource(enum.StrEnum):
    MANUAL = "manual"
    HOLIDAY = "holiday"


class Closure(db.Model):
    """A period when a resource (or every resource) cannot be booked."""

    __tablename__ = "closures"
    REASON_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"),
                                                    index=True)  # None: every resource
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    source: Mapped[str] = mapped_column(String(10), default=ClosureSource.MANUAL.value)
    holiday_code: Mapped[str | None] = mapped_column(String(40))  # e.g. "2026-05-01:labour_day"
    created_at: Mapped[datetime]

    resource: Mapped[Resource | None] = relationship()

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("source IN ('manual','holiday')", name="source"),
        UniqueConstraint("holiday_code", name="uq_closures_holiday_code"),
        Index("ix_closures_time", "start_at", "end_at"),
    )
