"""Use cases for quota rules: how much a structure (all its people together) may book.

Admins write the rules; everyone may read the rules that apply to their own structures, so they know
what they may still book. Counting usage against a rule is the booking service's business.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain.quota_windows import MAX_ROLLING_DAYS, UNITS, WINDOWS
from mutualise.models import QuotaRule, Resource, ResourceKind, Site, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound

MAX_LIMIT = 100_000
MAX_OPEN_FUTURE = 10_000
MAX_RESOURCES = 200
# A rule targets at most one of these; none of them means every resource.
TARGET_FIELDS = ("resource_ids", "kind", "site_id")


@dataclass
class QuotaRuleInput:
    """Fields to create or change; UNSET ones are left as they are (on creation: unit "hours", window
    "week", active). `structure_id` None: every structure, each on its own."""

    name: Any = UNSET
    structure_id: Any = UNSET
    resource_ids: Any = UNSET
    kind: Any = UNSET
    site_id: Any = UNSET
    unit: Any = UNSET
    window: Any = UNSET
    rolling_days: Any = UNSET
    limit: Any = UNSET
    max_open_future: Any = UNSET
    active: Any = UNSET


def _query():
    return select(QuotaRule).options(selectinload(QuotaRule.resources), selectinload(QuotaRule.structure),
                                     selectinload(QuotaRule.site))


def list_quota_rules(session: Session, actor: User, *, structure_id: int | None = None,
                     active: bool | None = None) -> list[QuotaRule]:
    """Rules, those for every structure first, then by structure, then by creation.

    Admins and network readers see them all; others see those applying to their structures (their own
    structures' rules and the rules for every structure). With `structure_id`: the rules applying to that
    structure, which must be visible to the actor (NotFound otherwise).
    """
    query = _query().outerjoin(Structure, QuotaRule.structure_id == Structure.id).order_by(
        QuotaRule.structure_id.is_not(None), Structure.name, QuotaRule.id)
    if structure_id is not None:
        structure = session.get(Structure, structure_id) if checks.valid_id(structure_id) else None
        permissions.visible_structure(actor, structure)
        query = query.where(or_(QuotaRule.structure_id.is_(None), QuotaRule.structure_id == structure_id))
    elif not permissions.is_network_reader(actor):
        query = query.where(or_(QuotaRule.structure_id.is_(None),
                                QuotaRule.structure_id.in_(permissions.structure_ids_of(actor))))
    if active is not None:
        query = query.where(QuotaRule.active.is_(active))
    return list(session.scalars(query))


def get_quota_rule(session: Session, actor: User, rule_id: int) -> QuotaRule:
    """One rule, if it applies to one of the actor's structures (or the actor reads the whole network);
    NotFound otherwise, so other structures' rules are not revealed."""
    rule = session.get(QuotaRule, rule_id) if checks.valid_id(rule_id) else None
    if rule is None:
        raise NotFound()
    if rule.structure_id is not None and not permissions.is_network_reader(actor) \
            and rule.structure_id not in permissions.structure_ids_of(actor):
        raise NotFound()
    return rule


def create_quota_rule(session: Session, actor: User, now: datetime, data: QuotaRuleInput) -> QuotaRule:
    """An admin adds a rule: a limit per window, a cap on open future bookings, or both."""
    permissions.require_admin(actor)
    rule = QuotaRule(created_at=now, unit="hours", window="week", active=True, resources=[])
    _apply(session, rule, data)
    session.add(rule)
    session.flush()
    return rule


def update_quota_rule(session: Session, actor: User, rule_id: int, data: QuotaRuleInput) -> QuotaRule:
    """An admin changes a rule; fields left UNSET stay as they are. Changing the target to another kind
    of target means clearing the current one in the same command (e.g. kind=None, site_id=3)."""
    rule = get_quota_rule(session, actor, rule_id)
    permissions.require_admin(actor)
    _apply(session, rule, data)
    session.flush()
    return rule


def delete_quota_rule(session: Session, actor: User, rule_id: int) -> None:
    """An admin removes a rule; bookings already made stay."""
    rule = get_quota_rule(session, actor, rule_id)
    permissions.require_admin(actor)
    session.delete(rule)
    session.flush()


def _apply(session: Session, rule: QuotaRule, data: QuotaRuleInput) -> None:
    errors = FieldErrors()
    given = {f.name: getattr(data, f.name) for f in fields(data) if checks.given(getattr(data, f.name))}
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = checks.text(errors, "name", given["name"], max_len=QuotaRule.NAME_MAX,
                                     required=False)
    if "structure_id" in given:
        values["structure_id"] = _structure_id(session, errors, given["structure_id"], rule)
    resources = _resources(session, errors, given["resource_ids"]) if "resource_ids" in given else None
    if "kind" in given:
        values["kind"] = checks.choice(errors, "kind", given["kind"], [str(k) for k in ResourceKind],
                                       required=False)
    if "site_id" in given:
        values["site_id"] = _site_id(session, errors, given["site_id"])
    if "unit" in given:
        values["unit"] = checks.choice(errors, "unit", given["unit"], UNITS)
    if "window" in given:
        values["window"] = checks.choice(errors, "window", given["window"], WINDOWS)
    if "rolling_days" in given:
        values["rolling_days"] = checks.integer(errors, "rolling_days", given["rolling_days"], minimum=1,
                                                maximum=MAX_ROLLING_DAYS, required=False)
    if "limit" in given:
        values["limit"] = checks.integer(errors, "limit", given["limit"], minimum=0, maximum=MAX_LIMIT,
                                         required=False)
    if "max_open_future" in given:
        values["max_open_future"] = checks.integer(errors, "max_open_future", given["max_open_future"],
                                                   minimum=0, maximum=MAX_OPEN_FUTURE, required=False)
    if "active" in given:
        values["active"] = checks.boolean(errors, "active", given["active"])
    _check_single_target(errors, rule, given, values, resources)
    _check_rolling_days(errors, rule, given, values)
    _check_some_limit(errors, rule, values)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(rule, name, value)
    if resources is not None:
        rule.resources = resources


def _structure_id(session: Session, errors: FieldErrors, value: Any, rule: QuotaRule) -> int | None:
    if value is None or value == "":
        return None
    structure = session.get(Structure, value) if checks.valid_id(value) else None
    if structure is None:
        errors.add("structure_id", _l("No such structure."))
    elif not structure.active and value != rule.structure_id:
        errors.add("structure_id", _l("This structure is archived."))
    return value


def _resources(session: Session, errors: FieldErrors, value: Any) -> list[Resource] | None:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_RESOURCES:
        errors.add("resource_ids", _l("Must be a list of at most %(max)d resources.", max=MAX_RESOURCES))
        return None
    if not all(checks.valid_id(v) for v in value):
        errors.add("resource_ids", _l("Unknown resource."))
        return None
    ids = list(dict.fromkeys(value))
    found = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)))} if ids else {}
    if len(found) != len(ids):
        errors.add("resource_ids", _l("Unknown resource."))
        return None
    return [found[i] for i in ids]


