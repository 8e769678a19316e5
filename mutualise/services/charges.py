"""Shared charges: the treasurer previews how a charge splits across structures, posts it, and reverses it
when it was wrong (a posted charge is never edited).

A charge is split by one allocation key, or in parts (e.g. 50 % equal, 50 % by hours used) that are
added up before rounding, so the structures' quotes-parts sum exactly to the amount (domain/allocation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain import accounts
from mutualise.domain.allocation import BASIS_POINTS, AllocationError, Part, allocate
from mutualise.models import (
    AllocationKeyVersion,
    Charge,
    ChargeAllocation,
    ChargePart,
    EntryKind,
    JournalEntry,
    Structure,
    User,
)
from mutualise.services import checks, key_weights, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import Conflict, FieldErrors, NotFound
from mutualise.services.journal import Line, lock_ledger, open_period_for, post_entry, reversed_lines
from mutualise.services.settings import get_settings, network_zone

MAX_PARTS = 10


@dataclass
class ChargeInput:
    """A charge to preview or post. Either `key_id`, or `parts` [{key_id, share_bp}] summing to 10,000.
    `covers_from`/`covers_until` default to the month of `date` (usage keys count usage inside)."""

    label: Any = UNSET
    category: Any = UNSET
    amount_cents: Any = UNSET
    date: Any = UNSET
    covers_from: Any = UNSET
    covers_until: Any = UNSET
    paid_by_structure_id: Any = None
    receipt_ref: Any = None
    key_id: Any = None
    parts: Any = None


@dataclass
class PlannedPart:
    key_version: AllocationKeyVersion
    share_bp: int
    weights: dict[int, int]


@dataclass
class PlannedAllocation:
    structure: Structure
    amount_cents: int
    rounding_cents: int
    exact: Fraction
    basis: list[dict[str, Any]]


@dataclass
class ChargePlan:
    """What posting the charge would write: checked fields and the exact split."""

    label: str
    category: str
    amount_cents: int
    date: date
    covers_from: date
    covers_until: date
    paid_by: Structure | None
    receipt_ref: str | None
    parts: list[PlannedPart]
    allocations: list[PlannedAllocation] = field(default_factory=list)


def preview_charge(session: Session, actor: User, now: datetime, data: ChargeInput) -> ChargePlan:
    """The split the charge would get, with what explains each line; nothing is written."""
    permissions.require_treasurer(actor)
    return _plan(session, data, seed=_next_charge_ordinal(session))


def create_charge(session: Session, actor: User, now: datetime, data: ChargeInput) -> Charge:
    """Post the charge: its split, and a journal entry debiting each structure its quote-part and
    crediting the payer (the network, or the structure that paid). PeriodClosed when its date falls in
    a closed period."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    plan = _plan(session, data, seed=_next_charge_ordinal(session))
    period = open_period_for(session, plan.date)
    charge = Charge(label=plan.label, category=plan.category, amount_cents=plan.amount_cents,
                    date=plan.date, period_id=period.id, covers_from=plan.covers_from,
                    covers_until=plan.covers_until, paid_by_structure_id=plan.paid_by and plan.paid_by.id,
                    receipt_ref=plan.receipt_ref, created_by_id=actor.id, created_at=now)
    session.add(charge)
    session.flush()
    session.add_all([ChargePart(charge_id=charge.id, key_version_id=part.key_version.id,
                                share_bp=part.share_bp) for part in plan.parts])
    session.add_all([ChargeAllocation(charge_id=charge.id, structure_id=a.structure.id,
                                      amount_cents=a.amount_cents, rounding_cents=a.rounding_cents,
                                      basis=a.basis)
                     for a in plan.allocations])
    post_entry(session, now, period=period, day=plan.date, kind=EntryKind.CHARGE.value, label=plan.label,
               lines=_charge_lines(plan), actor_id=actor.id, charge_id=charge.id)
    session.flush()
    session.expire(charge, ["parts", "allocations"])
    return charge


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


def list_charges(session: Session, actor: User, month: str | None = None) -> list[Charge]:
    """Charges (newest first), of one month "YYYY-MM" when given; ledger readers only."""
    permissions.require_ledger_reader(actor)
    query = select(Charge).options(selectinload(Charge.allocations), selectinload(Charge.paid_by))
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


def _next_charge_ordinal(session: Session) -> int:
    # Charges are never deleted, so their count is the next charge's rank: seeding the rounding with it
    # rotates the rounding cent from one charge to the next (the preview uses the same seed).
    return (session.scalar(select(func.count()).select_from(Charge)) or 0) + 1


