"""What is free and what is taken: one resource's availability (API), and the slots shown by the calendar
pages (week, day planning, month). Others' bookings show as busy only, unless the viewer may see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DateTime,
    Integer,
    any_,
    bindparam,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from mutualise.db_types import UTCDateTime
from mutualise.domain.intervals import free_slots, load_profile
from mutualise.models import ACTIVE_STATUSES, Booking, Closure, Resource, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.errors import FieldErrors, NotFound, ValidationError
from mutualise.services.resources import PlanningResource, get_resource, planning_resources

MAX_SPAN = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class SeenBooking:
    """What a calendar shows of a booking the viewer may see."""

    id: int
    title: str
    structure_code: str
    status: str


@dataclass(slots=True)
class Slot:
    """A booking or closure as a calendar shows it. `booking` is set only when the viewer may see it;
    `blocked_until` is the end plus the resource's buffer (nothing else may start before it)."""

    start: datetime
    end: datetime
    quantity: int
    status: str  # pending | confirmed | closed
    booking: SeenBooking | None = None
    closure: Closure | None = None
    mine: bool = False  # booked by one of the viewer's structures
    blocked_until: datetime | None = None

    def __post_init__(self):
        if self.blocked_until is None:
            self.blocked_until = self.end


def _period(errors: FieldErrors, start, end) -> tuple[datetime, datetime]:
    start = checks.moment(errors, "start", start)
    end = checks.moment(errors, "end", end)
    if start and end and end <= start:
        errors.add("end", _l("The end must come after the start."))
    elif start and end and end - start > MAX_SPAN:
        errors.add("end", _l("Ask for at most %(days)d days at a time.", days=MAX_SPAN.days))
    errors.raise_if_any()
    return start, end


@cache
def _availability_rows(dialect: str):
    """The resource's stock, its active bookings and its closures over [:start, :end), in one statement,
    built once per database kind (so SQLAlchemy does not walk a new statement on every call).

    The resource's row comes first: PostgreSQL types a UNION's columns pair by pair from the left, and
    the result's types (UTC datetimes on SQLite) come from the first select."""
    resource_id = bindparam("resource_id", type_=Integer)
    start, end = bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime)
    no_time = type_coerce(null(), UTCDateTime)
    stock = select(literal_column("2", Integer).label("row_kind"), no_time.label("start_at"),
                   no_time.label("end_at"), Resource.quantity, Resource.active
                   ).where(Resource.id == resource_id)
    bookings = select(literal_column("0", Integer), Booking.start_at, Booking.end_at, Booking.quantity,
                      null()).where(
        Booking.resource_id == resource_id, Booking.holds_time_in(dialect, start, end),
        Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > start)
    closures = select(literal_column("1", Integer), Closure.start_at, Closure.end_at, null(), null()).where(
        or_(Closure.resource_id == resource_id, Closure.resource_id.is_(None)),
        Closure.start_at < end, Closure.end_at > start)
    return union_all(stock, bookings, closures)


def availability(session: Session, actor: User, resource_id: int, start, end) -> dict:
    """Busy periods (units taken, closures as the whole stock) and free periods (at least one unit
    left) of a resource over [start, end); nothing about who booked (API.md).

    One statement reads the resource's stock, its bookings and its closures (issue 3: under 2 ms with a
    million bookings)."""
    errors = FieldErrors()
    try:
        start, end = _period(errors, start, end)
    except ValidationError:
        get_resource(session, actor, resource_id)  # an unknown resource is a 404 before a wrong period
        raise
    if not checks.valid_id(resource_id):
        raise NotFound()
    rows = session.execute(_availability_rows(session.get_bind().dialect.name),
                           {"resource_id": resource_id, "start": start, "end": end}).all()
    resource = next((row for row in rows if row.row_kind == 2), None)
    if resource is None or not permissions.visible_to(actor, resource.active):
        raise NotFound()
    quantity = resource.quantity
    taken = [(row.start_at, row.end_at, row.quantity if row.row_kind == 0 else quantity)
             for row in rows if row.row_kind != 2]
    profile = load_profile(taken, start, end)
    busy = [{"start": s, "end": e, "quantity": min(q, quantity)} for s, e, q in profile]
    free = [{"start": s, "end": e} for s, e in free_slots(profile, quantity, start, end)]
    return {"resource_id": resource_id, "busy": busy, "free": free}


def calendar_slots(session: Session, actor: User, resources: list[Resource], start: datetime,
                   end: datetime) -> dict[int, list[Slot]]:
    """For each resource, its active bookings and closures overlapping [start, end), by start."""
    return _slots(session, actor, {r.id: r.quantity for r in resources},
                  {r.id for r in resources if permissions.is_referent(actor, r)}, start, end)


# Times as stored, turned into UTC datetimes by `_utc_times` (once per distinct value, not per row).
_STORED_TIME = DateTime(timezone=True)