def _site_id(session: Session, errors: FieldErrors, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if not checks.valid_id(value) or session.get(Site, value) is None:
        errors.add("site_id", _l("No such site."))
        return None
    return value


def _check_single_target(errors: FieldErrors, rule: QuotaRule, given: dict[str, Any], values: dict[str, Any],
                         resources: list[Resource] | None) -> None:
    if any(name in errors for name in TARGET_FIELDS):
        return
    targets = {
        "resource_ids": bool(resources if resources is not None else rule.resources),
        "kind": values.get("kind", rule.kind) is not None,
        "site_id": values.get("site_id", rule.site_id) is not None,
    }
    chosen = [name for name in TARGET_FIELDS if targets[name]]
    if len(chosen) < 2:
        return
    # Blame a target this command set (after the first one): the message sits where the conflict came from.
    blamed = next((name for name in chosen[1:] if name in given), chosen[1])
    errors.add(blamed, _l("Choose one target only: some resources, a kind or a site."))


def _check_rolling_days(errors: FieldErrors, rule: QuotaRule, given: dict[str, Any],
                        values: dict[str, Any]) -> None:
    if "window" in errors or "rolling_days" in errors:
        return
    window = values.get("window", rule.window)
    if window == "rolling":
        if values.get("rolling_days", rule.rolling_days) is None:
            errors.add("rolling_days", _l("Give the length of the rolling window in days."))
    elif "rolling_days" in given and values["rolling_days"] is not None:
        errors.add("rolling_days", _l("Only for a rolling window."))
    else:
        values["rolling_days"] = None  # a rule that stops rolling drops its length


def _check_some_limit(errors: FieldErrors, rule: QuotaRule, values: dict[str, Any]) -> None:
    if "limit" in errors or "max_open_future" in errors:
        return
    limit = values.get("limit", rule.limit)
    if limit is None and values.get("max_open_future", rule.max_open_future) is None:
        errors.add("limit", _l("Give a limit, a maximum of future bookings, or both."))


# Plain-language descriptions, translated when called (the reader's language).

def describe_target(rule: QuotaRule) -> str:
    """What the rule counts: "Salle Jaurès", "Salle A, Salle B", "every vehicle", "every resource of
    Maison des associations" or "every resource"."""
    if rule.resources:
        return ", ".join(resource.name for resource in rule.resources)
    if rule.kind == ResourceKind.ROOM:
        return _("every room")
    if rule.kind == ResourceKind.VEHICLE:
        return _("every vehicle")
    if rule.kind == ResourceKind.EQUIPMENT:
        return _("every piece of equipment")
    if rule.site is not None:
        return _("every resource of %(site)s", site=rule.site.name)
    return _("every resource")


def _amount(rule: QuotaRule) -> str:
    if rule.unit == "bookings":
        return ngettext("%(num)d booking", "%(num)d bookings", rule.limit)
    return _("%(hours)d h", hours=rule.limit)


def _period(rule: QuotaRule) -> str:
    periods = {"day": _("per day"), "week": _("per week"), "month": _("per month"), "year": _("per year")}
    if rule.window == "rolling":
        return ngettext("over %(num)d rolling day", "over %(num)d rolling days", rule.rolling_days or 0)
    return periods.get(rule.window, "")


def describe_rule(rule: QuotaRule) -> str:
    """The rule in one line, e.g. "10 h per week on Salle Jaurès, for every structure" or "at most 3
    upcoming bookings at once on every vehicle, for Régie de quartier"."""
    parts = []
    if rule.limit is not None:
        parts.append(_("%(amount)s %(period)s", amount=_amount(rule), period=_period(rule)))
    if rule.max_open_future is not None:
        parts.append(ngettext("at most %(num)d upcoming booking at once",
                              "at most %(num)d upcoming bookings at once", rule.max_open_future))
    if len(parts) == 2:
        limits = _("%(first)s and %(second)s", first=parts[0], second=parts[1])
    else:
        limits = parts[0] if parts else ""  # the database requires a limit; this only guards a bad row
    who = rule.structure.name if rule.structure is not None else _("every structure")
    return _("%(limits)s on %(target)s, for %(who)s", limits=limits, target=describe_target(rule), who=who)
