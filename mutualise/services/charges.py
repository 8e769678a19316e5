"""Shared charges: the treasurer previews how a charge splits across structures, posts it, and reverses it
when it was wrong (a posted charge is never edited).

A charge is split by one allocation key, or in parts (e.g. 50 % equal, 50 % by hours used) that are
added up before rounding, so the structures' quotes-parts sum exactly to the amount (domain/allocation);
services/charge_plans checks and splits, this module writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain import accounts
from mutualise.models import Charge, ChargeAllocation, ChargePart, EntryKind, JournalEntry, Period, User
from mutualise.services import checks, permissions
from mutualise.services.charge_plans import (
    ChargeInput,
    ChargePlan,
    next_charge_rank,
    plan_charge,
    with_structures,
)
from mutualise.services.errors import Conflict, NotFound
from mutualise.services.journal import (
    Line,
    insert_entry,
    insert_rows,
    lock_ledger,
    open_period_for,
    post_entry,
    reversed_lines,
)
from mutualise.services.settings import get_settings, network_zone

_ALLOCATION_COLUMNS = ("charge_id", "structure_id", "amount_cents", "rounding_cents", "basis")


def preview_charge(session: Session, actor: User, now: datetime, data: ChargeInput) -> ChargePlan:
    """The split the charge would get, with what explains each line; nothing is written."""
    permissions.require_treasurer(actor)
    plan = plan_charge(session, data, seed=next_charge_rank(session))
    with_structures(session, [plan])
    return plan


def create_charge(session: Session, actor: User, now: datetime, data: ChargeInput) -> Charge:
    """Post the charge: its split, and a journal entry debiting each structure its quote-part and
    crediting the payer (the network, or the structure that paid). PeriodClosed when its date falls in
    a closed period."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    charge_id = post_plan(session, actor, now, plan_charge(session, data, seed=next_charge_rank(session)))
    return session.get(Charge, charge_id)


_INSERT_CHARGE = Charge.__table__.insert().returning(Charge.__table__.c.id)  # built once (a month: 200)
_INSERT_PART = insert(ChargePart.__table__)


def post_plan(session: Session, actor: User, now: datetime, plan: ChargePlan,
              periods: dict[str, Period] | None = None) -> int:
    """Write a planned charge (its parts, allocations and journal entry) and return its id. Call under
    `lock_ledger`, with a plan seeded by the charge's rank; PeriodClosed when its date is in a closed
    period. `periods`: the open periods already found in this transaction, by month. Plain inserts, an
    executemany each for the allocations and the lines (as ORM objects, a hundred allocations cost more
    than the rest of the posting)."""
    month = accounts.month_of(plan.date)
    period = periods.get(month) if periods is not None else None
    if period is None:
        period = open_period_for(session, plan.date)
        if periods is not None:
            periods[month] = period
    charge_id = session.execute(_INSERT_CHARGE, dict(
        label=plan.label, category=plan.category, amount_cents=plan.amount_cents, date=plan.date,
        period_id=period.id, covers_from=plan.covers_from, covers_until=plan.covers_until,
        paid_by_structure_id=plan.paid_by and plan.paid_by.id, receipt_ref=plan.receipt_ref,
        created_by_id=actor.id, created_at=now)).scalar_one()
    session.execute(_INSERT_PART, [
        {"charge_id": charge_id, "key_version_id": part.key_version.id, "share_bp": part.share_bp}
        for part in plan.parts])
    basis = plan.basis_json()
    insert_rows(session, ChargeAllocation.__table__, _ALLOCATION_COLUMNS, [
        (charge_id, a.structure_id, a.amount_cents, a.rounding_cents, basis[a.structure_id])
        for a in plan.allocations])
    insert_entry(session, now, period_id=period.id, day=plan.date, kind=EntryKind.CHARGE.value,
                 label=plan.label, lines=_charge_lines(plan), actor_id=actor.id, charge_id=charge_id)
    return charge_id


