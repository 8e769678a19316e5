"""Wall-clock arithmetic and cell contents shared by the calendar grids (week, day planning, month):
local minutes of a day, the instants they stand for across daylight-saving jumps, and what a slot shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import url_for

from mutualise.domain.opening_hours import OpeningHoursError, parse_opening_hours
from mutualise.services.availability import Slot
from mutualise.services.checks import MAX_ID

DAY = 24 * 60  # minutes

HHMM_TABLE = tuple(f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(DAY + 1))


def hhmm(minute: int) -> str:
    # the day planning writes two per block: looked up rather than formatted
    return HHMM_TABLE[minute] if 0 <= minute <= DAY else f"{minute // 60:02d}:{minute % 60:02d}"


def instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """UTC instant of a local wall time; minute 1440 is the next midnight. A wall time that a DST jump
    skips is read with the offset before the jump (fold 0), as the booking rules read it."""
    day, minute = day + timedelta(days=minute // DAY), minute % DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tz).astimezone(UTC)


def skipped(day: date, minute: int, tz: ZoneInfo) -> bool:
    """Whether the clocks jump over this wall time (02:30 on the last Sunday of March in Paris)."""
    local = datetime.combine(day, time(minute // 60, minute % 60))
    return instant(day, minute, tz).astimezone(tz).replace(tzinfo=None) != local


def wall(day: date, minute: int) -> str:
    """The local wall time as the booking form reads it: YYYY-MM-DDTHH:MM."""
    day, minute = day + timedelta(days=minute // DAY), minute % DAY
    return f"{day.isoformat()}T{hhmm(minute)}"


def wall_minute(moment: datetime, day: date, tz: ZoneInfo) -> int:
    """Wall-clock minute of an instant counted from the local midnight opening `day` (1440: midnight)."""
    local = moment.astimezone(tz)
    return (local.date() - day).days * DAY + local.hour * 60 + local.minute


def wall_minutes(start: datetime, end: datetime, day: date, tz: ZoneInfo) -> tuple[int, int]:
    """Wall-clock minutes of [start, end) counted from the local midnight opening `day`."""
    return wall_minute(start, day, tz), wall_minute(end, day, tz)


def links(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """URLs of one endpoint for many ids: url_for once, then plain string filling (url_for for each of
    1,000 planning rows would cost more than the rest of the page)."""
    head, _sep, tail = url_for(endpoint, **{key: MAX_ID}, **values).partition(str(MAX_ID))
    return lambda value: f"{head}{value}{tail}"


def opening_hours_of(resource) -> tuple[dict | None, bool]:
    """Parsed opening hours (None: always open) and whether the stored hours could be read at all."""
    try:
        return parse_opening_hours(resource.opening_hours), True
    except OpeningHoursError:
        return None, False  # stored hours are canonical; a hand-edited row must not break the page


def slot_entry(slot: Slot, busy: str) -> dict:
    """What a calendar writes for a slot: the closure's reason, the booking's title and structure when
    the viewer may see it, "Busy" otherwise."""
    if slot.closure is not None:
        return {"text": slot.closure.reason, "kind": "closure", "pending": False, "id": None}
    booking = slot.booking
    if booking is None:
        return {"text": busy, "kind": "busy", "pending": slot.status == "pending", "id": None}
    return {"text": f"{booking.title} ({booking.structure_code})",
            "kind": "mine" if slot.mine else "seen", "pending": slot.status == "pending", "id": booking.id}
