"""Use cases for the pooled resources (rooms, vehicles, equipment), their booking rules and tariff."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain.opening_hours import OpeningHoursError, parse_opening_hours, to_json
from mutualise.models import RULE_FIELDS, TARIFF_FIELDS, Resource, ResourceKind, Site, User
from mutualise.models.resource import resource_referents
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound

ATTRIBUTE_KEY_MAX = 40
ATTRIBUTE_VALUE_MAX = 200
ATTRIBUTES_MAX = 30
MAX_DURATION_MINUTES = 366 * 24 * 60
MAX_STEP_MINUTES = 24 * 60
MAX_BUFFER_MINUTES = 7 * 24 * 60
MAX_ADVANCE_DAYS = 3650
MAX_TARIFF_CENTS = 10**9
REFERENTS_MAX = 50

RULE_KEYS = (*RULE_FIELDS, "opening_hours")
# Tariff keys as the API names them -> model columns (the tariff step has its own column).
TARIFF_COLUMNS = {name: ("tariff_step_minutes" if name == "step_minutes" else name) for name in TARIFF_FIELDS}

# Bounds per rule: (minimum, maximum, may be None).
_RULE_BOUNDS: dict[str, tuple[int, int, bool]] = {
    "min_duration_minutes": (1, MAX_DURATION_MINUTES, True),
    "max_duration_minutes": (1, MAX_DURATION_MINUTES, True),
    "step_minutes": (1, MAX_STEP_MINUTES, False),
    "buffer_minutes": (0, MAX_BUFFER_MINUTES, False),
    "min_notice_minutes": (0, MAX_DURATION_MINUTES, False),
    "max_advance_days": (1, MAX_ADVANCE_DAYS, True),
    "cancel_deadline_minutes": (0, MAX_DURATION_MINUTES, False),
}
_TARIFF_BOUNDS: dict[str, tuple[int, int, bool]] = {
    "hourly_cents": (0, MAX_TARIFF_CENTS, False),
    "step_minutes": (1, MAX_STEP_MINUTES, False),
    "daily_cap_cents": (0, MAX_TARIFF_CENTS, True),
    "per_km_cents": (0, MAX_TARIFF_CENTS, False),
    "booking_fee_cents": (0, MAX_TARIFF_CENTS, False),
    "late_cancel_fee_cents": (0, MAX_TARIFF_CENTS, False),
}

_OPENING_HOURS_MESSAGES = {
    "unknown_day": _l("Unknown day; write mon, tue, wed, thu, fri, sat or sun."),
    "day_range": _l("A range of days goes forward, e.g. mon-fri."),
    "duplicate_day": _l("A day appears twice."),
    "time_format": _l("Write times as 08:00 or 8h30."),
    "order": _l("Each period must end after it starts."),
    "unsorted": _l("Periods must be in order within a day."),
    "overlap": _l("Periods of the same day overlap."),
}


@dataclass
class ResourceInput:
    """Fields to create or change; UNSET ones are left as they are. `rules` and `tariff` are dicts with
    any of RULE_KEYS / TARIFF_FIELDS; keys left out of them are left as they are too."""

    kind: Any = UNSET
    name: Any = UNSET
    site_id: Any = UNSET
    description: Any = UNSET
    capacity: Any = UNSET
    quantity: Any = UNSET
    attributes: Any = UNSET
    colour: Any = UNSET
    requires_approval: Any = UNSET
    active: Any = UNSET
    referent_ids: Any = UNSET
    rules: Any = UNSET
    tariff: Any = UNSET


def list_resources(session: Session, actor: User, *, kind: str | None = None, site_id: int | None = None,
                   active: bool | None = None, search: str | None = None, min_capacity: int | None = None,
                   attribute: str | None = None) -> list[Resource]:
    """Resources by name. Members see active ones only; admins also see archived ones.

    `search` matches the name or description, `attribute` an attribute key that is set (e.g.
    "accessible") or a text value, both ignoring case.
    """
    # site and referents are shown with every resource: load them in two queries, not two per row
    query = _listed(select(Resource).options(selectinload(Resource.site), selectinload(Resource.referents)),
                    actor, kind=kind, site_id=site_id, active=active, min_capacity=min_capacity)
    resources = list(session.scalars(query))
    # Text matching is done here rather than in SQL: SQLite's lower() ignores accents' case and JSON
    # queries differ per database, while a network holds hundreds of resources at most.
    if search and search.strip():
        term = search.strip().casefold()
        resources = [r for r in resources
                     if term in r.name.casefold() or term in (r.description or "").casefold()]
    if attribute and attribute.strip():
        term = attribute.strip().casefold()
        resources = [r for r in resources if _has_attribute(r, term)]
    return sorted(resources, key=_by_name)


class PlanningResource(NamedTuple):
    """What the day planning shows of a resource, read as a plain row: the planning lists every resource
    of the network, and loading them as ORM objects with their JSON attributes, rules, tariff, site and
    referents was about a third of its time (issue 3)."""

    id: int
    name: str
    quantity: int
    opening_hours: dict[str, Any] | None
    referent: bool  # the actor is one of its referents, and so sees its bookings in full


def planning_resources(session: Session, actor: User, *, kind: str | None = None,
                       site_id: int | None = None) -> list[PlanningResource]:
    """The active resources the day planning shows, filtered and ordered as `list_resources` does."""
    referent = exists().where(resource_referents.c.resource_id == Resource.id,
                              resource_referents.c.user_id == actor.id)
    query = _listed(select(Resource.id, Resource.name, Resource.quantity, Resource.opening_hours,
                           referent.label("referent")),
                    actor, kind=kind, site_id=site_id, active=True)
    return sorted((PlanningResource(*row) for row in session.execute(query)), key=_by_name)


def _listed(query, actor: User, *, kind: str | None, site_id: int | None, active: bool | None,
            min_capacity: int | None = None):
    """The filters of every resource listing: members see active resources only."""
    if not actor.is_admin:
        query = query.where(Resource.active.is_(True))
    if active is not None:
        query = query.where(Resource.active.is_(active))
    if kind:
        query = query.where(Resource.kind == kind)
    if site_id:
        query = query.where(Resource.site_id == site_id)
    if min_capacity:
        query = query.where(Resource.capacity >= min_capacity)
    return query


def _by_name(resource) -> tuple[str, int]:
    return resource.name.casefold(), resource.id


def _has_attribute(resource: Resource, term: str) -> bool:
    for key, value in (resource.attributes or {}).items():
        # "accessible": false means the opposite of accessible, so a key matches only when it is set.
        if term in key.casefold() and value not in (False, 0, ""):
            return True
        if isinstance(value, str) and term in value.casefold():
            return True
    return False


def get_resource(session: Session, actor: User, resource_id: int) -> Resource:
    """One resource; an archived one is hidden (404) from everyone but admins."""
    resource = session.get(Resource, resource_id) if checks.valid_id(resource_id) else None
    if resource is None or not permissions.visible_to(actor, resource.active):
        raise NotFound()
    return resource


def create_resource(session: Session, actor: User, now: datetime, data: ResourceInput) -> Resource:
    """An admin adds a resource; only `kind` and `name` are needed, the rest has defaults (bookable by
    steps of 15 minutes, always open, free of charge)."""
    permissions.require_admin(actor)
    for required in ("kind", "name"):
        if not checks.given(getattr(data, required)):
            setattr(data, required, None)
    # Column defaults are applied only at flush; the checks below compare against these values.
    resource = Resource(
        created_at=now, quantity=1, attributes={}, requires_approval=False, active=True, step_minutes=15,
        buffer_minutes=0, min_notice_minutes=0, cancel_deadline_minutes=0, hourly_cents=0,
        tariff_step_minutes=60, per_km_cents=0, booking_fee_cents=0, late_cancel_fee_cents=0,
    )
    _apply(session, resource, data)
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: Session, actor: User, resource_id: int, data: ResourceInput) -> Resource:
    """An admin changes a resource, its rules, tariff and referents, or archives it (active=False)."""
    resource = get_resource(session, actor, resource_id)
    permissions.require_admin(actor)
    _apply(session, resource, data)
    session.flush()
    return resource


def _apply(session: Session, resource: Resource, data: ResourceInput) -> None:
    errors = FieldErrors()
    given = {f.name: getattr(data, f.name) for f in fields(data) if checks.given(getattr(data, f.name))}
    values: dict[str, Any] = {}
    if "kind" in given:
        values["kind"] = checks.choice(errors, "kind", given["kind"], [str(k) for k in ResourceKind])
    if "name" in given:
        values["name"] = checks.text(errors, "name", given["name"], max_len=Resource.NAME_MAX)
    if "site_id" in given:
        values["site_id"] = _site_id(session, errors, given["site_id"], resource)
    if "description" in given:
        values["description"] = checks.text(errors, "description", given["description"],
                                            max_len=Resource.DESCRIPTION_MAX, required=False)
    if "capacity" in given:
        values["capacity"] = checks.integer(errors, "capacity", given["capacity"], minimum=1,
                                            maximum=Resource.MAX_CAPACITY, required=False)
    if "quantity" in given:
        values["quantity"] = checks.integer(errors, "quantity", given["quantity"], minimum=1,
                                            maximum=Resource.MAX_QUANTITY)
    if "attributes" in given:
        values["attributes"] = _attributes(errors, given["attributes"])
    if "colour" in given:
        values["colour"] = checks.colour(errors, "colour", given["colour"])
    for flag in ("requires_approval", "active"):
        if flag in given:
            values[flag] = checks.boolean(errors, flag, given[flag])
    referents = _referents(session, errors, given["referent_ids"]) if "referent_ids" in given else None
    if "rules" in given:
        values.update(_rules(errors, given["rules"]))
    if "tariff" in given:
        values.update(_tariff(errors, given["tariff"]))
    _check_duration_bounds(errors, resource, values)
    _check_duplicate_name(session, errors, resource, values)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(resource, name, value)
    if referents is not None:
        resource.referents = referents


def _site_id(session: Session, errors: FieldErrors, value: Any, resource: Resource) -> int | None:
    if value is None or value == "":
        return None
    site_id = checks.integer(errors, "site_id", value, minimum=1)
    if site_id is None:
        return None
    site = session.get(Site, site_id)
    if site is None:
        errors.add("site_id", _l("No such site."))
    elif not site.active and site_id != resource.site_id:
        errors.add("site_id", _l("This site is archived."))
    return site_id


def _attributes(errors: FieldErrors, value: Any) -> dict[str, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("attributes", _l("Must be a set of names and values."))
        return None
    if len(value) > ATTRIBUTES_MAX:
        errors.add("attributes", _l("At most %(max)d attributes.", max=ATTRIBUTES_MAX))
        return None
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or len(key.strip()) > ATTRIBUTE_KEY_MAX:
            errors.add("attributes", _l("Attribute names have 1 to %(max)d characters.",
                                        max=ATTRIBUTE_KEY_MAX))
            return None
        if isinstance(item, str):
            item = item.strip()
            if len(item) > ATTRIBUTE_VALUE_MAX:
                errors.add("attributes", _l("Attribute values have at most %(max)d characters.",
                                            max=ATTRIBUTE_VALUE_MAX))
                return None
        elif not isinstance(item, bool | int) or isinstance(item, int) and abs(item) > MAX_TARIFF_CENTS:
            errors.add("attributes", _l("Attribute values are text, whole numbers, true or false."))
            return None
        if key.strip() in cleaned:
            errors.add("attributes", _l("An attribute name appears twice."))
            return None
        cleaned[key.strip()] = item
    return cleaned


def _referents(session: Session, errors: FieldErrors, value: Any) -> list[User] | None:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > REFERENTS_MAX \
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        errors.add("referent_ids", _l("Must be a list of people."))
        return None
    ids = list(dict.fromkeys(value))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    if any(i not in users or not users[i].active for i in ids):
        errors.add("referent_ids", _l("Referents must be active people of the network."))
        return None
    return [users[i] for i in ids]


def _unknown_keys(errors: FieldErrors, prefix: str, value: dict, known: tuple[str, ...]) -> None:
    for key in value:
        if key not in known:
            errors.add(f"{prefix}.{key}", _l("Unknown field."))


def _bounded(errors: FieldErrors, field: str, value: Any, bounds: tuple[int, int, bool]) -> int | None:
    minimum, maximum, optional = bounds
    return checks.integer(errors, field, value, minimum=minimum, maximum=maximum, required=not optional)


def _rules(errors: FieldErrors, rules: Any) -> dict[str, Any]:
    if not isinstance(rules, dict):
        errors.add("rules", _l("Must be a set of names and values."))
        return {}
    _unknown_keys(errors, "rules", rules, RULE_KEYS)
    values: dict[str, Any] = {}
    for name, bounds in _RULE_BOUNDS.items():
        if name in rules:
            values[name] = _bounded(errors, f"rules.{name}", rules[name], bounds)
    if "opening_hours" in rules:
        values["opening_hours"] = _opening_hours(errors, rules["opening_hours"])
    return values


def _opening_hours(errors: FieldErrors, value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, str | dict):
        errors.add("rules.opening_hours", _l("Write opening hours as text or as a set of days."))
        return None
    try:
        return to_json(parse_opening_hours(value))
    except OpeningHoursError as error:
        message = _OPENING_HOURS_MESSAGES.get(error.reason, _l("Write one line per group of days, e.g. "
                                                              "mon-fri 08:00-12:00, 14:00-18:00."))
        errors.add("rules.opening_hours", message)
        return None


def _tariff(errors: FieldErrors, tariff: Any) -> dict[str, Any]:
    if not isinstance(tariff, dict):
        errors.add("tariff", _l("Must be a set of names and values."))
        return {}
    _unknown_keys(errors, "tariff", tariff, TARIFF_FIELDS)
    return {TARIFF_COLUMNS[name]: _bounded(errors, f"tariff.{name}", tariff[name], bounds)
            for name, bounds in _TARIFF_BOUNDS.items() if name in tariff}


def _check_duration_bounds(errors: FieldErrors, resource: Resource, values: dict[str, Any]) -> None:
    if "rules.min_duration_minutes" in errors or "rules.max_duration_minutes" in errors:
        return
    low = values.get("min_duration_minutes", resource.min_duration_minutes)
    high = values.get("max_duration_minutes", resource.max_duration_minutes)
    if low is not None and high is not None and low > high:
        errors.add("rules.max_duration_minutes", _l("Must be at least the minimum duration."))


def _check_duplicate_name(session: Session, errors: FieldErrors, resource: Resource,
                          values: dict[str, Any]) -> None:
    """Two resources of one site may not share a name (case ignored): people could not tell them apart."""
    if "name" in errors or "site_id" in errors or not ({"name", "site_id"} & values.keys()):
        return
    name = values.get("name", resource.name)
    site_id = values.get("site_id", resource.site_id)
    if not name:
        return
    query = select(Resource.id, Resource.name).where(
        Resource.site_id.is_(None) if site_id is None else Resource.site_id == site_id)
    if resource.id is not None:
        query = query.where(Resource.id != resource.id)
    key = checks.name_key(name)
    if any(checks.name_key(other) == key for _, other in session.execute(query)):
        errors.add("name", _l("Another resource of this site has this name."))