def _among(column, dialect: str):
    """`column` is one of the :ids. On PostgreSQL one array parameter: a list of 1,000 parameters cost
    more to send and plan than the query itself."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", expanding=True))


@cache
def _slot_rows(dialect: str):
    """Active bookings of the resources :ids holding time in [:start, :end), with their structure's short
    code; built once per database kind (the day planning reads thousands of rows with it). Unordered:
    sorting each resource's few slots in Python costs less than PostgreSQL's sort of them all."""
    start, end = bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime)
    return (
        select(Booking.id, Booking.resource_id, Booking.structure_id, Booking.user_id, Booking.title,
               Booking.status, Booking.quantity, type_coerce(Booking.start_at, _STORED_TIME),
               type_coerce(Booking.end_at, _STORED_TIME), type_coerce(Booking.blocked_until, _STORED_TIME),
               Structure.short_code)
        .join(Structure, Structure.id == Booking.structure_id)
        .where(_among(Booking.resource_id, dialect), Booking.status.in_(ACTIVE_STATUSES),
               Booking.holds_time_in(dialect, start, end)))


@cache
def _closures_of(dialect: str):
    """Closures of the resources :ids or of all resources overlapping [:start, :end)."""
    start, end = bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime)
    return select(Closure).where(or_(_among(Closure.resource_id, dialect), Closure.resource_id.is_(None)),
                                 Closure.start_at < end, Closure.end_at > start)


def _utc_times(dialect) -> Callable[[datetime], datetime]:
    """UTCDateTime's reading of a stored time, remembered per value: a day's rows share a few dozen
    start and end times, and converting three times per row was a fifth of the planning's cost."""
    convert, seen = UTCDateTime().process_result_value, {}

    def utc(stored: datetime) -> datetime:
        value = seen.get(stored)
        if value is None:
            value = seen[stored] = convert(stored, dialect)
        return value
    return utc


def _slots(session: Session, actor: User, stock: dict[int, int], referent_of: set[int], start: datetime,
           end: datetime) -> dict[int, list[Slot]]:
    """Slots of the resources whose ids key `stock` (their quantity); `referent_of`: those the actor is a
    referent of, whose bookings the actor sees in full.

    Plain rows, not ORM objects: the day planning draws thousands of them (issue 3: 1,000 resources
    in under 300 ms)."""
    slots: dict[int, list[Slot]] = {rid: [] for rid in stock}
    if not stock:
        return slots
    dialect = session.get_bind().dialect
    utc = _utc_times(dialect)
    mine = permissions.structure_ids_of(actor)
    # On the connection: the ORM's result wrapping cost more than the query for thousands of plain rows.
    # It would not autoflush, so flush as session.execute would have.
    session.flush()
    rows = session.connection().execute(_slot_rows(dialect.name),
                                         {"ids": list(stock), "start": start, "end": end})
    sees: dict[tuple[int, int, bool], bool] = {}  # rows share a few (structure, booker, referent)
    for (booking_id, resource_id, structure_id, user_id, title, status, quantity, slot_start, slot_end,
         blocked_until, short_code) in rows:
        key = (structure_id, user_id, resource_id in referent_of)
        visible = sees.get(key)
        if visible is None:
            visible = sees[key] = permissions.sees_booking(actor, *key)
        seen = SeenBooking(booking_id, title, short_code, status) if visible else None
        slots[resource_id].append(Slot(utc(slot_start), utc(slot_end), quantity, status, seen, None,
                                       structure_id in mine, utc(blocked_until)))
    closures = session.scalars(_closures_of(dialect.name), {"ids": list(stock), "start": start, "end": end})
    for closure in closures:
        for rid in ([closure.resource_id] if closure.resource_id else stock):
            slots[rid].append(Slot(closure.start_at, closure.end_at, stock[rid], "closed", closure=closure))
    for found in slots.values():
        found.sort(key=lambda slot: (slot.start, slot.end))
    return slots


def local_day_bounds(day: date, tz: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    """UTC bounds of `days` local days from `day` (a day across a DST change lasts 23 or 25 hours)."""
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=days), time(), tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


@dataclass
class Planning:
    start: datetime
    end: datetime
    resources: list[Resource] | list[PlanningResource]
    slots: dict[int, list[Slot]]


def planning(session: Session, actor: User, day: date, tz: ZoneInfo, *, days: int = 1,
             resource_id: int) -> Planning:
    """One resource and its slots over `days` local days (its week, its month)."""
    resource = get_resource(session, actor, resource_id)
    start, end = local_day_bounds(day, tz, days)
    return Planning(start, end, [resource], calendar_slots(session, actor, [resource], start, end))


def day_planning(session: Session, actor: User, day: date, tz: ZoneInfo, *, site_id: int | None = None,
                 kind: str | None = None) -> Planning:
    """The day planning: every active resource the filters select (site, kind), as `PlanningResource`
    rows, and its slots over the local day. All of them, never a page of them (issue 3: 1,000 resources
    in under 300 ms)."""
    resources = planning_resources(session, actor, kind=kind, site_id=site_id)
    start, end = local_day_bounds(day, tz)
    return Planning(start, end, resources, _slots(
        session, actor, {r.id: r.quantity for r in resources}, {r.id for r in resources if r.referent},
        start, end))
