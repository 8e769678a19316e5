"""How much of its quotas a structure has used, and whether new bookings still fit (invariant 2).

Usage is counted per structure across all its people; pending bookings count, cancelled and rejected
ones do not. A booking across a window's edge counts only its part inside (hours). Checks run after the
locks of services/locks.py, inside the booking's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, bindparam, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from mutualise.domain.quota_windows import limit_amount, used_amount, window_at, windows_touching
from mutualise.models import (
    ACTIVE_STATUSES,
    Booking,
    QuotaRule,
    Resource,
    Structure,
    User,
    quota_rule_resources,
)
from mutualise.services.errors import NotFound, QuotaExceeded, ValidationError
from mutualise.services.quota_rules import describe_rule
from mutualise.services.resources import get_resource
from mutualise.services.settings import network_zone
from mutualise.services.structures import get_structure

# Built once: every booking request runs it.
_RULES_OF_STRUCTURE = (
    select(QuotaRule).options(selectinload(QuotaRule.resources))
    .where(QuotaRule.active.is_(True),
           or_(QuotaRule.structure_id.is_(None), QuotaRule.structure_id == bindparam("structure_id")))
    .order_by(QuotaRule.id))


def applicable_rules(session: Session, structure_id: int,
                     resource: Resource | None = None) -> list[QuotaRule]:
    """Active rules for this structure (its own and those for every structure), optionally only those
    whose target includes `resource`."""
    rules = session.scalars(_RULES_OF_STRUCTURE, {"structure_id": structure_id})
    return [rule for rule in rules if resource is None or targets(rule, resource)]


def targets(rule: QuotaRule, resource: Resource) -> bool:
    if rule.resources:
        return any(r.id == resource.id for r in rule.resources)
    if rule.kind:
        return resource.kind == rule.kind
    if rule.site_id:
        return resource.site_id == rule.site_id
    return True


def _targeted(rule: QuotaRule) -> ColumnElement[bool]:
    """SQL condition on Booking for the rule's target."""
    if rule.resources:
        return Booking.resource_id.in_(select(quota_rule_resources.c.resource_id)
                                       .where(quota_rule_resources.c.quota_rule_id == rule.id))
    if rule.kind:
        return Booking.resource_id.in_(select(Resource.id).where(Resource.kind == rule.kind))
    if rule.site_id:
        return Booking.resource_id.in_(select(Resource.id).where(Resource.site_id == rule.site_id))
    return true()


def _counted(session: Session, rule: QuotaRule, structure_id: int, start: datetime, end: datetime,
             exclude_ids: Iterable[int]) -> list[tuple[datetime, datetime]]:
    query = select(Booking.start_at, Booking.end_at).where(
        Booking.structure_id == structure_id, Booking.status.in_(ACTIVE_STATUSES), _targeted(rule),
        Booking.start_at < end, Booking.end_at > start)
    excluded = list(exclude_ids)
    if excluded:
        query = query.where(Booking.id.not_in(excluded))
    return [(row.start_at, row.end_at) for row in session.execute(query)]


def _open_future(session: Session, rule: QuotaRule, structure_id: int, now: datetime,
                 exclude_ids: Iterable[int]) -> int:
    """Active bookings of the structure on the rule's target that have not ended yet."""
    query = select(func.count()).select_from(Booking).where(
        Booking.structure_id == structure_id, Booking.status.in_(ACTIVE_STATUSES), _targeted(rule),
        Booking.end_at > now)
    excluded = list(exclude_ids)
    if excluded:
        query = query.where(Booking.id.not_in(excluded))
    return session.scalar(query)


def in_unit(unit: str, amount: int) -> int | Decimal:
    """An amount as the API shows it: hours (from minutes, to the hundredth) or bookings."""
    if unit == "hours":
        return (Decimal(amount) / 60).quantize(Decimal("0.01")).normalize()
    return amount


def check_quotas(session: Session, structure: Structure, resource: Resource,
                 slots: list[tuple[datetime, datetime]], now: datetime, tz: ZoneInfo,
                 exclude_ids: Iterable[int] = (),
                 rules: list[QuotaRule] | None = None) -> QuotaExceeded | None:
    """The first quota the new slots (taken together) would exceed, or None. `rules`: the applicable
    rules when the caller already has them (a series checked slot by slot reads them once)."""
    exclude_ids = list(exclude_ids)
    if rules is None:
        rules = applicable_rules(session, structure.id, resource)
    for rule in rules:
        refusal = _check_rule(session, rule, structure, slots, now, tz, exclude_ids)
        if refusal is not None:
            return refusal
    return None


