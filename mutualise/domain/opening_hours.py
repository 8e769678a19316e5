"""Weekly opening hours of a resource.

Stored form (JSON): ``{"mon": [["08:00", "12:00"], ["14:00", "18:00"]], "sat": [["09:00", "12:00"]]}``.
A missing day is closed all day; ``None`` (instead of a dict) means always open. Within a day intervals
are sorted and must not overlap; touching intervals ("08:00-12:00", "12:00-14:00") are allowed and kept
apart. "24:00" is allowed as an end.

Parsed form: ``{"mon": [(480, 720), (840, 1080)], ...}`` in minutes since midnight, open days only.

Compact text form (web forms), one group per line (or separated by ";")::

    mon-fri 08:00-12:00, 14:00-18:00
    sat 09:00-12:00

English or French weekday abbreviations, day ranges and comma lists ("mon,wed") are accepted; empty text
means always open, and "mon-sun closed" (or "fermé") means never open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FRENCH_WEEKDAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")

MINUTES_PER_DAY = 24 * 60

ParsedHours = dict[str, list[tuple[int, int]]]

_DAY_INDEX = {name: i for names in (WEEKDAYS, FRENCH_WEEKDAYS) for i, name in enumerate(names)}
_CLOSED_WORDS = frozenset({"closed", "fermé", "ferme"})

_STRICT_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
# Web forms are forgiving: "8", "8h", "8h30", "8:30" and "08:30" are all accepted.
_LOOSE_TIME = re.compile(r"([0-9]{1,2})(?:[:h]([0-9]{2})|h)?")
# The hours start at the first digit, or are a single word such as "closed".
_TEXT_LINE = re.compile(r"(?P<days>[^\W\d_][\w\s,\-–]*?)\s+(?P<rest>[0-9].*|[^\W\d_]+)")
_DASH = re.compile(r"\s*[-–]\s*")


class OpeningHoursError(ValueError):
    """Invalid opening hours: ``reason`` is a code for the caller to translate, ``day`` the day at fault.

    Reasons: "type", "format", "unknown_day", "day_range", "duplicate_day", "time_format", "order",
    "unsorted", "overlap".
    """

    def __init__(self, reason: str, day: str | None = None, detail: str = "") -> None:
        message = f"invalid opening hours ({reason})"
        if day is not None:
            message += f" for {day}"
        if detail:
            message += f": {detail}"
        super().__init__(message)
        self.reason = reason
        self.day = day


def _minutes(hours: int, minutes: int, day: str | None, detail: str) -> int:
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise OpeningHoursError("time_format", day, detail)
    return hours * 60 + minutes


def _strict_time(value: Any, day: str) -> int:
    match = _STRICT_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise OpeningHoursError("time_format", day, repr(value))
    return _minutes(int(match[1]), int(match[2]), day, value)


def _loose_time(value: str, day: str) -> int:
    match = _LOOSE_TIME.fullmatch(value)
    if match is None:
        raise OpeningHoursError("time_format", day, value)
    return _minutes(int(match[1]), int(match[2] or 0), day, value)


def _check_day(day: str, intervals: list[tuple[int, int]]) -> None:
    previous_end = -1
    for start, end in intervals:
        if end <= start:
            raise OpeningHoursError("order", day, f"{_format_time(start)}-{_format_time(end)}")
        if start < previous_end:
            raise OpeningHoursError("overlap", day, _format_time(start))
        previous_end = end


def _parse_mapping(value: Mapping[Any, Any]) -> ParsedHours:
    found: dict[str, list[tuple[int, int]]] = {}
    for day, raw_intervals in value.items():
        if day not in WEEKDAYS:
            raise OpeningHoursError("unknown_day", str(day))
        if not isinstance(raw_intervals, list | tuple):
            raise OpeningHoursError("type", day)
        intervals = []
        for raw in raw_intervals:
            if not isinstance(raw, list | tuple) or len(raw) != 2:
                raise OpeningHoursError("type", day, repr(raw))
            intervals.append((_strict_time(raw[0], day), _strict_time(raw[1], day)))
        # The stored form is canonical: unsorted data means it was not written by to_json().
        if intervals != sorted(intervals):
            raise OpeningHoursError("unsorted", day)
        _check_day(day, intervals)
        found[day] = intervals
    return _canonical(found)


def _parse_days(text: str) -> list[int]:
    """Parse "mon-fri", "lun", "mon, wed-thu" into weekday indexes."""
    indexes: list[int] = []
    for item in text.split(","):
        bounds = _DASH.split(item.strip().lower())
        if len(bounds) > 2 or not all(bounds):
            raise OpeningHoursError("format", None, text)
        for bound in bounds:
            if bound not in _DAY_INDEX:
                raise OpeningHoursError("unknown_day", bound)
        first, last = _DAY_INDEX[bounds[0]], _DAY_INDEX[bounds[-1]]
        if last < first:  # "fri-mon" is most likely a typo; a week wrapping range is spelt "fri-sun, mon"
            raise OpeningHoursError("day_range", bounds[0], item.strip())
        indexes.extend(range(first, last + 1))
    return indexes


def _parse_text(text: str) -> ParsedHours | None:
    lines = [line.strip() for line in re.split(r"[\n;]", text)]
    lines = [line for line in lines if line]
    if not lines:
        return None
    found: dict[str, list[tuple[int, int]]] = {}
    seen: set[int] = set()
    for line in lines:
        match = _TEXT_LINE.fullmatch(line)
        if match is None:
            raise OpeningHoursError("format", None, line)
        indexes = _parse_days(match["days"])
        first_day = WEEKDAYS[indexes[0]]
        rest = match["rest"].strip()
        if rest.lower() in _CLOSED_WORDS:
            intervals: list[tuple[int, int]] = []
        else:
            intervals = []
            for piece in rest.split(","):
                tokens = _DASH.sub("-", piece.strip()).split()
                if not tokens:
                    raise OpeningHoursError("format", first_day, line)
                for token in tokens:
                    bounds = token.split("-")
                    if len(bounds) != 2:
                        raise OpeningHoursError("format", first_day, token)
                    intervals.append((_loose_time(bounds[0], first_day), _loose_time(bounds[1], first_day)))
            # Typed text is forgiving about order, not about overlaps.
            intervals.sort()
        for index in indexes:
            day = WEEKDAYS[index]
            if index in seen:
                raise OpeningHoursError("duplicate_day", day, line)
            seen.add(index)
            _check_day(day, intervals)
            found[day] = list(intervals)
    return _canonical(found)


def _canonical(found: Mapping[str, list[tuple[int, int]]]) -> ParsedHours:
    # Week order and no empty lists, so that equal hours compare equal whatever the input spelling.
    return {day: list(found[day]) for day in WEEKDAYS if found.get(day)}


def parse_opening_hours(value: Mapping[str, Any] | str | None) -> ParsedHours | None:
    """Validate opening hours given as the JSON dict, the compact text form, or None (always open).

    Returns ``{day: [(start_minute, end_minute), ...]}`` for open days in week order, or None.
    Raises OpeningHoursError with ``reason`` and ``day``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, Mapping):
        return _parse_mapping(value)
    raise OpeningHoursError("type", None, type(value).__name__)


