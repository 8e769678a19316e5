"""Half-open time intervals ``[start, end)``: overlap, merging, load profiles and free slots.

Half-open bounds mean that a booking ending at 10:00 and one starting at 10:00 do not overlap, so
back-to-back bookings are allowed without any special case. Datetimes are timezone-aware, normally in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

Interval = tuple[datetime, datetime]
Load = tuple[datetime, datetime, int]

_MINUTE = timedelta(minutes=1)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether ``[a_start, a_end)`` and ``[b_start, b_end)`` share an instant; touching is not overlapping."""
    return a_start < b_end and b_start < a_end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of the intervals: overlapping or touching ones become one; empty ones are dropped."""
    merged: list[Interval] = []
    for start, end in sorted((start, end) for start, end in intervals if start < end):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def load_profile(loads: Iterable[Load], start: datetime, end: datetime) -> list[Load]:
    """Piecewise-constant sum of the quantities of ``loads`` over ``[start, end)``.

    Each load ``(load_start, load_end, quantity)`` is clipped to the window. The result lists sorted,
    non-overlapping segments ``(segment_start, segment_end, total)`` with ``total > 0`` only; adjacent
    segments carrying the same total are merged.
    """
    # Sweep line: +quantity where a load begins, -quantity where it ends.
    deltas: dict[datetime, int] = {}
    for load_start, load_end, quantity in loads:
        clipped_start, clipped_end = max(load_start, start), min(load_end, end)
        if clipped_start >= clipped_end or quantity == 0:
            continue
        deltas[clipped_start] = deltas.get(clipped_start, 0) + quantity
        deltas[clipped_end] = deltas.get(clipped_end, 0) - quantity
    profile: list[Load] = []
    total = 0
    instants = sorted(deltas)
    for here, following in zip(instants, instants[1:], strict=False):
        total += deltas[here]
        if total <= 0:
            continue
        if profile and profile[-1][1] == here and profile[-1][2] == total:
            profile[-1] = (profile[-1][0], following, total)
        else:
            profile.append((here, following, total))
    return profile


def peak_load(loads: Iterable[Load], start: datetime, end: datetime) -> int:
    """Highest total quantity in use at any instant of ``[start, end)``; 0 when nothing is in use."""
    return max((total for _, _, total in load_profile(loads, start, end)), default=0)


def free_slots(profile: list[Load], stock: int, start: datetime, end: datetime) -> list[Interval]:
    """Parts of ``[start, end)`` where the load of ``profile`` stays below ``stock`` (merged, sorted).

    ``profile`` is what load_profile() returns; instants outside its segments carry no load.
    """
    if start >= end or stock <= 0:
        return []
    full = merge((seg_start, seg_end) for seg_start, seg_end, total in profile if total >= stock)
    slots: list[Interval] = []
    cursor = start
    for full_start, full_end in full:
        if full_end <= cursor:
            continue
        if full_start >= end:
            break
        if full_start > cursor:
            slots.append((cursor, full_start))
        cursor = full_end
    if cursor < end:
        slots.append((cursor, end))
    return slots


def minutes_inside(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> int:
    """Whole minutes (rounded down) of ``[start, end)`` that fall inside ``[window_start, window_end)``."""
    # Subtract in UTC: two datetimes sharing a ZoneInfo subtract as wall times, wrong across DST.
    inside = min(end, window_end).astimezone(UTC) - max(start, window_start).astimezone(UTC)
    if inside <= timedelta(0):
        return 0
    return inside // _MINUTE