def _check_rule(session, rule, structure, slots, now, tz, exclude_ids) -> QuotaExceeded | None:
    if rule.max_open_future is not None:
        upcoming = sum(1 for _, end in slots if end > now)
        used = _open_future(session, rule, structure.id, now, exclude_ids)
        if upcoming and used + upcoming > rule.max_open_future:
            return _refusal(rule, None, "bookings", used, rule.max_open_future, upcoming)
    if rule.limit is None or not slots:
        return None
    windows = sorted({w for start, end in slots
                      for w in windows_touching(rule.window, start, end, tz, rule.rolling_days)})
    existing = _counted(session, rule, structure.id, windows[0][0], windows[-1][1], exclude_ids)
    limit = limit_amount(rule.unit, rule.limit)
    for window_start, window_end in windows:
        used = used_amount(rule.unit, existing, window_start, window_end)
        requested = used_amount(rule.unit, slots, window_start, window_end)
        if requested and used + requested > limit:
            return _refusal(rule, (window_start, window_end), rule.unit, used, limit, requested)
    return None


def _refusal(rule: QuotaRule, window, unit: str, used: int, limit: int, requested: int) -> QuotaExceeded:
    details = {
        "rule": {"id": rule.id, "description": describe_rule(rule)},
        "window": {"start": window[0], "end": window[1]} if window else None,
        "unit": unit,
        "used": in_unit(unit, used),
        "limit": in_unit(unit, limit),
        "requested": in_unit(unit, requested),
    }
    if window is None:
        message = _l("Your structure already has %(used)s upcoming bookings of the %(limit)s allowed "
                     "(%(rule)s).", used=used, limit=limit, rule=details["rule"]["description"])
    else:
        message = _l("Quota exceeded (%(rule)s): from %(start)s to %(end)s your structure has used "
                     "%(used)s of %(limit)s %(unit)s and asks for %(requested)s more.",
                     rule=details["rule"]["description"], start=format_datetime(window[0], "short"),
                     end=format_datetime(window[1], "short"), used=details["used"], limit=details["limit"],
                     requested=details["requested"], unit=_UNIT_WORDS[unit])
    return QuotaExceeded(message, details)


_UNIT_WORDS = {"hours": _l("hours"), "bookings": _l("bookings")}


def quota_status(session: Session, structure: Structure, at: datetime, tz: ZoneInfo,
                 resource: Resource | None = None) -> list[dict]:
    """For each rule that applies to the structure (and to `resource` when given): the window holding
    `at`, used, limit and remaining in the rule's unit; and the open-future count where capped."""
    status = []
    for rule in applicable_rules(session, structure.id, resource):
        entry: dict = {"rule_id": rule.id, "rule": rule, "unit": rule.unit}
        if rule.limit is not None:
            start, end = window_at(rule.window, at, tz, rule.rolling_days)
            used = used_amount(rule.unit, _counted(session, rule, structure.id, start, end, ()), start, end)
            limit = limit_amount(rule.unit, rule.limit)
            entry.update(window_start=start, window_end=end, used=in_unit(rule.unit, used),
                         limit=in_unit(rule.unit, limit), remaining=in_unit(rule.unit, max(limit - used, 0)))
        else:
            entry.update(window_start=None, window_end=None, used=None, limit=None, remaining=None)
        if rule.max_open_future is not None:
            open_count = _open_future(session, rule, structure.id, at, ())
            entry.update(max_open_future=rule.max_open_future, open_future=open_count)
        status.append(entry)
    return status


def structure_quota_status(session: Session, actor: User, structure_id: int, at: datetime,
                           resource_id: int | None = None) -> list[dict]:
    """quota_status for a structure the actor may see (NotFound otherwise), in the network's time zone;
    an unknown `resource_id` is a wrong parameter (ValidationError), not a missing structure."""
    structure = get_structure(session, actor, structure_id)
    resource = None
    if resource_id is not None:
        try:
            resource = get_resource(session, actor, resource_id)
        except NotFound:
            raise ValidationError({"resource_id": _l("Unknown resource.")}) from None
    return quota_status(session, structure, at, network_zone(session), resource)
