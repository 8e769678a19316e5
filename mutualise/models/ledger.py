"""The cost-sharing ledger: periods, allocation keys, charges, payments, usage and the journal.

Everything here except a period's status is written once: the database refuses UPDATE and DELETE of
posted rows and any insert into a closed period (triggers of migration 0003, DESIGN.md invariant 4).
Corrections are new rows (reversals) that cite what they correct. Money is integer cents (invariant 3).
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualise.extensions import db
from mutualise.models.resource import Resource
from mutualise.models.structure import Structure
from mutualise.models.user import User


class PeriodStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Period(db.Model):
    """A calendar month of the ledger, "YYYY-MM"; created the first time something is written into it."""

    __tablename__ = "ledger_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    status: Mapped[str] = mapped_column(String(6), default=PeriodStatus.OPEN.value)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    events: Mapped[list[PeriodEvent]] = relationship(order_by="PeriodEvent.id")
    closed_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status"),)

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED


class PeriodEvent(db.Model):
    """Who closed or reopened a period, when and why: the record an admin's reopening leaves."""

    __tablename__ = "ledger_period_events"
    REASON_MAX = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(6))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

    __table_args__ = (CheckConstraint("action IN ('close','reopen')", name="action"),)


class KeyMethod(enum.StrEnum):
    EQUAL = "equal"
    WEIGHTS = "weights"
    PERCENT = "percent"
    USAGE_HOURS = "usage_hours"
    USAGE_KM = "usage_km"


USAGE_METHODS = (KeyMethod.USAGE_HOURS.value, KeyMethod.USAGE_KM.value)

allocation_key_resources = Table(
    "allocation_key_resources",
    db.metadata,
    Column("key_id", ForeignKey("allocation_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
)


class AllocationKey(db.Model):
    """A clé de répartition: how a charge is shared. Its participants and weights live in versions."""

    __tablename__ = "allocation_keys"
    NAME_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    method: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    versions: Mapped[list[AllocationKeyVersion]] = relationship(
        back_populates="key", order_by="AllocationKeyVersion.valid_from")
    # usage keys count the hours or kilometres of these resources (none: every resource)
    resources: Mapped[list[Resource]] = relationship(secondary=allocation_key_resources,
                                                     order_by="Resource.name")

    __table_args__ = (
        CheckConstraint("method IN ('equal','weights','percent','usage_hours','usage_km')", name="method"),
    )


class AllocationKeyVersion(db.Model):
    """The key's participants and weights from `valid_from` on, as voted (decision_ref). Never changed:
    a new vote is a new version."""

    __tablename__ = "allocation_key_versions"
    DECISION_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("allocation_keys.id", ondelete="RESTRICT"))
    number: Mapped[int]
    valid_from: Mapped[dt.date]
    decision_ref: Mapped[str | None] = mapped_column(String(DECISION_MAX))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]

    key: Mapped[AllocationKey] = relationship(back_populates="versions")
    weights: Mapped[list[AllocationWeight]] = relationship(order_by="AllocationWeight.structure_id")

    __table_args__ = (
        UniqueConstraint("key_id", "number", name="uq_allocation_key_versions_number"),
        UniqueConstraint("key_id", "valid_from", name="uq_allocation_key_versions_valid_from"),
    )


class AllocationWeight(db.Model):
    """One participant of a key version. `weight`: basis points for "percent" keys, thousandths of the
    typed weight for "weights" keys (45.5 m² -> 45500), 1 for equal and usage keys."""

    __tablename__ = "allocation_weights"

    version_id: Mapped[int] = mapped_column(ForeignKey("allocation_key_versions.id", ondelete="RESTRICT"),
                                            primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"),
                                              primary_key=True)
    weight: Mapped[int] = mapped_column(BigInteger)

    structure: Mapped[Structure] = relationship()

    __table_args__ = (CheckConstraint("weight > 0", name="weight_positive"),)