def _plan(session: Session, data: ChargeInput, seed: int) -> ChargePlan:
    errors = FieldErrors()
    label = checks.text(errors, "label", data.label, max_len=Charge.LABEL_MAX)
    category = checks.choice(errors, "category", data.category, accounts.CHARGE_CATEGORIES)
    amount = checks.cents(errors, "amount_cents", data.amount_cents)
    day = checks.day(errors, "date", data.date)
    covers_from = checks.day(errors, "covers_from", data.covers_from, required=False) \
        if checks.given(data.covers_from) else None
    covers_until = checks.day(errors, "covers_until", data.covers_until, required=False) \
        if checks.given(data.covers_until) else None
    receipt = checks.text(errors, "receipt_ref", data.receipt_ref, max_len=Charge.RECEIPT_MAX, required=False)
    paid_by = _structure(session, errors, "paid_by_structure_id", data.paid_by_structure_id) \
        if data.paid_by_structure_id is not None else None
    if day is not None:
        first, last = accounts.parse_month(accounts.month_of(day))
        covers_from, covers_until = covers_from or first, covers_until or last
        if covers_until < covers_from:
            errors.add("covers_until", _l("Must not be before the start of the period covered."))
    shares = _shares(errors, data)
    errors.raise_if_any()
    zone = network_zone(session)
    parts = []
    for index, (key_id, share_bp) in enumerate(shares):
        field_name = "key_id" if data.key_id is not None else f"parts.{index}.key_id"
        version = key_weights.version_at(session, key_id, day, field=field_name)
        weights = key_weights.key_weights(session, version, covers_from, covers_until, zone)
        parts.append(PlannedPart(version, share_bp, weights))
    errors.raise_if_any()
    plan = ChargePlan(label=label, category=category, amount_cents=amount, date=day, covers_from=covers_from,
                      covers_until=covers_until, paid_by=paid_by, receipt_ref=receipt, parts=parts)
    try:
        shares_out = allocate(amount, [Part(p.share_bp, p.weights) for p in parts], seed)
    except AllocationError as error:
        field_name = "key_id" if data.key_id is not None else f"parts.{error.part}.key_id"
        message = (_l("Nobody takes part in this key.") if error.reason == "no_participants" else
                   _l("Nobody used the key's resources during the period covered, so it cannot split by "
                      "usage."))
        errors.add(field_name, message)
        errors.raise_if_any()
    structures = {s.id: s for s in session.scalars(select(Structure).where(
        Structure.id.in_([share.structure_id for share in shares_out])))}
    for share in shares_out:
        basis = [{"key_id": p.key_version.key_id, "key_name": p.key_version.key.name,
                  "method": p.key_version.key.method, "version": p.key_version.number, "share_bp": p.share_bp,
                  "weight": p.weights.get(share.structure_id, 0), "total": sum(p.weights.values())}
                 for p in parts]
        plan.allocations.append(PlannedAllocation(structures[share.structure_id], share.cents,
                                                  share.rounding_cents, share.exact, basis))
    plan.allocations.sort(key=lambda a: a.structure.name.casefold())
    return plan


def _shares(errors: FieldErrors, data: ChargeInput) -> list[tuple[int, int]]:
    """(key id, basis points) for each part; one key is one part of 100 %."""
    if data.key_id is not None and data.parts:
        errors.add("parts", _l("Give either a key or parts, not both."))
        return []
    if data.key_id is not None:
        if not checks.valid_id(data.key_id):
            errors.add("key_id", _l("Unknown key."))
            return []
        return [(data.key_id, BASIS_POINTS)]
    if not data.parts:
        errors.add("key_id", _l("Choose the key that splits this charge."))
        return []
    if not isinstance(data.parts, list) or len(data.parts) > MAX_PARTS:
        errors.add("parts", _l("At most %(max)d parts.", max=MAX_PARTS))
        return []
    result = []
    for index, part in enumerate(data.parts):
        key_id, share = (part.get("key_id"), part.get("share_bp")) if isinstance(part, dict) else (None, None)
        if not checks.valid_id(key_id):
            errors.add(f"parts.{index}.key_id", _l("Unknown key."))
        share = checks.integer(errors, f"parts.{index}.share_bp", share, minimum=1, maximum=BASIS_POINTS)
        if share is not None and checks.valid_id(key_id):
            result.append((key_id, share))
    if len(result) == len(data.parts) and sum(share for _key, share in result) != BASIS_POINTS:
        total = sum(share for _key, share in result)
        errors.add("parts", _l("The parts add up to %(total)s %%, not 100 %%.",
                               total=f"{total // 100}.{total % 100:02d}"))
    if len({key for key, _share in result}) != len(result):
        errors.add("parts", _l("Each key may appear in one part only."))
    return result


def _structure(session: Session, errors: FieldErrors, field_name: str, structure_id: Any) -> Structure | None:
    structure = session.get(Structure, structure_id) if checks.valid_id(structure_id) else None
    if structure is None or not structure.active:
        errors.add(field_name, _l("Unknown structure."))
        return None
    return structure


def _charge_lines(plan: ChargePlan) -> list[Line]:
    """Each structure's quote-part on its account, the whole amount to the payer; sides swap for a
    refund (negative amount)."""
    def line(account: str, cents: int, structure_id: int | None, debit_side: bool) -> Line:
        on_debit = (cents > 0) == debit_side  # a negative amount goes on the other side
        # only the quotes-parts carry the category: they are the cost split (not the payer's credit)
        return Line(account=account, label=plan.label, debit_cents=abs(cents) if on_debit else 0,
                    credit_cents=0 if on_debit else abs(cents), structure_id=structure_id,
                    category=plan.category if debit_side else None)

    lines = [line(accounts.STRUCTURES, a.amount_cents, a.structure.id, True)
             for a in plan.allocations if a.amount_cents]
    if plan.paid_by is not None:
        lines.append(line(accounts.STRUCTURES, plan.amount_cents, plan.paid_by.id, False))
    else:
        lines.append(line(accounts.RECHARGED_COSTS, plan.amount_cents, None, False))
    return lines
