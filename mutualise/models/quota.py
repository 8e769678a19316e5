"""Quota rules: how much a structure (all its people together) may book."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.resource import Resource, Site
from mutualise.models.structure import Structure


class QuotaUnit(enum.StrEnum):
    HOURS = "hours"
    BOOKINGS = "bookings"


class QuotaWindow(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ROLLING = "rolling"


quota_rule_resources = Table(
    "quota_rule_resources",
    db.metadata,
    Column("quota_rule_id", ForeignKey("quota_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
)


class QuotaRule(db.Model):
    """For one structure (or, with no structure, for every structure each on its own): at most `limit`
    hours or bookings per window on the targeted resources, and at most `max_open_future` bookings not
    yet ended. The target is a set of resources, a kind, a site, or (none given) every resource."""

    __tablename__ = "quota_rules"
    NAME_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"),
                                                     index=True)
    kind: Mapped[str | None] = mapped_column(String(12))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(10), default=QuotaUnit.HOURS.value)
    # "window" and "limit" are SQL keywords: the columns get plain names
    window: Mapped[str] = mapped_column("time_window", String(10), default=QuotaWindow.WEEK.value)
    rolling_days: Mapped[int | None]
    limit: Mapped[int | None] = mapped_column("limit_value")
    max_open_future: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    structure: Mapped[Structure | None] = relationship()
    site: Mapped[Site | None] = relationship()
    resources: Mapped[list[Resource]] = relationship(secondary=quota_rule_resources, order_by="Resource.name")

    __table_args__ = (
        CheckConstraint("unit IN ('hours','bookings')", name="unit"),
        CheckConstraint("time_window IN ('day','week','month','year','rolling')", name="time_window"),
        CheckConstraint("(time_window = 'rolling') = (rolling_days IS NOT NULL)", name="rolling_days"),
        CheckConstraint("rolling_days IS NULL OR rolling_days >= 1", name="rolling_days_positive"),
        CheckConstraint("limit_value IS NULL OR limit_value >= 0", name="limit_non_negative"),
        CheckConstraint("max_open_future IS NULL OR max_open_future >= 0",
                        name="max_open_future_non_negative"),
        CheckConstraint("limit_value IS NOT NULL OR max_open_future IS NOT NULL", name="limits_given"),
    )
