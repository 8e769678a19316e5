"""Pricing a booking's usage from its resource's tariff, in integer cents.

Time is priced per local day: the day's minutes are rounded up to the tariff's step, priced at the hourly
rate (half a cent rounds up) and capped at the daily cap; then multiplied by the units booked. Vehicles
add the distance between the odometer readings at the per-km rate, and every used booking pays the
booking fee. A booking cancelled after the deadline pays only the late-cancellation fee; other cancelled,
rejected or never approved bookings cost nothing. A no-show held the slot, so it pays the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import floor
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Tariff:
    hourly_cents: int = 0
    step_minutes: int = 60
    daily_cap_cents: int | None = None
    per_km_cents: int = 0
    booking_fee_cents: int = 0
    late_cancel_fee_cents: int = 0


@dataclass(frozen=True)
class BookingUse:
    """What happened to a booking, as far as its price goes."""

    start: datetime
    end: datetime
    quantity: int = 1
    status: str = "confirmed"  # pending | confirmed | rejected | cancelled
    cancelled_late: bool = False
    distance_km: int | None = None


@dataclass(frozen=True)
class UsageLine:
    """One priced component. kind: "time" (quantity = billed minutes, capped_days = days held at the
    daily cap, units = units booked), "distance" (quantity = km), "booking_fee" or "late_cancel_fee"."""

    kind: str
    quantity: int
    cents: int
    capped_days: int = 0
    units: int = 1


def round_half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def round_up_to_step(minutes: int, step: int) -> int:
    return -(-minutes // step) * step


def minutes_per_local_day(start: datetime, end: datetime, zone: ZoneInfo) -> list[int]:
    """Minutes of [start, end) falling on each local day it touches (real elapsed minutes, so a day with
    a daylight-saving change counts what actually passed)."""
    result = []
    # in UTC: Python subtracts datetimes sharing a tzinfo as wall times, which would count a
    # daylight-saving day as 24 h
    cursor, end = start.astimezone(UTC), end.astimezone(UTC)
    while cursor < end:
        local = cursor.astimezone(zone)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        day_end = min(end, next_midnight.astimezone(UTC))
        result.append(int((day_end - cursor).total_seconds() // 60))
        cursor = day_end
    return result


def price_usage(tariff: Tariff, use: BookingUse, zone: ZoneInfo) -> list[UsageLine]:
    """The priced components of a booking (empty when it costs nothing)."""
    if use.status == "cancelled":
        if use.cancelled_late and tariff.late_cancel_fee_cents:
            return [UsageLine("late_cancel_fee", 1, tariff.late_cancel_fee_cents)]
        return []
    if use.status != "confirmed":
        return []
    lines = []
    if tariff.hourly_cents:
        billed_minutes = capped_days = 0
        day_cents = 0
        for minutes in minutes_per_local_day(use.start, use.end, zone):
            billed = round_up_to_step(minutes, tariff.step_minutes)
            cents = round_half_up(Fraction(billed * tariff.hourly_cents, 60))
            if tariff.daily_cap_cents is not None and cents > tariff.daily_cap_cents:
                cents = tariff.daily_cap_cents
                capped_days += 1
            billed_minutes += billed
            day_cents += cents
        if day_cents:
            lines.append(UsageLine("time", billed_minutes, day_cents * use.quantity, capped_days,
                                   use.quantity))
    if tariff.per_km_cents and use.distance_km:
        lines.append(UsageLine("distance", use.distance_km, use.distance_km * tariff.per_km_cents))
    if tariff.booking_fee_cents:
        lines.append(UsageLine("booking_fee", 1, tariff.booking_fee_cents))
    return lines