def _format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def to_json(parsed: Mapping[str, Iterable[tuple[int, int]]] | None) -> dict[str, list[list[str]]] | None:
    """Canonical JSON form of parsed hours: ``{"mon": [["08:00", "12:00"]], ...}``; None stays None."""
    if parsed is None:
        return None
    return {
        day: [[_format_time(start), _format_time(end)] for start, end in parsed[day]]
        for day in WEEKDAYS
        if parsed.get(day)
    }


def to_text(
    parsed: Mapping[str, Sequence[tuple[int, int]]] | None,
    day_names: Sequence[str] | None = None,
    *,
    closed_word: str = "closed",
) -> str:
    """Compact text form, one line per run of consecutive days with identical hours ("mon-fri 08:00-12:00").

    ``day_names`` replaces the 7 English abbreviations (e.g. FRENCH_WEEKDAYS); None gives "", and hours
    closed all week give "mon-sun closed" so that the text still parses back to the same value.
    """
    if parsed is None:
        return ""
    names = tuple(day_names) if day_names is not None else WEEKDAYS
    if len(names) != 7:
        raise ValueError("day_names needs 7 names, Monday first")
    week = [tuple(parsed.get(day, ())) for day in WEEKDAYS]
    if not any(week):
        return f"{names[0]}-{names[6]} {closed_word}"
    lines = []
    index = 0
    while index < 7:
        end = index
        while end + 1 < 7 and week[end + 1] == week[index]:
            end += 1
        if week[index]:
            days = names[index] if end == index else f"{names[index]}-{names[end]}"
            hours = ", ".join(f"{_format_time(start)}-{_format_time(stop)}" for start, stop in week[index])
            lines.append(f"{days} {hours}")
        index = end + 1
    return "\n".join(lines)


def is_open(parsed: Mapping[str, Sequence[tuple[int, int]]] | None, weekday_index: int,
            start_minute: int, end_minute: int) -> bool:
    """Whether [start_minute, end_minute) fits in ONE opening interval of weekday ``weekday_index``.

    ``weekday_index`` 0 is Monday; minutes are counted from local midnight and ``end_minute`` may be 1440.
    Always True when ``parsed`` is None.
    Touching intervals are not merged, so a span crossing from one into the next is not open.
    """
    if not 0 <= weekday_index <= 6:
        raise ValueError(f"weekday_index out of range: {weekday_index}")
    if not 0 <= start_minute < end_minute <= MINUTES_PER_DAY:
        raise ValueError(f"invalid interval: {start_minute}-{end_minute}")
    if parsed is None:
        return True
    intervals = parsed.get(WEEKDAYS[weekday_index], ())
    return any(start <= start_minute and end_minute <= end for start, end in intervals)
