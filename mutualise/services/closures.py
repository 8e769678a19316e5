"""Use cases for closures: periods when a resource, or every resource, cannot be booked.

Closures are entered by admins or generated from the French public holidays (NetworkSettings.public_holidays).
A closure does not cancel the bookings it covers: affected_bookings() lists them so the admin can decide.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from mutualise.domain.holidays import HOLIDAY_CODES, french_public_holidays
from mutualise.models import ACTIVE_STATUSES, Booking, Closure, ClosureSource, NetworkSettings, Resource, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound
from mutualise.services.resources import get_resource

MAX_CLOSURE = timedelta(days=366)
HOLIDAY_MODES = ("none", "france", "alsace_moselle")
# Kept by local law in the Bas-Rhin, Haut-Rhin and Moselle only.
ALSACE_MOSELLE_ONLY = frozenset({"good_friday", "st_stephen"})

# English msgids; the reason of a generated closure is stored in the network's default language.
HOLIDAY_NAMES: dict[str, Any] = {
    "new_year": _l("New Year's Day"),
    "good_friday": _l("Good Friday"),
    "easter_monday": _l("Easter Monday"),
    "labour_day": _l("Labour Day"),
    "victory_1945": _l("Victory in Europe Day"),
    "ascension": _l("Ascension Day"),
    "whit_monday": _l("Whit Monday"),
    "bastille_day": _l("Bastille Day"),
    "assumption": _l("Assumption Day"),
    "all_saints": _l("All Saints' Day"),
    "armistice": _l("Armistice Day"),
    "christmas": _l("Christmas Day"),
    "st_stephen": _l("St Stephen's Day"),
}


@dataclass
class ClosureInput:
    """A closure to create: `resource_id` None closes every resource; `start`/`end` are aware datetimes."""

    resource_id: Any = UNSET
    start: Any = UNSET
    end: Any = UNSET
    reason: Any = UNSET


def list_closures(session: Session, actor: User, *, resource_id: int | None = None,
                  start: datetime | None = None, end: datetime | None = None) -> list[Closure]:
    """Closures by start. Anyone signed in may read them: they explain why a slot is not bookable.

    With `resource_id`, the closures of that resource and those of every resource (both close it);
    an unknown resource, or an archived one for non-admins, is a NotFound. `start`/`end` keep the
    closures overlapping that period. Closures of archived resources are shown to admins only.
    """
    query = select(Closure).options(selectinload(Closure.resource)).order_by(Closure.start_at, Closure.id)
    if resource_id is not None:
        get_resource(session, actor, resource_id)  # NotFound for an unknown or hidden resource
        query = query.where(or_(Closure.resource_id.is_(None), Closure.resource_id == resource_id))
    elif not actor.is_admin:
        query = query.outerjoin(Resource, Closure.resource_id == Resource.id).where(
            or_(Closure.resource_id.is_(None), Resource.active.is_(True)))
    if start is not None:
        query = query.where(Closure.end_at > start)
    if end is not None:
        query = query.where(Closure.start_at < end)
    return list(session.scalars(query))


def get_closure(session: Session, actor: User, closure_id: int) -> Closure:
    """One closure (NotFound when unknown, or when it closes an archived resource and the actor is not
    an admin)."""
    closure = session.get(Closure, closure_id) if checks.valid_id(closure_id) else None
    if closure is None or (closure.resource is not None and not closure.resource.active
                           and not actor.is_admin):
        raise NotFound()
    return closure


def create_closure(session: Session, actor: User, now: datetime, data: ClosureInput) -> Closure:
    """An admin closes a resource (or every resource, `resource_id` None) for a period of at most 366
    days. Bookings already in that period stay: see affected_bookings()."""
    permissions.require_admin(actor)
    errors = FieldErrors()
    resource_id = _resource_id(session, errors, data.resource_id)
    start = _moment(errors, "start", data.start)
    end = _moment(errors, "end", data.end)
    if start is not None and end is not None:
        if end <= start:
            errors.add("end", _l("Must be after the start."))
        elif end - start > MAX_CLOSURE:
            errors.add("end", _l("A closure lasts at most 366 days."))
    reason = checks.text(errors, "reason", None if not checks.given(data.reason) else data.reason,
                         max_len=Closure.REASON_MAX)
    errors.raise_if_any()
    closure = Closure(resource_id=resource_id, start_at=start.astimezone(UTC), end_at=end.astimezone(UTC),
                      reason=reason, source=ClosureSource.MANUAL.value, created_at=now)
    session.add(closure)
    session.flush()
    return closure


def delete_closure(session: Session, actor: User, closure_id: int) -> None:
    """An admin removes a closure, generated holidays included (to open on a holiday).

    A deleted holiday comes back only when holidays are generated again for its year: when the admin
    regenerates them, or changes the holiday setting. generate_holidays(missing_years_only=True), meant
    for periodic runs, leaves it deleted.
    """
    permissions.require_admin(actor)
    closure = get_closure(session, actor, closure_id)
    session.delete(closure)
    session.flush()


def affected_bookings(session: Session, closure: Closure) -> list[Booking]:
    """Active (pending or confirmed) bookings overlapping the closure, on its resource or, for a closure
    of every resource, on any resource; by start. They are not cancelled automatically."""
    query = (select(Booking)
             .where(Booking.status.in_(ACTIVE_STATUSES), Booking.start_at < closure.end_at,
                    Booking.end_at > closure.start_at)
             .order_by(Booking.start_at, Booking.id))
    if closure.resource_id is not None:
        query = query.where(Booking.resource_id == closure.resource_id)
    return list(session.scalars(query))


def holiday_days(settings: NetworkSettings, year: int) -> list[tuple[date, str]]:
    """The public holidays of `year` the network's setting closes (none when the setting is "none")."""
    if settings.public_holidays not in ("france", "alsace_moselle"):
        return []
    return french_public_holidays(year, alsace_moselle=settings.public_holidays == "alsace_moselle")


