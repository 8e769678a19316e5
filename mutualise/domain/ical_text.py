"""The text layer of iCalendar (RFC 5545 section 3): escaping, date-time values and line folding.

Written by hand rather than through the icalendar library because a feed of 10,000 events must build in
well under a second and icalendar's component model takes several seconds for that many events. The rules
are small and tested against three parsers (icalendar, vobject and ical.js).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Controls other than HTAB are not allowed in TEXT (RFC 5545 3.3.11); line breaks are escaped first.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 3.1)


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks written as `\\n`."""
    # chained replace: several times faster than str.translate on non-ASCII text
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    if "\n" in escaped or "\r" in escaped:
        escaped = _LINE_BREAK.sub("\\\\n", escaped)
    if not escaped.isprintable():
        escaped = _CONTROL.sub("", escaped)
    return escaped


def param_value(value: str) -> str:
    """A parameter value (CN=...): quoted when it holds `:`, `;` or `,`; a double quote cannot be written
    inside one (RFC 5545 3.2), so it becomes a single quote, and controls are dropped."""
    cleaned = _CONTROL.sub("", _LINE_BREAK.sub(" ", value)).replace('"', "'")
    if any(c in cleaned for c in ":;,"):
        return f'"{cleaned}"'
    return cleaned


def utc_stamp(moment: datetime) -> str:
    """An aware datetime as a UTC DATE-TIME (`20260329T080000Z`)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must be aware")
    u = moment.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def zoned_property(name: str, moment: datetime, tzid: str, zone: ZoneInfo) -> str:
    """`NAME;TZID=<zone>:<local time>` for an aware datetime. A local time that occurs twice (the hour
    repeated when clocks go back) is written in UTC instead: RFC 5545 reads it as the first occurrence
    but ical.js takes the second, so only UTC keeps the instant the same for every client."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must be aware")
    loc = moment.astimezone(zone)
    if loc.replace(fold=1 - loc.fold).utcoffset() != loc.utcoffset():
        return f"{name}:{utc_stamp(moment)}"
    return (f"{name};TZID={tzid}:"
            f"{loc.year:04d}{loc.month:02d}{loc.day:02d}T{loc.hour:02d}{loc.minute:02d}{loc.second:02d}")


def naive_stamp(moment: datetime) -> str:
    """A wall-clock DATE-TIME with no zone, as VTIMEZONE observances need (`DTSTART:20260329T020000`)."""
    m = moment
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}"


def utc_offset(offset: timedelta) -> str:
    """A UTC-OFFSET value: `+0100`, `-0330`, seconds only when there are some; never `-0000`."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def minutes_duration(minutes: int) -> str:
    """A DURATION of whole minutes (`PT60M`)."""
    if minutes < 1:
        raise ValueError("a refresh interval is at least one minute")
    return f"PT{minutes}M"


def fold(line: str) -> str:
    """One content line folded so that no physical line exceeds 75 octets, never inside a UTF-8
    character; continuation lines start with a space (which counts in their 75 octets)."""
    if line.isascii():
        if len(line) <= _FOLD_AT:
            return line
        parts = [line[:_FOLD_AT]]
        parts.extend(line[i:i + _FOLD_AT - 1] for i in range(_FOLD_AT, len(line), _FOLD_AT - 1))
        return "\r\n ".join(parts)
    raw = line.encode("utf-8")
    if len(raw) <= _FOLD_AT:
        return line
    parts = []
    start, room = 0, _FOLD_AT
    while len(raw) - start > room:
        cut = start + room
        while raw[cut] & 0xC0 == 0x80:  # a continuation byte: step back to the character's first byte
            cut -= 1
        parts.append(raw[start:cut].decode("utf-8"))
        start, room = cut, _FOLD_AT - 1
    parts.append(raw[start:].decode("utf-8"))
    return "\r\n ".join(parts)


def serialise(lines: list[str]) -> bytes:
    """Content lines as an iCalendar stream: folded, CRLF after every line (the last one included)."""
    folded = [line if len(line) <= _FOLD_AT and line.isascii() else fold(line) for line in lines]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")
