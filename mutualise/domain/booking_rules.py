"""Booking rules of a resource: duration, step, notice, advance, opening hours, cancellation deadline.

check_rules() returns the first rule a requested slot breaks, as a Violation carrying a rule code and the
parameters the service needs to word the message; it never translates anything itself. Durations are real
elapsed minutes, while the step and the opening hours are read on the local wall clock of the network time
zone, so that "10:00" means 10:00 in summer and in winter alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mutualise.domain.opening_hours import MINUTES_PER_DAY, ParsedHours, is_open

RULES = ("past", "min_duration", "max_duration", "step", "min_notice", "max_advance", "opening_hours")


@dataclass(frozen=True)
class Rules:
    """The booking rules of one resource; None (or 0) switches a rule off."""

    min_duration_minutes: int | None = None
    max_duration_minutes: int | None = None
    step_minutes: int = 15
    buffer_minutes: int = 0
    min_notice_minutes: int = 0
    max_advance_days: int | None = None
    opening_hours: ParsedHours | None = None  # parsed form; None means always open
    cancel_deadline_minutes: int = 0


@dataclass(frozen=True)
class Violation:
    """The rule a slot breaks (one of RULES) and the values to put in the message."""

    rule: str
    params: dict[str, Any] = field(default_factory=dict)


def _wall_minute(moment: datetime, *, round_up: bool = False) -> int:
    """Minutes since local midnight of a local datetime; a started minute counts when ``round_up``."""
    minute = moment.hour * 60 + moment.minute
    if round_up and (moment.second or moment.microsecond):
        minute += 1
    return minute


def _is_aligned(moment: datetime, step: int) -> bool:
    return moment.second == 0 and moment.microsecond == 0 and _wall_minute(moment) % step == 0


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0 maps a midnight that a DST jump skips to the instant of the jump: the day's real start.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _transition(start: datetime, end: datetime, tz: ZoneInfo) -> datetime:
    """First instant of ``(start, end]`` (UTC) whose UTC offset is that of ``end``: the clock change."""
    target = end.astimezone(tz).utcoffset()
    low, high = start, end
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high


def _wall_span(start: datetime, end: datetime, tz: ZoneInfo, ends_at_midnight: bool) -> tuple[int, int]:
    """Wall-clock minutes ``[first, last)`` covered by ``[start, end)`` (UTC) within one local day."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    first = _wall_minute(local_start)
    last = MINUTES_PER_DAY if ends_at_midnight else _wall_minute(local_end, round_up=True)
    gained = local_start.utcoffset() - local_end.utcoffset()  # type: ignore[operator]
    if gained > timedelta(0):
        # Clocks went back inside the piece (02:30 CEST -> 02:15 CET): the wall times covered are the
        # span up to the change plus the repeated span after it; take the whole of both.
        change = _transition(start, end, tz)
        after = change.astimezone(tz)
        first = min(first, _wall_minute(after))
        last = max(last, _wall_minute(after) + int(gained / timedelta(minutes=1)))
    first = min(max(first, 0), MINUTES_PER_DAY - 1)
    return first, min(max(last, first + 1), MINUTES_PER_DAY)


def _opening_violation(hours: ParsedHours, start: datetime, end: datetime, tz: ZoneInfo) -> Violation | None:
    """Split the slot into local calendar-day pieces; each must fit in one opening interval of its day."""
    cursor = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while cursor < end:
        day = cursor.astimezone(tz).date()
        next_midnight = _local_midnight(day + timedelta(days=1), tz)
        piece_end = min(end, next_midnight)
        first, last = _wall_span(cursor, piece_end, tz, ends_at_midnight=piece_end == next_midnight)
        if not is_open(hours, day.weekday(), first, last):
            return Violation(
                "opening_hours",
                {"weekday": day.weekday(), "start": _format_minute(first), "end": _format_minute(last)},
            )
        cursor = piece_end
    return None


def check_rules(
    rules: Rules, start: datetime, end: datetime, now: datetime, tz: ZoneInfo
) -> Violation | None:
    """The first rule that ``[start, end)`` breaks when asked for at ``now``, or None when it may be booked.

    Preconditions (checked by the caller): ``start < end``, all datetimes timezone-aware. Checks, in order:
    past, min_notice, max_advance (on the start; in elapsed 24-hour days), min_duration, max_duration
    (elapsed minutes), step (local wall-clock minutes of start and end), opening_hours (each local day
    piece within one opening interval; ``end`` of a piece ending at midnight is "24:00").
    """
    start, end, now = start.astimezone(UTC), end.astimezone(UTC), now.astimezone(UTC)
    if start < now:
        return Violation("past", {})
    if rules.min_notice_minutes and start < now + timedelta(minutes=rules.min_notice_minutes):
        return Violation("min_notice", {"minutes": rules.min_notice_minutes})
    if rules.max_advance_days is not None and start > now + timedelta(days=rules.max_advance_days):
        return Violation("max_advance", {"days": rules.max_advance_days})
    duration = end - start
    if rules.min_duration_minutes is not None and duration < timedelta(minutes=rules.min_duration_minutes):
        return Violation("min_duration", {"minutes": rules.min_duration_minutes})
    if rules.max_duration_minutes is not None and duration > timedelta(minutes=rules.max_duration_minutes):
        return Violation("max_duration", {"minutes": rules.max_duration_minutes})
    step = rules.step_minutes or 0  # None or 0: any minute will do
    if step > 0 and not all(_is_aligned(moment.astimezone(tz), step) for moment in (start, end)):
        return Violation("step", {"minutes": step})
    if rules.opening_hours is not None:
        return _opening_violation(rules.opening_hours, start, end, tz)
    return None


def is_late_cancellation(rules: Rules, booking_start: datetime, now: datetime) -> bool:
    """Whether cancelling at ``now`` is late: within the deadline before the start, or after the start.

    With a deadline of 0 only a cancellation after the start is late; exactly at the deadline is in time.
    """
    return now > booking_start - timedelta(minutes=rules.cancel_deadline_minutes or 0)