class Charge(db.Model):
    """A shared cost (or refund, negative) split across structures. `reverses_id`: this charge cancels
    that one, with every allocation negated."""

    __tablename__ = "charges"
    LABEL_MAX = 200
    CATEGORY_MAX = 30
    RECEIPT_MAX = 100

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    date: Mapped[dt.date]
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"), index=True)
    # what the charge covers; usage keys count usage between these dates (inclusive)
    covers_from: Mapped[dt.date]
    covers_until: Mapped[dt.date]
    paid_by_structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"))
    receipt_ref: Mapped[str | None] = mapped_column(String(RECEIPT_MAX))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id", ondelete="RESTRICT"),
                                                    unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]

    parts: Mapped[list[ChargePart]] = relationship(order_by="ChargePart.id")
    allocations: Mapped[list[ChargeAllocation]] = relationship(order_by="ChargeAllocation.structure_id")
    paid_by: Mapped[Structure | None] = relationship()
    period: Mapped[Period] = relationship()

    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        CheckConstraint("covers_until >= covers_from", name="covers_order"),
    )


class ChargePart(db.Model):
    """A share of the charge (basis points) split by one key version; the parts sum to 10,000."""

    __tablename__ = "charge_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id", ondelete="RESTRICT"), index=True)
    key_version_id: Mapped[int] = mapped_column(ForeignKey("allocation_key_versions.id",
                                                           ondelete="RESTRICT"))
    share_bp: Mapped[int]

    key_version: Mapped[AllocationKeyVersion] = relationship()

    __table_args__ = (CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share_bp_range"),)


class ChargeAllocation(db.Model):
    """A structure's quote-part of a charge. `basis` keeps what explains it: per part the structure's
    weight and the total (hours, km, weights...), so the explanation is rendered in the reader's language;
    `rounding_cents` is what the largest-remainder rounding added (or took)."""

    __tablename__ = "charge_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id", ondelete="RESTRICT"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    rounding_cents: Mapped[int] = mapped_column(default=0)
    basis: Mapped[list[dict[str, Any]]] = mapped_column(db.JSON)

    structure: Mapped[Structure] = relationship()

    __table_args__ = (UniqueConstraint("charge_id", "structure_id", name="uq_charge_allocations_structure"),)


class Payment(db.Model):
    """Money a structure paid to the network (negative: the network paid the structure back)."""

    __tablename__ = "payments"
    REFERENCE_MAX = 100

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    date: Mapped[dt.date]
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"), index=True)
    reference: Mapped[str | None] = mapped_column(String(REFERENCE_MAX))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]

    structure: Mapped[Structure] = relationship()

    __table_args__ = (CheckConstraint("amount_cents <> 0", name="amount_not_zero"),)


class EntryKind(enum.StrEnum):
    CHARGE = "charge"
    USAGE = "usage"
    PAYMENT = "payment"
    REVERSAL = "reversal"


class JournalEntry(db.Model):
    """A posted, balanced accounting entry. `number` runs 1, 2, 3... without gaps (checked by a trigger)."""

    __tablename__ = "journal_entries"
    LABEL_MAX = 300

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"), index=True)
    date: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"),
                                                   index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"),
                                                    unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]

    lines: Mapped[list[JournalLine]] = relationship(order_by="JournalLine.id")
    period: Mapped[Period] = relationship()

    __table_args__ = (
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("kind IN ('charge','usage','payment','reversal')", name="kind"),
    )


class JournalLine(db.Model):
    """One debit or credit of an entry. Lines on a structure's account (structure_id set) make its
    balance: debit = the structure owes, credit = the structure paid or is owed."""

    __tablename__ = "journal_lines"
    ACCOUNT_MAX = 20
    LABEL_MAX = 300

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True)
    # period_id repeated from the entry so balances and the split read lines alone
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"))
    account: Mapped[str] = mapped_column(String(ACCOUNT_MAX))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(Charge.CATEGORY_MAX))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"))
    debit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    label: Mapped[str] = mapped_column(String(LABEL_MAX))

    __table_args__ = (
        CheckConstraint("debit_cents >= 0 AND credit_cents >= 0 AND (debit_cents = 0) <> (credit_cents = 0)",
                        name="one_side"),
        db.Index("ix_journal_lines_structure_period", "structure_id", "period_id"),
    )


class BookingUsage(db.Model):
    """A booking's usage has been priced (once): what it cost and the entry that charged it (None when
    it cost nothing)."""

    __tablename__ = "booking_usages"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("ledger_periods.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    priced_at: Mapped[datetime]
