"""What each participant of an allocation key weighs when a charge is split: the key version in force on
the charge's date, and for usage keys the hours or kilometres each structure used over what the charge
covers, summed by the database."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from mutualise.models import AllocationKey, AllocationKeyVersion, Booking, BookingStatus, KeyMethod
from mutualise.services import checks
from mutualise.services.allocation_keys import WEIGHTED_METHODS
from mutualise.services.errors import ValidationError


def _lazy(render) -> LazyString:
    """A message rendered when shown, so dates follow the reader's language."""
    return LazyString(render)


def version_at(session: Session, key_id: int, day: date, *, field: str = "key_id") -> AllocationKeyVersion:
    """The version of an active key in force on `day` (the latest whose valid_from is on or before it).
    ValidationError on `field` when the key is unknown, archived or not yet in force that day."""
    key = session.get(AllocationKey, key_id) if checks.valid_id(key_id) else None
    if key is None:
        raise ValidationError({field: _l("Unknown allocation key.")})
    if not key.active:
        raise ValidationError({field: _l("The key %(name)s is archived.", name=key.name)})
    version = session.scalar(
        select(AllocationKeyVersion)
        .where(AllocationKeyVersion.key_id == key.id, AllocationKeyVersion.valid_from <= day)
        .order_by(AllocationKeyVersion.valid_from.desc()).limit(1))
    if version is None:
        first = session.scalar(select(func.min(AllocationKeyVersion.valid_from))
                               .where(AllocationKeyVersion.key_id == key.id))
        name = key.name
        raise ValidationError({field: _lazy(lambda: _(
            "The key %(name)s is not in force on %(day)s: it applies from %(first)s.",
            name=name, day=format_date(day), first=format_date(first) if first else "?"))})
    return version


def key_weights(session: Session, version: AllocationKeyVersion, covers_from: date, covers_until: date,
                zone: ZoneInfo) -> dict[int, int]:
    """What each participant of `version` weighs for a charge covering the local dates `covers_from` to
    `covers_until` (inclusive), by structure id:

    - equal: 1 each; weights and percent: the stored weights (thousandths, basis points);
    - usage_hours: minutes x quantity of the structure's confirmed bookings of the key's resources, only
      the part inside the dates (a booking across the edge counts its inside part);
    - usage_km: odometer distance of its checked-in bookings of those resources ending within the dates
      (one ending at midnight counts for the day it ends).

    Usage weights may be 0; every participant is in the result, and only participants."""
    weights = {weight.structure_id: weight.weight for weight in version.weights}
    method = version.key.method
    if method == KeyMethod.EQUAL:
        return dict.fromkeys(weights, 1)
    if method in WEIGHTED_METHODS:
        return weights
    start = datetime.combine(covers_from, time(), zone)
    end = datetime.combine(covers_until + timedelta(days=1), time(), zone)
    counted = dict.fromkeys(weights, 0)
    resource_ids = [resource.id for resource in version.key.resources]
    mine = [Booking.status == BookingStatus.CONFIRMED.value, Booking.structure_id.in_(list(weights))]
    if resource_ids:
        mine.append(Booking.resource_id.in_(resource_ids))
    if method == KeyMethod.USAGE_HOURS:
        inside = _minutes_inside_sql(session.get_bind().dialect.name, start, end)
        minutes = func.sum(inside * Booking.quantity)
        rows = session.execute(select(Booking.structure_id, minutes)
                               .where(*mine, Booking.start_at < end, Booking.end_at > start)
                               .group_by(Booking.structure_id))
        for structure_id, total in rows:
            counted[structure_id] = int(total or 0)
        return counted
    distance = func.sum(Booking.odometer_in - Booking.odometer_out)
    rows = session.execute(select(Booking.structure_id, distance).where(
        *mine, Booking.checked_in_at.is_not(None), Booking.odometer_in.is_not(None),
        Booking.odometer_out.is_not(None), Booking.end_at > start, Booking.end_at <= end,
    ).group_by(Booking.structure_id))
    for structure_id, km in rows:
        counted[structure_id] = int(km or 0)
    return counted


def _minutes_inside_sql(dialect: str, start: datetime, end: datetime):
    """SQL: the whole minutes of [start_at, end_at) inside [start, end), summed by the database (a month
    of bookings clipped row by row in Python cost 165 ms per charge). Bookings are minute-aligned."""
    lower, upper = literal(start, Booking.start_at.type), literal(end, Booking.end_at.type)
    if dialect == "postgresql":
        span = func.least(Booking.end_at, upper) - func.greatest(Booking.start_at, lower)
        return func.floor(func.extract("epoch", span) / 60)
    # SQLite keeps UTC as ISO text, which compares in time order: scalar min/max clip, strftime('%s')
    # gives the seconds
    seconds = (func.strftime("%s", func.min(Booking.end_at, upper))
               - func.strftime("%s", func.max(Booking.start_at, lower)))
    return seconds / 60
