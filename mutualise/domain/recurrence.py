"""Expansion of a recurring booking (an RFC 5545 RRULE) into its occurrences.

A series repeats on the local wall clock: a weekly booking at 10:00 Europe/Paris stays at 10:00 local when
daylight saving time starts or ends, so its UTC time moves. Only rules that keep the time of day are
accepted (no BYHOUR, BYMINUTE...), every series must be bounded (COUNT or UNTIL), hold at most
MAX_OCCURRENCES occurrences and start them within MAX_SPAN_DAYS of the first one. The bounds are checked
before or while iterating, so that an absurd or impossible rule is refused at once instead of running on.

dateutil checks UNTIL only when the rule yields a date, so a rule that never matches (February 30th)
would be searched up to the year 9999, which takes seconds. The rule is therefore iterated on a twin
calendar near the year 9999 (same weekdays, same leap years over the span of a series), where that
search ends within a few years, and the dates are moved back afterwards.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as du

MAX_OCCURRENCES = 200
MAX_SPAN_DAYS = 732
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")

_KNOWN_FREQ = (*ALLOWED_FREQ, "HOURLY", "MINUTELY", "SECONDLY")
_SUPPORTED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
# Valid RFC 5545 (or dateutil) parts that we refuse: they change the time of day or number weeks and days
# of the year in ways nobody books by.
_UNSUPPORTED_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND", "BYWEEKNO", "BYYEARDAY", "BYEASTER"})
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?)([0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INTEGER = re.compile(r"[+-]?[0-9]{1,4}")
_POSITIVE = re.compile(r"[0-9]{1,6}")
_UNTIL = re.compile(r"([0-9]{8})(?:T([0-9]{6})(Z?))?")
_MAX_INTERVAL = 9999
# An UNTIL given in UTC is compared exactly after localisation; iterate a little past its wall time so
# that an occurrence in the repeated autumn hour is not cut off by the wall-clock comparison.
_UTC_UNTIL_MARGIN = timedelta(hours=3)
# A series spans at most MAX_SPAN_DAYS from its first start: it touches at most this many calendar years.
_SPAN_YEARS = MAX_SPAN_DAYS // 365 + 2


class RecurrenceError(ValueError):
    """A recurrence rule was refused; ``reason`` is a code for the caller to translate, ``params`` its values.

    Reasons: "syntax", "unsupported", "unbounded", "too_many" ({"max": n}), "too_long" ({"days": n}),
    "empty".
    """

    def __init__(self, reason: str, **params: Any) -> None:
        detail = f": {params}" if params else ""
        super().__init__(f"invalid recurrence rule ({reason}){detail}")
        self.reason = reason
        self.params = params


@dataclass
class _Rule:
    freq: str
    interval: int = 1
    count: int | None = None
    until: date | datetime | None = None  # date: the whole local day; naive: local; aware: UTC
    byweekday: list[du.weekday] | None = None
    bymonthday: list[int] | None = None
    bymonth: list[int] | None = None
    bysetpos: list[int] | None = None
    wkst: int | None = None


def _int_list(value: str, low: int, high: int, *, signed: bool) -> list[int]:
    numbers = []
    for item in value.split(","):
        if not _INTEGER.fullmatch(item) or (not signed and item[0] in "+-"):
            raise RecurrenceError("syntax")
        number = int(item)
        if not low <= abs(number) <= high or (not signed and number < 0):
            raise RecurrenceError("syntax")
        numbers.append(number)
    return numbers


def _byday(value: str, freq: str) -> list[du.weekday]:
    days = []
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if match is None:
            raise RecurrenceError("syntax")
        sign, number, code = match.groups()
        weekday = du.weekdays[_WEEKDAY_CODES.index(code)]
        if number is None:
            if sign:
                raise RecurrenceError("syntax")
            days.append(weekday)
            continue
        # "1TU" (first Tuesday) only means something within a month or a year.
        limit = {"MONTHLY": 5, "YEARLY": 53}.get(freq)
        if limit is None or not 1 <= int(number) <= limit:
            raise RecurrenceError("syntax")
        days.append(weekday(-int(number) if sign == "-" else int(number)))
    return days


def _until(value: str) -> date | datetime:
    match = _UNTIL.fullmatch(value)
    if match is None:
        raise RecurrenceError("syntax")
    day_text, time_text, zulu = match.groups()
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
        if time_text is None:
            return day
        moment = datetime.combine(day, time(int(time_text[:2]), int(time_text[2:4]), int(time_text[4:])))
    except ValueError:
        raise RecurrenceError("syntax") from None
    return moment.replace(tzinfo=UTC) if zulu else moment


def _positive(value: str, high: int | None = None) -> int:
    if not _POSITIVE.fullmatch(value) or int(value) < 1 or (high is not None and int(value) > high):
        raise RecurrenceError("syntax")
    return int(value)


def _parse(rrule: str) -> _Rule:
    """Parse and validate an RRULE value (an "RRULE:" prefix is allowed); raises RecurrenceError."""
    if not isinstance(rrule, str):
        raise RecurrenceError("syntax")
    text = rrule.strip().upper()
    text = text.removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for piece in text.split(";"):
        piece = piece.strip()
        if not piece:
            continue  # tolerate "FREQ=DAILY;COUNT=2;"
        name, sep, value = piece.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value or name in parts:
            raise RecurrenceError("syntax")
        if name in _UNSUPPORTED_PARTS:
            raise RecurrenceError("unsupported")
        if name not in _SUPPORTED_PARTS:
            raise RecurrenceError("syntax")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq not in _KNOWN_FREQ:
        raise RecurrenceError("syntax")
    if freq not in ALLOWED_FREQ:
        raise RecurrenceError("unsupported")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("syntax")  # RFC 5545: they MUST NOT occur together
    rule = _Rule(freq=freq)
    if "INTERVAL" in parts:
        rule.interval = _positive(parts["INTERVAL"], _MAX_INTERVAL)
    if "COUNT" in parts:
        rule.count = _positive(parts["COUNT"])
    if "UNTIL" in parts:
        rule.until = _until(parts["UNTIL"])
    if "BYDAY" in parts:
        rule.byweekday = _byday(parts["BYDAY"], freq)
    if "BYMONTHDAY" in parts:
        rule.bymonthday = _int_list(parts["BYMONTHDAY"], 1, 31, signed=True)
    if "BYMONTH" in parts:
        rule.bymonth = _int_list(parts["BYMONTH"], 1, 12, signed=False)
    if "BYSETPOS" in parts:
        rule.bysetpos = _int_list(parts["BYSETPOS"], 1, 366, signed=True)
    if "WKST" in parts:
        if parts["WKST"] not in _WEEKDAY_CODES:
            raise RecurrenceError("syntax")
        rule.wkst = _WEEKDAY_CODES.index(parts["WKST"])
    return rule


def _twin_year_shift(first_year: int) -> int:
    """Years to add to the span starting in ``first_year`` to land on an identical calendar near 9999.

    Identical means: the same weekday on 1 January and the same leap years over _SPAN_YEARS years. The
    Gregorian calendar repeats every 400 years, so a shift is always found.
    """
    years = range(_SPAN_YEARS)
    for twin in range(MAXYEAR - _SPAN_YEARS + 1, MAXYEAR - _SPAN_YEARS + 1 - 400, -1):
        if calendar.weekday(twin, 1, 1) == calendar.weekday(first_year, 1, 1) and all(
            calendar.isleap(twin + i) == calendar.isleap(first_year + i) for i in years
        ):
            return twin - first_year
    raise AssertionError("the Gregorian calendar repeats every 400 years")


def _to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: an ambiguous autumn time is its first occurrence; a time inside the spring gap is read with
    # the offset before the change, which lands the gap's length later (02:30 -> 03:30 in Paris).
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def expand(
    rrule: str, start: datetime, end: datetime, tz: ZoneInfo, *, max_occurrences: int = MAX_OCCURRENCES
) -> list[tuple[datetime, datetime]]:
    """Occurrences ``(start, end)`` in UTC, sorted, of the series whose first slot is ``[start, end)``.

    The rule is followed on the wall clock of ``tz``: each occurrence keeps the local start time and the
    wall-clock length of the first slot. The first occurrence is the first the rule yields at or after
    ``start`` (so ``start`` itself is skipped when it does not match, e.g. BYDAY=TH from a Tuesday).
    UNTIL as a date includes that whole local day; with a trailing Z it is UTC, otherwise local.
    Raises RecurrenceError ("syntax", "unsupported", "unbounded", "too_many", "too_long", "empty");
    a COUNT that cannot be reached within MAX_SPAN_DAYS is "too_long".
    """
    rule = _parse(rrule)
    if rule.count is not None and rule.count > max_occurrences:
        raise RecurrenceError("too_many", max=max_occurrences)
    if rule.count is None and rule.until is None:
        raise RecurrenceError("unbounded")
    wall_start = start.astimezone(tz).replace(tzinfo=None)
    wall_length = end.astimezone(tz).replace(tzinfo=None) - wall_start
    if wall_length <= timedelta(0):  # a first slot inside the repeated autumn hour: use its real length
        wall_length = end.astimezone(UTC) - start.astimezone(UTC)
    try:
        cap = wall_start + timedelta(days=MAX_SPAN_DAYS)
    except OverflowError:
        raise RecurrenceError("too_long", days=MAX_SPAN_DAYS) from None

    until_utc: datetime | None = None
    iterate_until = cap
    if isinstance(rule.until, datetime) and rule.until.tzinfo is not None:
        until_utc = rule.until
        until_wall = until_utc.astimezone(tz).replace(tzinfo=None)
        if until_wall > cap:
            raise RecurrenceError("too_long", days=MAX_SPAN_DAYS)
        iterate_until = min(cap, until_wall + _UTC_UNTIL_MARGIN)
    elif isinstance(rule.until, datetime):
        if rule.until > cap:
            raise RecurrenceError("too_long", days=MAX_SPAN_DAYS)
        iterate_until = rule.until
    elif isinstance(rule.until, date):
        if rule.until > cap.date():
            raise RecurrenceError("too_long", days=MAX_SPAN_DAYS)
        iterate_until = min(cap, datetime.combine(rule.until, time.max))

    if iterate_until < wall_start:
        raise RecurrenceError("empty")
    shift = _twin_year_shift(wall_start.year)
    try:
        # COUNT is applied below rather than by dateutil, so that iteration always stops at the cap.
        twin_walls = du.rrule(
            du.FREQNAMES.index(rule.freq),
            dtstart=wall_start.replace(year=wall_start.year + shift),
            interval=rule.interval,
            wkst=rule.wkst,
            until=iterate_until.replace(year=iterate_until.year + shift),
            bysetpos=rule.bysetpos,
            bymonth=rule.bymonth,
            bymonthday=rule.bymonthday,
            byweekday=rule.byweekday,
        )
    except ValueError:
        raise RecurrenceError("syntax") from None

    def occurrences() -> Iterator[tuple[datetime, datetime]]:
        for twin_wall in twin_walls:
            wall = twin_wall.replace(year=twin_wall.year - shift)
            occurrence_start = _to_utc(wall, tz)
            if until_utc is not None and occurrence_start > until_utc:
                return
            occurrence_end = _to_utc(wall + wall_length, tz)
            if occurrence_end <= occurrence_start:
                # The end fell before a start pushed out of the spring gap: keep the slot's length.
                occurrence_end = occurrence_start + wall_length
            yield occurrence_start, occurrence_end

    wanted = rule.count if rule.count is not None else max_occurrences + 1
    found = list(islice(occurrences(), wanted))
    if not found:
        raise RecurrenceError("empty")
    if rule.count is not None and len(found) < rule.count:
        raise RecurrenceError("too_long", days=MAX_SPAN_DAYS)
    if len(found) > max_occurrences:
        raise RecurrenceError("too_many", max=max_occurrences)
    return sorted(found)