def reverse_charge(session: Session, actor: User, now: datetime, charge_id: int) -> Charge:
    """Cancel a posted charge: a new charge of the opposite amount, dated today in the open period and
    citing the original, whose journal entry swaps every line of the original's."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    original = get_charge(session, actor, charge_id)
    if original.reverses_id is not None:
        raise Conflict(_l("A reversal cannot itself be reversed; post the charge again instead."))
    if session.scalar(select(Charge.id).where(Charge.reverses_id == original.id)) is not None:
        raise Conflict(_l("This charge has already been reversed."))
    today = now.astimezone(network_zone(session)).date()
    period = open_period_for(session, today)
    reversal = Charge(label=original.label, category=original.category, amount_cents=-original.amount_cents,
                      date=today, period_id=period.id, covers_from=original.covers_from,
                      covers_until=original.covers_until, paid_by_structure_id=original.paid_by_structure_id,
                      receipt_ref=original.receipt_ref, reverses_id=original.id, created_by_id=actor.id,
                      created_at=now)
    session.add(reversal)
    session.flush()
    session.add_all([ChargePart(charge_id=reversal.id, key_version_id=part.key_version_id,
                                share_bp=part.share_bp) for part in original.parts])
    session.add_all([ChargeAllocation(charge_id=reversal.id, structure_id=a.structure_id,
                                      amount_cents=-a.amount_cents, rounding_cents=-a.rounding_cents,
                                      basis=a.basis) for a in original.allocations])
    entry = session.scalar(select(JournalEntry).where(JournalEntry.charge_id == original.id)
                           .options(selectinload(JournalEntry.lines)))
    with force_locale(get_settings(session).default_locale or "fr"):
        label = _("Reversal of entry %(number)d: %(label)s", number=entry.number, label=original.label)
    post_entry(session, now, period=period, day=today, kind=EntryKind.REVERSAL.value, label=label,
               lines=reversed_lines(entry, ""), actor_id=actor.id, charge_id=reversal.id,
               reverses_id=entry.id)
    session.flush()
    return reversal


def get_charge(session: Session, actor: User, charge_id: Any) -> Charge:
    """One charge: ledger readers, and managers of a structure it is split to or paid by; NotFound for
    anyone else."""
    charge = session.get(Charge, charge_id) if checks.valid_id(charge_id) else None
    if charge is None:
        raise NotFound()
    if not permissions.can_read_ledger(actor):
        concerned = {a.structure_id for a in charge.allocations} | {charge.paid_by_structure_id}
        if not any(permissions.can_read_structure_ledger(actor, sid) for sid in concerned if sid):
            raise NotFound()
    return charge


def list_charges(session: Session, actor: User, month: str | None = None, *,
                 with_allocations: bool = True) -> list[Charge]:
    """Charges (newest first), of one month "YYYY-MM" when given; ledger readers only. Without
    `with_allocations` their splits are not loaded (a list of charges that does not show them would
    read every structure's share of every charge: 20,000 rows for a month of 200 charges)."""
    permissions.require_ledger_reader(actor)
    query = select(Charge).options(selectinload(Charge.paid_by))
    if with_allocations:
        query = query.options(selectinload(Charge.allocations))
    if month is not None:
        query = query.where(Charge.date.between(*checks.month_bounds(month)))
    return list(session.scalars(query.order_by(Charge.date.desc(), Charge.id.desc())))


def reversal_of(session: Session, charge: Charge) -> Charge | None:
    return session.scalar(select(Charge).where(Charge.reverses_id == charge.id))


def reversed_ids(session: Session, charge_ids: list[int]) -> set[int]:
    """Those of these charges that have been reversed, in one query."""
    if not charge_ids:
        return set()
    return set(session.scalars(select(Charge.reverses_id).where(Charge.reverses_id.in_(charge_ids))))


def allocations_of(session: Session, structure_id: int, charge_ids: set[int]
                   ) -> dict[int, tuple[Charge, ChargeAllocation]]:
    """The structure's allocation of each of these charges, in one query, for a statement the caller
    was already allowed to read (loading each charge's whole split would read every structure's)."""
    if not charge_ids:
        return {}
    rows = session.execute(
        select(Charge, ChargeAllocation).join(ChargeAllocation, ChargeAllocation.charge_id == Charge.id)
        .where(ChargeAllocation.structure_id == structure_id, Charge.id.in_(charge_ids)))
    return {charge.id: (charge, allocation) for charge, allocation in rows}


def entry_number_of(session: Session, charge: Charge) -> int | None:
    """The number of the journal entry that posted the charge."""
    return session.scalar(select(JournalEntry.number).where(JournalEntry.charge_id == charge.id))


def _charge_lines(plan: ChargePlan) -> list[Line]:
    """Each structure's quote-part on its account, the whole amount to the payer; sides swap for a
    refund (negative amount)."""
    def line(account: str, cents: int, structure_id: int | None, debit_side: bool) -> Line:
        on_debit = (cents > 0) == debit_side  # a negative amount goes on the other side
        # only the quotes-parts carry the category: they are the cost split (not the payer's credit)
        return Line(account=account, label=plan.label, debit_cents=abs(cents) if on_debit else 0,
                    credit_cents=0 if on_debit else abs(cents), structure_id=structure_id,
                    category=plan.category if debit_side else None)

    lines = [line(accounts.STRUCTURES, a.amount_cents, a.structure_id, True)
             for a in plan.allocations if a.amount_cents]
    if plan.paid_by is not None:
        lines.append(line(accounts.STRUCTURES, plan.amount_cents, plan.paid_by.id, False))
    else:
        lines.append(line(accounts.RECHARGED_COSTS, plan.amount_cents, None, False))
    return lines
