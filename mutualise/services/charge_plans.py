"""Planning a charge: its input checked and its amount split, before anything is written.

Shared by the charge posted alone (services/charges) and the month's charges posted at once
(services/charge_batches), so both meet the same rules. A plan explains each structure's quote-part with
what it was computed from (`basis`: per part, the structure's weight and the total).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualise.domain import accounts
from mutualise.domain.allocation import BASIS_POINTS, AllocationError, Part, allocate
from mutualise.models import AllocationKeyVersion, Charge, Structure
from mutualise.services import checks, key_weights
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors
from mutualise.services.settings import network_zone

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
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum(self.weights.values())

    @property
    def explained(self) -> dict[str, Any]:
        """What every structure's basis says of this part, before its own weight and the total."""
        return {"key_id": self.key_version.key_id, "key_name": self.key_version.key.name,
                "method": self.key_version.key.method, "version": self.key_version.number,
                "share_bp": self.share_bp}


@dataclass(slots=True)  # 20,000 of them in a month's charges
class PlannedAllocation:
    structure_id: int
    amount_cents: int
    rounding_cents: int
    exact: Fraction
    parts: list[PlannedPart]
    structure: Structure | None = None  # the preview shows names; posting needs only the id

    @property
    def basis(self) -> list[dict[str, Any]]:
        """What explains the quote-part, as stored with the allocation."""
        return [{**part.explained, "weight": part.weights.get(self.structure_id, 0), "total": part.total}
                for part in self.parts]


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

    def basis_json(self) -> dict[int, str]:
        """Each allocation's basis as JSON text, by structure id: the same text json.dumps writes, with
        what the parts share encoded once (a month of 200 charges and 100 structures: 20,000 of them)."""
        heads = [json.dumps(part.explained)[:-1] for part in self.parts]
        return {a.structure_id: "[" + ", ".join(
            f'{head}, "weight": {part.weights.get(a.structure_id, 0)}, "total": {part.total}}}'
            for head, part in zip(heads, self.parts, strict=True)) + "]" for a in self.allocations}


@dataclass
class PlanReads:
    """What charges planned together in one transaction read once: the key version in force by (key,
    day), the weights of a version over the dates covered, the structures' names. Made for one call and
    dropped with it, never kept across transactions (services/charge_batches)."""

    versions: dict[tuple[Any, date], AllocationKeyVersion] = field(default_factory=dict)
    weights: dict[tuple[int, date, date], dict[int, int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def with_structures(session: Session, plans: list[ChargePlan]) -> None:
    """Give the plans' allocations their structures, for a preview that shows them (one query)."""
    ids = {a.structure_id for plan in plans for a in plan.allocations}
    structures = {s.id: s for s in session.scalars(select(Structure).where(Structure.id.in_(ids)))}
    for plan in plans:
        for allocation in plan.allocations:
            allocation.structure = structures[allocation.structure_id]


def next_charge_rank(session: Session) -> int:
    """The rank of the next charge posted, which seeds its rounding."""
    # Charges are never deleted, so their count is the next charge's rank: seeding the rounding with it
    # rotates the rounding cent from one charge to the next (the preview uses the same seed).
    return (session.scalar(select(func.count()).select_from(Charge)) or 0) + 1


def plan_charge(session: Session, data: ChargeInput, seed: int, reads: PlanReads | None = None) -> ChargePlan:
    """Check a charge's input and split its amount, seeded by the charge's rank (`next_charge_rank`);
    ValidationError on the fields refused. `reads`: what charges planned in the same call share."""
    reads = reads if reads is not None else PlanReads()
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
        version = reads.versions.get((key_id, day))
        if version is None:
            version = reads.versions[(key_id, day)] = key_weights.version_at(session, key_id, day,
                                                                             field=field_name)
        weights = reads.weights.get((version.id, covers_from, covers_until))
        if weights is None:
            weights = reads.weights[(version.id, covers_from, covers_until)] = key_weights.key_weights(
                session, version, covers_from, covers_until, zone)
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
    plan.allocations = [PlannedAllocation(share.structure_id, share.cents, share.rounding_cents, share.exact,
                                          parts) for share in shares_out]
    # by name, as the treasurer reads them (plain rows: the names are all that is needed)
    missing = [share.structure_id for share in shares_out if share.structure_id not in reads.names]
    if missing:
        reads.names.update(session.execute(select(Structure.id, Structure.name)
                                           .where(Structure.id.in_(missing))).all())
    plan.allocations.sort(key=lambda a: reads.names[a.structure_id].casefold())
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
