"""Payments between a structure and the network, recorded by the treasurer.

A positive amount is money the structure paid the network (its balance goes down); a negative one is
money the network paid back. A wrong payment is corrected by another payment of the opposite amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain import accounts
from mutualise.models import EntryKind, Payment, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors
from mutualise.services.journal import Line, lock_ledger, open_period_for, post_entry


@dataclass
class PaymentInput:
    structure_id: Any = UNSET
    amount_cents: Any = UNSET
    date: Any = UNSET
    reference: Any = None


def record_payment(session: Session, actor: User, now: datetime, data: PaymentInput) -> Payment:
    """Record a payment and post it: bank debited, the structure's account credited (sides swap for a
    refund). PeriodClosed when its date falls in a closed period."""
    permissions.require_treasurer(actor)
    errors = FieldErrors()
    structure = session.get(Structure, data.structure_id) if checks.valid_id(data.structure_id) else None
    if structure is None:
        errors.add("structure_id", _l("Unknown structure."))
    amount = checks.cents(errors, "amount_cents", data.amount_cents)
    day = checks.day(errors, "date", data.date)
    reference = checks.text(errors, "reference", data.reference, max_len=Payment.REFERENCE_MAX,
                            required=False)
    errors.raise_if_any()
    lock_ledger(session)
    period = open_period_for(session, day)
    payment = Payment(structure_id=structure.id, amount_cents=amount, date=day, period_id=period.id,
                      reference=reference, created_by_id=actor.id, created_at=now)
    session.add(payment)
    session.flush()
    label = f"{structure.name} — {reference}" if reference else structure.name
    received = amount > 0
    lines = [Line(account=accounts.BANK, label=label, debit_cents=abs(amount) if received else 0,
                  credit_cents=0 if received else abs(amount)),
             Line(account=accounts.STRUCTURES, label=label, structure_id=structure.id,
                  debit_cents=0 if received else abs(amount), credit_cents=abs(amount) if received else 0)]
    post_entry(session, now, period=period, day=day, kind=EntryKind.PAYMENT.value, label=label, lines=lines,
               actor_id=actor.id, payment_id=payment.id)
    return payment


def list_payments(session: Session, actor: User, *, month: str | None = None,
                  structure_id: int | None = None) -> list[Payment]:
    """Payments, newest first; ledger readers see all, a structure's managers its own (with
    `structure_id`)."""
    query = select(Payment).options(selectinload(Payment.structure))
    if structure_id is not None and permissions.can_read_structure_ledger(actor, structure_id):
        query = query.where(Payment.structure_id == structure_id)
    else:
        permissions.require_ledger_reader(actor)
    if month is not None:
        query = query.where(Payment.date.between(*checks.month_bounds(month)))
    return list(session.scalars(query.order_by(Payment.date.desc(), Payment.id.desc())))
