"""What each participant of an allocation key weighs when a charge is split: the key version in force on
the charge's date, and for usage keys the hours or kilometres each structure used over what the charge
covers, summed by the database."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, cast, func, literal, select
from sqlalchemy.orm import Session

from mutualise.models import (
    AllocationKey,
    AllocationKeyVersion,
    AllocationWeight,
    Booking,
    BookingStatus,
    KeyMethod,
    allocation_key_resources,
)
from mutualise.services import checks
from mutualise.services.allocation_keys import WEIGHTED_METHODS
from mutualise.services.errors import ValidationError


def _lazy(render) -> LazyString:
    """A message rendered when shown, so dates follow the reader's language."""
    return LazyString(render)


def version_at(session: Session, key_id: int, day: date, *, field: str = "key_id") -> AllocationKeyVersion:
    """The version of an active key in force on `day` (the latest whose valid_from is on or before it).
    ValidationError on `field` when the key is unknown, archived or not yet in force that day."""
    if not checks.valid_id(key_id):
        raise ValidationError({field: _l("Unknown allocation key.")})
    # the usual case in one statement: the version with its key (so `version.key` needs no query)
    found = session.execute(
        select(AllocationKeyVersion, AllocationKey).join(AllocationKey)
        .where(AllocationKey.id == key_id, AllocationKeyVersion.valid_from <= day)
        .order_by(AllocationKeyVersion.valid_from.desc()).limit(1)).first()
    if found is not None and found[1].active:
        return found[0]
    key = found[1] if found is not None else session.get(AllocationKey, key_id)
    if key is None:
        raise ValidationError({field: _l("Unknown allocation key.")})
    if not key.active:
        raise ValidationError({field: _l("The key %(name)s is archived.", name=key.name)})
    first = session.scalar(select(func.min(AllocationKeyVersion.valid_from))
                           .where(AllocationKeyVersion.key_id == key.id))
    name = key.name
    raise ValidationError({field: _lazy(lambda: _(
        "The key %(name)s is not in force on %(day)s: it applies from %(first)s.",
        name=name, day=format_date(day), first=format_date(first) if first else "?"))})


def key_weights(session: Session, version: AllocationKeyVersion, covers_from: date, covers_until: date,
                zone: ZoneInfo) -> dict[int, int]:
    """What each participant of `version` weighs for a charge covering the local dates `covers_from` to
    `covers_until` (inclusive), by structure id:

    - equal: 1 each; weights and percent: the stored weights (thousandths, basis points);
    - usage_hours: minutes x quantity of the structure's confirmed bookings of the key's resources, only
      the part inside the dates (a booking across the edge counts its inside part);
    - usage_km: odometer distance of its checked-in bookings of those resources ending within the dates
      (one ending at midnight counts for the day it ends).

    Usage weights may be 0; every participant is in the result, and only participants. Plain rows
    throughout: a version has up to a thousand participants and a key hundreds of resources, which as
    ORM objects cost more than the split."""
    weights = dict(session.execute(select(AllocationWeight.structure_id, AllocationWeight.weight)
                                   .where(AllocationWeight.version_id == version.id)).all())
    method = version.key.method
    if method == KeyMethod.EQUAL:
        return dict.fromkeys(weights, 1)
    if method in WEIGHTED_METHODS:
        return weights
    start = datetime.combine(covers_from, time(), zone)
    end = datetime.combine(covers_until + timedelta(days=1), time(), zone)
    resource_ids = list(session.scalars(select(allocation_key_resources.c.resource_id)
                                        .where(allocation_key_resources.c.key_id == version.key_id)))
    # No test on the structure: an IN list of participants makes SQLite walk the bookings through
    # ix_bookings_structure_id, row by row; the totals of others are dropped below. blocked_until >= end_at,
    # so `blocked_until > start` adds no condition but lets ix_bookings_confirmed_until skip the history.
    mine = [Booking.status == BookingStatus.CONFIRMED.value, Booking.blocked_until > start]
    if resource_ids:
        mine.append(Booking.resource_id.in_(resource_ids))
    if method == KeyMethod.USAGE_HOURS:
        inside = _minutes_inside_sql(session.get_bind().dialect.name, start, end)
        amount = func.sum(inside * Booking.quantity)
        found = select(Booking.structure_id, amount).where(*mine, Booking.start_at < end,
                                                           Booking.end_at > start)
    else:
        amount = func.sum(Booking.odometer_in - Booking.odometer_out)
        found = select(Booking.structure_id, amount).where(
            *mine, Booking.checked_in_at.is_not(None), Booking.odometer_in.is_not(None),
            Booking.odometer_out.is_not(None), Booking.end_at > start, Booking.end_at <= end)
    counted = dict.fromkeys(weights, 0)
    for structure_id, total in session.execute(found.group_by(Booking.structure_id)):
        if structure_id in counted:
            counted[structure_id] = int(total or 0)
    return counted


def _minutes_inside_sql(dialect: str, start: datetime, end: datetime):
    """SQL: the whole minutes of [start_at, end_at) inside [start, end), summed by the database (a month
    of bookings clipped row by row in Python cost 165 ms per charge). Bookings are minute-aligned."""
    lower, upper = literal(start, Booking.start_at.type), literal(end, Booking.end_at.type)
    if dialect == "postgresql":
        span = func.least(Booking.end_at, upper) - func.greatest(Booking.start_at, lower)
        return func.floor(func.extract("epoch", span) / 60)
    # SQLite keeps UTC as ISO text, which compares in time order: scalar min/max clip. julianday() is
    # the cheapest parse (strftime('%s') formats text and costs 25 % more on a month of bookings); its
    # float is exact to well under a second, so rounding gives whole seconds, and integer division the
    # whole minutes, as floor() does on PostgreSQL.
    days = func.julianday(func.min(Booking.end_at, upper)) - func.julianday(func.max(Booking.start_at, lower))
    seconds = cast(func.round(days * 86400), Integer)
    return seconds.op("/")(60)
