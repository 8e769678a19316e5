"""Allocation keys (clés de répartition): who shares a charge, and in which proportions.

A key is voted (by the general assembly, a board...) and versioned: each version names its participants
and their weights from `valid_from` on, and is never changed afterwards; a new vote is a new version.
Treasurers write keys; ledger readers (treasurers, auditors, admins) read them. The charges service asks
`version_at` which version applies on a charge's date and `key_weights` what each participant weighs.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import LazyString, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mutualise.models import (
    USAGE_METHODS,
    AllocationKey,
    AllocationKeyVersion,
    AllocationWeight,
    KeyMethod,
    Resource,
    Structure,
    User,
)
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound
from mutualise.services.journal import lock_ledger
from mutualise.services.settings import network_zone

METHODS = tuple(str(method) for method in KeyMethod)
WEIGHTED_METHODS = (KeyMethod.WEIGHTS.value, KeyMethod.PERCENT.value)
FULL_SHARE_BP = 10_000  # 100 % in basis points
MAX_PARTICIPANTS = 1_000
MAX_RESOURCES = 500
MAX_WEIGHT = 1_000_000_000  # as typed (m², people, shares...); stored in thousandths
# A typed weight: digits, optionally a decimal point or comma (French) and more digits.
_WEIGHT_TEXT = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
# Fields a new version may not change: they belong to the key itself.
_KEY_FIELDS = ("name", "method", "resource_ids")


@dataclass
class KeyInput:
    """A new key, or (structure_ids, weights, valid_from, decision_ref) a new version of one.

    `structure_ids`: who takes part in an equal or usage key (UNSET or None: every active structure).
    `weights`: [{structure_id, weight}] for "weights" keys (a positive number with at most 3 decimals:
    int, Decimal or text such as "45.5") and "percent" keys (whole basis points summing to 10000).
    `resource_ids`: the resources a usage key counts (none: every resource). `valid_from`: a date
    (default: today in the network's time zone)."""

    name: Any = UNSET
    method: Any = UNSET
    structure_ids: Any = UNSET
    weights: Any = UNSET
    resource_ids: Any = UNSET
    valid_from: Any = UNSET
    decision_ref: Any = UNSET


def _lazy(render) -> LazyString:
    """A message rendered when shown, so numbers and dates follow the reader's language."""
    return LazyString(render)


def _query():
    return select(AllocationKey).options(
        selectinload(AllocationKey.versions).selectinload(AllocationKeyVersion.weights),
        selectinload(AllocationKey.resources))


def list_keys(session: Session, actor: User, active: bool | None = None) -> list[AllocationKey]:
    """Every key (or only active or archived ones), by name, with their versions; ledger readers only."""
    permissions.require_ledger_reader(actor)
    query = _query().order_by(AllocationKey.name, AllocationKey.id)
    if active is not None:
        query = query.where(AllocationKey.active.is_(active))
    return list(session.scalars(query))


def get_key(session: Session, actor: User, key_id: int) -> AllocationKey:
    """One key with its versions; Forbidden for anyone but ledger readers, NotFound for an unknown id."""
    permissions.require_ledger_reader(actor)
    key = session.scalar(_query().where(AllocationKey.id == key_id)) if checks.valid_id(key_id) else None
    if key is None:
        raise NotFound()
    return key


def create_key(session: Session, actor: User, now: datetime, data: KeyInput) -> AllocationKey:
    """A treasurer adds a key and its first version (number 1)."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    errors = FieldErrors()
    name = checks.text(errors, "name", data.name or None, max_len=AllocationKey.NAME_MAX)
    if name is not None and _name_taken(session, name):
        errors.add("name", _l("Another key is already called %(name)s.", name=name))
    method = checks.choice(errors, "method", data.method or None, METHODS)
    resources = _resources(session, errors, method, data.resource_ids)
    participants = _participants(session, errors, method, data) if method is not None else None
    valid_from = _valid_from(session, errors, now, data.valid_from)
    decision_ref = _decision_ref(errors, data.decision_ref)
    errors.raise_if_any()
    key = AllocationKey(name=name, method=method, active=True, created_at=now, resources=resources or [])
    session.add(key)
    session.flush()
    _add_version(session, actor, now, key, 1, participants, valid_from, decision_ref)
    return key


def add_key_version(session: Session, actor: User, now: datetime, key_id: int,
                    data: KeyInput) -> AllocationKeyVersion:
    """A treasurer records a new vote on a key: its participants and weights from `valid_from` on, which
    must come after the latest version's. Earlier versions stay as they were, for the charges that used
    them. The key's name, method and resources are not part of a version."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    key = get_key(session, actor, key_id)
    errors = FieldErrors()
    for field in _KEY_FIELDS:
        if checks.given(getattr(data, field)):
            errors.add(field, _l("Not part of a version: it belongs to the key itself."))
    participants = _participants(session, errors, key.method, data)
    valid_from = _valid_from(session, errors, now, data.valid_from)
    latest = key.versions[-1] if key.versions else None
    if valid_from is not None and latest is not None and valid_from <= latest.valid_from:
        starts, number = latest.valid_from, latest.number
        errors.add("valid_from", _lazy(lambda: _("Must be after %(date)s, when version %(number)d starts.",
                                                 date=format_date(starts), number=number)))
    decision_ref = _decision_ref(errors, data.decision_ref)
    errors.raise_if_any()
    number = max((version.number for version in key.versions), default=0) + 1
    return _add_version(session, actor, now, key, number, participants, valid_from, decision_ref)


def set_key_active(session: Session, actor: User, now: datetime, key_id: int, active: bool) -> AllocationKey:
    """A treasurer archives a key (no new charge may use it) or brings it back; its versions stay."""
    permissions.require_treasurer(actor)
    lock_ledger(session)
    key = get_key(session, actor, key_id)
    errors = FieldErrors()
    value = checks.boolean(errors, "active", active)
    errors.raise_if_any()
    key.active = bool(value)
    session.flush()
    return key


def shown_weight(method: str, weight: int) -> int | Decimal | None:
    """A stored weight as the treasurer typed it: basis points for percent keys, the number (45.5) for
    weights keys, None for equal and usage keys (their participants all weigh alike)."""
    if method == KeyMethod.PERCENT:
        return weight
    if method == KeyMethod.WEIGHTS:
        return (Decimal(weight) / 1000).normalize() if weight % 1000 else Decimal(weight // 1000)
    return None


# Checks and writes

def _add_version(session: Session, actor: User, now: datetime, key: AllocationKey, number: int,
                 participants: dict[int, int], valid_from: date, decision_ref: str | None
                 ) -> AllocationKeyVersion:
    version = AllocationKeyVersion(key_id=key.id, number=number, valid_from=valid_from,
                                   decision_ref=decision_ref, created_by_id=actor.id, created_at=now)
    session.add(version)
    session.flush()
    session.add_all(AllocationWeight(version_id=version.id, structure_id=structure_id, weight=weight)
                    for structure_id, weight in participants.items())
    session.flush()
    session.expire(key, ["versions"])
    session.expire(version, ["weights"])
    return version


def _name_taken(session: Session, name: str) -> bool:
    wanted = checks.name_key(name)
    return any(checks.name_key(other) == wanted for other in session.scalars(select(AllocationKey.name)))


def _valid_from(session: Session, errors: FieldErrors, now: datetime, value: Any) -> date | None:
    if not checks.given(value) or value is None:
        return now.astimezone(network_zone(session)).date()
    return checks.day(errors, "valid_from", value)


def _decision_ref(errors: FieldErrors, value: Any) -> str | None:
    if not checks.given(value):
        return None
    return checks.text(errors, "decision_ref", value, max_len=AllocationKeyVersion.DECISION_MAX,
                       required=False)


def _resources(session: Session, errors: FieldErrors, method: str | None,
               value: Any) -> list[Resource] | None:
    if not checks.given(value) or value is None or value == []:
        return []
    if method is not None and method not in USAGE_METHODS:
        errors.add("resource_ids", _l("Only for usage keys (hours or kilometres)."))
        return None
    if not isinstance(value, list | tuple) or len(value) > MAX_RESOURCES:
        errors.add("resource_ids", _l("Must be a list of at most %(max)d resources.", max=MAX_RESOURCES))
        return None
    if not all(checks.valid_id(v) for v in value):
        errors.add("resource_ids", _l("Resources are given by their ids (whole numbers)."))
        return None
    ids = list(dict.fromkeys(value))
    found = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)))}
    missing = [v for v in ids if v not in found]
    if missing:
        errors.add("resource_ids", _l("Unknown resource: %(id)d.", id=missing[0]))
        return None
    return [found[i] for i in ids]


