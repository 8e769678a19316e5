"""Time windows in which a quota is counted, and how much of a window bookings use.

Calendar windows (day, ISO week from Monday, month, year) follow the local calendar of the network time
zone: their bounds are local midnights, so a day is 23 or 25 hours long when the clocks change. A rolling
window of N days starts at a local midnight and lasts N local days. Bounds are returned in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mutualise.domain.intervals import minutes_inside, overlaps

WINDOWS = ("day", "week", "month", "year", "rolling")
UNITS = ("hours", "bookings")
MAX_ROLLING_DAYS = 366

_TICK = timedelta(microseconds=1)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0 maps a midnight skipped by a DST jump to the jump itself, which is when that day begins.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _check_rolling(rolling_days: int | None) -> int:
    if not isinstance(rolling_days, int) or not 1 <= rolling_days <= MAX_ROLLING_DAYS:
        raise ValueError(f"rolling_days must be 1..{MAX_ROLLING_DAYS}, not {rolling_days!r}")
    return rolling_days


def _first_and_next_day(window: str, day: date, rolling_days: int | None) -> tuple[date, date]:
    """First local day of the window containing ``day`` and the first day after it."""
    if window == "day":
        return day, day + timedelta(days=1)
    if window == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    if window == "month":
        first = day.replace(day=1)
        following = date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)
        return first, following
    if window == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if window == "rolling":
        return day, day + timedelta(days=_check_rolling(rolling_days))
    raise ValueError(f"unknown quota window: {window!r}")


def window_at(
    window: str, at: datetime, tz: ZoneInfo, rolling_days: int | None = None
) -> tuple[datetime, datetime]:
    """The window ``[start, end)`` (UTC) of kind ``window`` (one of WINDOWS) that contains ``at``.

    "rolling" is the ``rolling_days`` local days starting at the local midnight of ``at``'s day.
    Raises ValueError for an unknown window or a rolling length outside 1..MAX_ROLLING_DAYS.
    """
    first, following = _first_and_next_day(window, at.astimezone(tz).date(), rolling_days)
    return _midnight(first, tz), _midnight(following, tz)


def windows_touching(
    window: str, start: datetime, end: datetime, tz: ZoneInfo, rolling_days: int | None = None
) -> list[tuple[datetime, datetime]]:
    """Every window of kind ``window`` that shares an instant with ``[start, end)``, in order.

    Calendar windows do not overlap, so these are the consecutive windows from the one containing
    ``start`` to the one containing the last instant before ``end``. Rolling windows slide by one day:
    every window starting at a local midnight on or before the last day of the slot and ending after
    ``start``. An empty slot touches nothing.
    """
    if start >= end:
        return []
    if window == "rolling":
        days = _check_rolling(rolling_days)
        first_day = start.astimezone(tz).date()
        last_day = (end.astimezone(UTC) - _TICK).astimezone(tz).date()
        windows = []
        day = first_day - timedelta(days=days - 1)
        while day <= last_day:
            windows.append((_midnight(day, tz), _midnight(day + timedelta(days=days), tz)))
            day += timedelta(days=1)
        return windows
    windows = [window_at(window, start, tz)]
    while windows[-1][1] < end:
        windows.append(window_at(window, windows[-1][1], tz))
    return windows


def used_amount(
    unit: str, bookings: Iterable[tuple[datetime, datetime]], window_start: datetime, window_end: datetime
) -> int:
    """How much of ``[window_start, window_end)`` the bookings use, in the measure of limit_amount().

    "hours": whole minutes of the bookings inside the window (a booking across an edge counts only its
    part inside); "bookings": the number of bookings that overlap the window.
    """
    if unit == "hours":
        return sum(minutes_inside(start, end, window_start, window_end) for start, end in bookings)
    if unit == "bookings":
        return sum(1 for start, end in bookings if overlaps(start, end, window_start, window_end))
    raise ValueError(f"unknown quota unit: {unit!r}")


def limit_amount(unit: str, limit: int) -> int:
    """A quota limit in the measure of used_amount(): hours become minutes, bookings stay a count."""
    if unit == "hours":
        return limit * 60
    if unit == "bookings":
        return limit
    raise ValueError(f"unknown quota unit: {unit!r}")
