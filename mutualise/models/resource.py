"""Premises and the rooms, vehicles and equipment the structures pool."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.user import User


class ResourceKind(enum.StrEnum):
    ROOM = "room"
    VEHICLE = "vehicle"
    EQUIPMENT = "equipment"


class Site(db.Model):
    __tablename__ = "sites"
    NAME_MAX = 120
    NAME_KEY_MAX = 3 * NAME_MAX  # case folding can lengthen a name ("ß" -> "ss")
    ADDRESS_MAX = 300

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_MAX), unique=True)
    address: Mapped[str | None] = mapped_column(String(ADDRESS_MAX))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    resources: Mapped[list[Resource]] = relationship(back_populates="site")


resource_referents = Table(
    "resource_referents",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# Rule and tariff fields, named as in API.md; one list so services, forms and schemas agree.
RULE_FIELDS = ("min_duration_minutes", "max_duration_minutes", "step_minutes", "buffer_minutes",
               "min_notice_minutes", "max_advance_days", "cancel_deadline_minutes")
TARIFF_FIELDS = ("hourly_cents", "step_minutes", "daily_cap_cents", "per_km_cents", "booking_fee_cents",
                 "late_cancel_fee_cents")


class Resource(db.Model):
    __tablename__ = "resources"
    NAME_MAX = 120
    DESCRIPTION_MAX = 4000
    MAX_QUANTITY = 100_000
    MAX_CAPACITY = 100_000

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None]  # people a room seats or a vehicle carries
    quantity: Mapped[int] = mapped_column(default=1)  # units in stock, booked together or in part
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    colour: Mapped[str | None] = mapped_column(String(7))
    requires_approval: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    # booking rules (None: no limit)
    min_duration_minutes: Mapped[int | None]
    max_duration_minutes: Mapped[int | None]
    step_minutes: Mapped[int] = mapped_column(default=15)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    min_notice_minutes: Mapped[int] = mapped_column(default=0)
    max_advance_days: Mapped[int | None]
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None: always open
    cancel_deadline_minutes: Mapped[int] = mapped_column(default=0)

    # tariff, integer cents
    hourly_cents: Mapped[int] = mapped_column(default=0)
    tariff_step_minutes: Mapped[int] = mapped_column(default=60)
    daily_cap_cents: Mapped[int | None]
    per_km_cents: Mapped[int] = mapped_column(default=0)
    booking_fee_cents: Mapped[int] = mapped_column(default=0)
    late_cancel_fee_cents: Mapped[int] = mapped_column(default=0)

    site: Mapped[Site | None] = relationship(back_populates="resources")
    referents: Mapped[list[User]] = relationship(secondary=resource_referents, order_by="User.name")

    __table_args__ = (
        CheckConstraint("kind IN ('room','vehicle','equipment')", name="kind"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("step_minutes >= 1 AND tariff_step_minutes >= 1", name="steps_positive"),
        CheckConstraint("min_duration_minutes IS NULL OR max_duration_minutes IS NULL "
                        "OR min_duration_minutes <= max_duration_minutes", name="duration_bounds"),
        CheckConstraint("buffer_minutes >= 0 AND min_notice_minutes >= 0 AND cancel_deadline_minutes >= 0",
                        name="rule_minutes_non_negative"),
        CheckConstraint("hourly_cents >= 0 AND per_km_cents >= 0 AND booking_fee_cents >= 0 "
                        "AND late_cancel_fee_cents >= 0 "
                        "AND (daily_cap_cents IS NULL OR daily_cap_cents >= 0)", name="tariff_non_negative"),
    )

    def __repr__(self) -> str:
        return f"<Resource {self.kind} {self.name}>"