def generate_holidays(session: Session, now: datetime, settings: NetworkSettings, years: Iterable[int],
                      *, missing_years_only: bool = False) -> int:
    """Close every resource on each public holiday of `years`, from local midnight to the next one in the
    network's time zone; returns how many closures were created.

    Idempotent: a holiday already present (by its holiday_code) is skipped. With `missing_years_only`,
    a year that already has any holiday closure is skipped whole, so a periodic run does not bring back
    holidays an admin deleted. Nothing is created when the setting is "none". No actor: this runs from
    the settings service, the admin page (see regenerate_holidays) and the periodic command.
    """
    zone = ZoneInfo(settings.timezone)
    wanted: dict[str, tuple[date, str]] = {}
    for year in sorted(set(years)):
        for day, code in holiday_days(settings, year):
            wanted[_holiday_code(day, code)] = (day, code)
    if not wanted:
        return 0
    existing = set(session.scalars(select(Closure.holiday_code).where(Closure.holiday_code.in_(wanted))))
    if missing_years_only:
        done_years = {code[:4] for code in existing}
        wanted = {key: value for key, value in wanted.items() if key[:4] not in done_years}
    with force_locale(settings.default_locale or "fr"):
        for key, (day, code) in wanted.items():
            if key in existing:
                continue
            session.add(Closure(resource_id=None, start_at=_local_midnight(day, zone),
                                end_at=_local_midnight(day + timedelta(days=1), zone),
                                reason=str(HOLIDAY_NAMES[code]), source=ClosureSource.HOLIDAY.value,
                                holiday_code=key, created_at=now))
    created = len(wanted.keys() - existing)
    session.flush()
    return created


def withdraw_holidays(session: Session, now: datetime, settings: NetworkSettings) -> int:
    """Delete the generated holiday closures not yet ended that the setting no longer asks for (all of
    them with "none"; Good Friday and St Stephen's Day when going from Alsace-Moselle to France).
    Past ones stay as a record. Returns how many were deleted."""
    if settings.public_holidays == "alsace_moselle":
        kept_codes = set(HOLIDAY_CODES)
    elif settings.public_holidays == "france":
        kept_codes = set(HOLIDAY_CODES) - ALSACE_MOSELLE_ONLY
    else:
        kept_codes = set()
    query = select(Closure).where(Closure.source == ClosureSource.HOLIDAY.value, Closure.end_at > now)
    removed = 0
    for closure in session.scalars(query):
        if (closure.holiday_code or "").partition(":")[2] not in kept_codes:
            session.delete(closure)
            removed += 1
    session.flush()
    return removed


def move_holidays_to_zone(session: Session, now: datetime, settings: NetworkSettings) -> int:
    """Put the generated holiday closures not yet begun back on local midnights after the network's time
    zone changed (a holiday is a local day); past and ongoing ones stay as they were. Returns how many
    moved."""
    zone = ZoneInfo(settings.timezone)
    moved = 0
    query = select(Closure).where(Closure.source == ClosureSource.HOLIDAY.value, Closure.start_at > now)
    for closure in session.scalars(query):
        day = date.fromisoformat(closure.holiday_code.partition(":")[0])
        start, end = _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)
        if (closure.start_at, closure.end_at) != (start, end):
            closure.start_at, closure.end_at = start, end
            moved += 1
    session.flush()
    return moved


def regenerate_holidays(session: Session, actor: User, now: datetime, settings: NetworkSettings) -> int:
    """An admin asks again for this year's and next year's holidays (in the network's time zone),
    bringing back any that were deleted; returns how many were created."""
    permissions.require_admin(actor)
    year = now.astimezone(ZoneInfo(settings.timezone)).year
    return generate_holidays(session, now, settings, [year, year + 1])


def _holiday_code(day: date, code: str) -> str:
    return f"{day.isoformat()}:{code}"


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _resource_id(session: Session, errors: FieldErrors, value: Any) -> int | None:
    if not checks.given(value) or value is None or value == "":
        return None
    if not checks.valid_id(value) or session.get(Resource, value) is None:
        errors.add("resource_id", _l("Unknown resource."))
        return None
    return value


def _moment(errors: FieldErrors, field: str, value: Any) -> datetime | None:
    if not checks.given(value) or value is None or value == "":
        errors.add(field, _l("This field is required."))
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        errors.add(field, _l("Must be a date and time with a time zone."))
        return None
    return value
