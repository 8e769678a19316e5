"""Many charges at once, all or nothing: a month's charges imported from the treasurer's spreadsheet.

Each charge meets the same rules as one posted alone (services/charge_plans and charges: the same
checks, the same exact split seeded by its rank, one journal entry each, PeriodClosed for a closed
month); they are posted in one transaction under one ledger lock, so either all are posted or none is.
Charges sharing a key version and the dates they cover are split on weights read once (200 charges of a
month: 50 sums of 50,000 bookings become one), and key versions, names and periods are looked up once.
On SQLite the write lock keeps bookings still for the whole batch, so nothing can differ; on PostgreSQL
a booking another request changes meanwhile is counted as it was when the first charge of that key was
split, as if the batch had been posted a moment earlier. Nothing is kept beyond the call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualise.models import Charge, Period, User
from mutualise.services import permissions
from mutualise.services.charge_plans import (
    ChargeInput,
    ChargePlan,
    PlanReads,
    next_charge_rank,
    plan_charge,
    with_structures,
)
from mutualise.services.charges import post_plan
from mutualise.services.errors import ValidationError
from mutualise.services.journal import lock_ledger

MAX_CHARGES = 1_000


def preview_charges(session: Session, actor: User, now: datetime,
                    inputs: list[ChargeInput]) -> list[ChargePlan]:
    """The split each charge would get, in the order given; nothing is written. ValidationError naming
    every refused field as "charges.<index>.<field>" (index from 0)."""
    permissions.require_treasurer(actor)
    plans = _plans(session, inputs)
    with_structures(session, plans)
    return plans


def post_charges(session: Session, actor: User, now: datetime, inputs: list[ChargeInput]) -> list[Charge]:
    """Post every charge, in the order given, or none: ValidationError as in `preview_charges`;
    PeriodClosed when one falls in a closed period (the caller rolls the others back)."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    plans = _plans(session, inputs)  # every charge is checked before anything is written
    periods: dict[str, Period] = {}
    ids = [post_plan(session, actor, now, plan, periods) for plan in plans]
    found = {charge.id: charge for charge in session.scalars(select(Charge).where(Charge.id.in_(ids)))}
    return [found[charge_id] for charge_id in ids]


def _plans(session: Session, inputs: list[ChargeInput]) -> list[ChargePlan]:
    if not inputs:
        raise ValidationError({"charges": _l("There is no charge to post.")})
    if len(inputs) > MAX_CHARGES:
        raise ValidationError({"charges": _l("At most %(max)d charges at once.", max=MAX_CHARGES)})
    seed, reads = next_charge_rank(session), PlanReads()
    plans, fields = [], {}
    for index, data in enumerate(inputs):
        try:
            plans.append(plan_charge(session, data, seed=seed + index, reads=reads))
        except ValidationError as error:
            fields.update(_prefixed(index, error.fields))
    if fields:
        raise ValidationError(fields)
    return plans


def _prefixed(index: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {f"charges.{index}.{name}": message for name, message in fields.items()}