def _participants(session: Session, errors: FieldErrors, method: str,
                  data: KeyInput) -> dict[int, int] | None:
    """{structure_id: stored weight} of a version, or None after adding errors."""
    if method not in WEIGHTED_METHODS:
        if checks.given(data.weights) and data.weights not in (None, []):
            errors.add("weights", _l("Only for keys by weights or by percent; the participants of this key "
                                     "weigh alike."))
            return None
        ids = data.structure_ids
        if not checks.given(ids) or ids is None:
            ids = list(session.scalars(select(Structure.id).where(Structure.active.is_(True))
                                       .order_by(Structure.name)))
            if not ids:
                errors.add("structure_ids", _l("There is no active structure to take part."))
                return None
        if _structures(session, errors, "structure_ids", ids) is None:
            return None
        return dict.fromkeys(ids, 1)
    entries = _weight_entries(errors, data.weights)
    if entries is None:
        return None
    ids = [structure_id for structure_id, _ in entries]
    if _structures(session, errors, "weights", ids) is None:
        return None
    named = data.structure_ids
    if checks.given(named) and named is not None and not _same_ids(named, ids):
        errors.add("structure_ids", _l("Must name the same structures as weights (or be left out)."))
        return None
    parse = _basis_points if method == KeyMethod.PERCENT else _thousandths
    weights = {structure_id: parse(errors, raw) for structure_id, raw in entries}
    if any(weight is None for weight in weights.values()):
        return None
    if method == KeyMethod.PERCENT and (total := sum(weights.values())) != FULL_SHARE_BP:
        errors.add("weights", _lazy(lambda: _(
            "The shares add up to %(sum)s %%, not 100 %%.",
            sum=format_decimal(Decimal(total) / 100, format="#,##0.00"))))
        return None
    return weights


