"""VTIMEZONE components built from the IANA database (zoneinfo), so that every local time in a file is
defined by the file itself (RFC 5545 3.6.5) and no client has to guess what a TZID means.

icalendar's Timezone.from_tzid writes a DAYLIGHT onset in the local time *after* the change (03:00 for
Paris in March), whereas RFC 5545 wants it in the time before (TZOFFSETFROM, 02:00): clients would then
shift the change by an hour. The observances are therefore computed here: the zone's transitions over the
years asked for, found by stepping through them and narrowing each change down to the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mutualise.domain.ical_text import naive_stamp, utc_offset

_STEP = timedelta(hours=12)  # shorter than the gap between two changes in any zone


def zone_info(name: str) -> ZoneInfo:
    """The zone named `name` (IANA), or ValueError when the database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, bool, str]:
    local = moment.astimezone(zone)
    return local.utcoffset() or timedelta(0), bool(local.dst()), local.tzname() or ""


def _transitions(zone: ZoneInfo, start: datetime, end: datetime):
    """(instant of change, state before, state after) for every change in [start, end)."""
    found = []
    moment, before = start, _state(zone, start)
    while moment < end:
        following = moment + _STEP
        after = _state(zone, following)
        if after != before:
            low, high = moment, following  # state(low) == before, state(high) == after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high, before, after))
            before = after
        moment = following
    return found


@lru_cache(maxsize=64)
def vtimezone_lines(name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """The content lines of a VTIMEZONE for zone `name`, exact from 1 January of `first_year` to
    31 December of `last_year` (later times follow its last observance).

    Each change is its own observance with a single DTSTART, no RDATE list: ical.js (Thunderbird) reads
    only the first value of an RDATE and skips the DTSTART of an observance that has RDATEs."""
    zone = zone_info(name)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset, is_dst, tzname = _state(zone, start)
    # (kind, name, offset from, offset to, onset in the local time before the change)
    observances = [("DAYLIGHT" if is_dst else "STANDARD", tzname, offset, offset, start + offset)]
    for instant, (old_offset, _, _), (new_offset, new_dst, new_name) in _transitions(zone, start, end):
        kind = "DAYLIGHT" if new_dst else "STANDARD"
        observances.append((kind, new_name, old_offset, new_offset, instant + old_offset))
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    for kind, tzname, offset_from, offset_to, onset in observances:
        lines.append(f"BEGIN:{kind}")
        lines.append(f"DTSTART:{naive_stamp(onset)}")
        lines.append(f"TZOFFSETFROM:{utc_offset(offset_from)}")
        lines.append(f"TZOFFSETTO:{utc_offset(offset_to)}")
        if tzname:
            lines.append(f"TZNAME:{tzname}")
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return tuple(lines)