def _same_ids(named: Any, ids: list[int]) -> bool:
    return isinstance(named, list | tuple) and all(checks.valid_id(i) for i in named) \
        and sorted(named) == sorted(ids)


def _weight_entries(errors: FieldErrors, value: Any) -> list[tuple[Any, Any]] | None:
    if not checks.given(value) or value is None:
        errors.add("weights", _l("Give each structure's weight."))
        return None
    if not isinstance(value, list | tuple) or len(value) > MAX_PARTICIPANTS:
        errors.add("weights", _l("Must be a list of at most %(max)d structures.", max=MAX_PARTICIPANTS))
        return None
    if not value:
        errors.add("weights", _l("A key needs at least one structure."))
        return None
    if not all(isinstance(entry, dict) and set(entry) == {"structure_id", "weight"} for entry in value):
        errors.add("weights", _l("Each entry needs a structure_id and a weight, and nothing else."))
        return None
    return [(entry["structure_id"], entry["weight"]) for entry in value]


def _structures(session: Session, errors: FieldErrors, field: str, ids: Any) -> list[Structure] | None:
    """The structures named by `ids`, each active and named once."""
    if not isinstance(ids, list | tuple) or len(ids) > MAX_PARTICIPANTS:
        errors.add(field, _l("Must be a list of at most %(max)d structures.", max=MAX_PARTICIPANTS))
        return None
    if not ids:
        errors.add(field, _l("A key needs at least one structure."))
        return None
    wanted = [i for i in ids if checks.valid_id(i)]
    found = {s.id: s for s in session.scalars(select(Structure).where(Structure.id.in_(wanted)))} \
        if wanted else {}
    seen: set[int] = set()
    for structure_id in ids:
        if not checks.valid_id(structure_id):
            errors.add(field, _l("Structures are given by their ids (whole numbers)."))
            continue
        structure = found.get(structure_id)
        if structure is None:
            errors.add(field, _l("Unknown structure: %(id)d.", id=structure_id))
        elif not structure.active:
            errors.add(field, _l("%(name)s is archived and cannot take part.", name=structure.name))
        elif structure_id in seen:
            errors.add(field, _l("%(name)s is listed twice.", name=structure.name))
        seen.add(structure_id)
    return None if field in errors else [found[i] for i in ids]


def _basis_points(errors: FieldErrors, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("weights", _l("Each share is a whole number of basis points, e.g. %(example)d for 25 %%.",
                                 example=2500))
        return None
    if value <= 0:
        errors.add("weights", _l("Each weight must be more than zero."))
        return None
    if value > FULL_SHARE_BP:
        errors.add("weights", _l("A share cannot be more than %(max)d basis points (100 %%).",
                                 max=FULL_SHARE_BP))
        return None
    return value


def _thousandths(errors: FieldErrors, value: Any) -> int | None:
    """A typed weight (int, Decimal or text; "45,5" too) in thousandths: 45.5 -> 45500."""
    number = None
    if isinstance(value, str) and _WEIGHT_TEXT.fullmatch(value.strip()):
        number = Decimal(value.strip().replace(",", "."))
    elif isinstance(value, int) and not isinstance(value, bool) or isinstance(value, Decimal):
        number = Decimal(value)
    if number is None or not number.is_finite():
        errors.add("weights", _l("Each weight must be a number such as 45.5."))
        return None
    if number <= 0:
        errors.add("weights", _l("Each weight must be more than zero."))
        return None
    if number > MAX_WEIGHT:
        errors.add("weights", _l("Each weight must be at most %(max)d.", max=MAX_WEIGHT))
        return None
    _, digits, exponent = number.as_tuple()
    # trailing zeros do not count as decimals: 45.5000 is 45.5
    while exponent < -3 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if exponent < -3:
        errors.add("weights", _l("Each weight has at most 3 decimals."))
        return None
    return int(number.scaleb(3))
