"""Specification of usage pricing: steps, half-cent rounding, daily caps per local day, fees."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.tariffs import BookingUse, Tariff, UsageLine, minutes_per_local_day, price_usage

PARIS = ZoneInfo("Europe/Paris")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def use_for(minutes: int, start: datetime = utc(2024, 5, 14, 8), **overrides) -> BookingUse:
    return BookingUse(start=start, end=start + timedelta(minutes=minutes), **overrides)


def time_cents(lines: list[UsageLine]) -> int:
    return sum(line.cents for line in lines if line.kind == "time")


def test_minutes_are_rounded_up_to_the_tariff_step():
    [line] = price_usage(Tariff(hourly_cents=600, step_minutes=15), use_for(61), PARIS)
    assert (line.kind, line.quantity, line.cents) == ("time", 75, 750)


def test_minutes_already_on_a_step_are_not_rounded():
    [line] = price_usage(Tariff(hourly_cents=600, step_minutes=15), use_for(60), PARIS)
    assert (line.quantity, line.cents) == (60, 600)


@pytest.mark.parametrize(
    ("hourly_cents", "step", "minutes", "cents"),
    [(1, 30, 30, 1),  # 0.5 c -> 1 c
     (1, 90, 90, 2),  # 1.5 c -> 2 c
     (3, 10, 10, 1),  # 0.5 c -> 1 c
     (7, 60, 100, 14),  # 120 min: 14 c, no rounding
     (5, 1, 7, 1)],  # 0.583 c -> 1 c
)
def test_hourly_price_rounds_half_a_cent_up(hourly_cents, step, minutes, cents):
    lines = price_usage(Tariff(hourly_cents=hourly_cents, step_minutes=step), use_for(minutes), PARIS)
    assert time_cents(lines) == cents


def test_less_than_half_a_cent_costs_nothing():
    # 1 c an hour for 29 minutes is 0.48 c
    assert price_usage(Tariff(hourly_cents=1, step_minutes=1), use_for(29), PARIS) == []


def test_the_daily_cap_applies_to_each_local_day_of_the_booking():
    # Paris is UTC+2 in May: 20:00 to 10:00 the next day is 4 h, then 10 h (capped at 50 €)
    tariff = Tariff(hourly_cents=1000, daily_cap_cents=5000)
    use = BookingUse(start=paris(2024, 5, 14, 20), end=paris(2024, 5, 15, 10))
    [line] = price_usage(tariff, use, PARIS)
    assert (line.quantity, line.cents, line.capped_days) == (14 * 60, 4000 + 5000, 1)


def test_a_booking_capped_on_both_local_days_pays_two_caps():
    tariff = Tariff(hourly_cents=1000, daily_cap_cents=5000)
    use = BookingUse(start=paris(2024, 5, 14, 10), end=paris(2024, 5, 15, 18))
    [line] = price_usage(tariff, use, PARIS)
    assert (line.cents, line.capped_days) == (2 * 5000, 2)


def test_the_local_day_not_the_utc_day_decides_the_cap():
    # 23:30 to 00:30 UTC is 01:30 to 02:30 in Paris: one local day, one cap
    tariff = Tariff(hourly_cents=1000, daily_cap_cents=500)
    use = BookingUse(start=utc(2024, 5, 14, 23, 30), end=utc(2024, 5, 15, 0, 30))
    [line] = price_usage(tariff, use, PARIS)
    assert (line.cents, line.capped_days) == (500, 1)


@pytest.mark.parametrize(
    ("day", "minutes"), [((2024, 3, 31), 23 * 60), ((2024, 10, 27), 25 * 60), ((2024, 5, 14), 24 * 60)],
)
def test_a_whole_local_day_counts_the_minutes_that_really_passed(day, minutes):
    # local midnight to the next local midnight, given in UTC as the database stores them
    start, end = paris(*day).astimezone(UTC), (paris(*day) + timedelta(days=1)).astimezone(UTC)
    assert minutes_per_local_day(start, end, PARIS) == [minutes]
    [line] = price_usage(Tariff(hourly_cents=60), BookingUse(start=start, end=end), PARIS)
    assert (line.quantity, line.cents) == (minutes, minutes)


def test_a_day_with_a_dst_change_inside_a_longer_booking_counts_its_real_minutes():
    # noon UTC on 30 March to noon UTC on 1 April 2024: 48 hours really passed, 23 of them on the 31st
    start, end = utc(2024, 3, 30, 12), utc(2024, 4, 1, 12)
    assert minutes_per_local_day(start, end, PARIS) == [11 * 60, 23 * 60, 14 * 60]


def test_local_days_are_the_same_whatever_zone_the_times_are_given_in():
    start, end = paris(2024, 10, 27), paris(2024, 10, 28)
    assert minutes_per_local_day(start, end, PARIS) == [25 * 60]


def test_the_quantity_booked_multiplies_the_time():
    [line] = price_usage(Tariff(hourly_cents=600, step_minutes=15), use_for(61, quantity=3), PARIS)
    assert (line.quantity, line.units, line.cents) == (75, 3, 3 * 750)


def test_distance_is_priced_per_km():
    tariff = Tariff(per_km_cents=25)
    assert price_usage(tariff, use_for(60, distance_km=120), PARIS) == [UsageLine("distance", 120, 3000)]
    assert price_usage(tariff, use_for(60, distance_km=None), PARIS) == []


def test_every_used_booking_pays_the_booking_fee_after_time_and_distance():
    tariff = Tariff(hourly_cents=600, per_km_cents=30, booking_fee_cents=250)
    lines = price_usage(tariff, use_for(120, distance_km=10), PARIS)
    assert [(line.kind, line.cents) for line in lines] == [
        ("time", 1200), ("distance", 300), ("booking_fee", 250)]


FULL_TARIFF = Tariff(hourly_cents=600, per_km_cents=30, booking_fee_cents=250, late_cancel_fee_cents=1500)


def test_a_late_cancellation_pays_only_the_late_cancellation_fee():
    use = use_for(120, status="cancelled", cancelled_late=True, distance_km=10)
    lines = price_usage(FULL_TARIFF, use, PARIS)
    assert lines == [UsageLine("late_cancel_fee", 1, 1500)]


@pytest.mark.parametrize(
    "use",
    [use_for(120, status="cancelled", cancelled_late=False), use_for(120, status="rejected"),
     use_for(120, status="pending"), use_for(120, status="rejected", cancelled_late=True)],
    ids=["cancelled on time", "rejected", "pending", "rejected flagged late"],
)
def test_bookings_that_were_not_used_cost_nothing(use):
    assert price_usage(FULL_TARIFF, use, PARIS) == []


def test_a_late_cancellation_without_a_fee_costs_nothing():
    tariff = Tariff(hourly_cents=600, booking_fee_cents=250)
    assert price_usage(tariff, use_for(120, status="cancelled", cancelled_late=True), PARIS) == []


# minute-aligned starts over two years, often in the days before a daylight-saving change; bookings up to
# five days long
DST_CHANGES = [utc(2024, 3, 31, 1), utc(2024, 10, 27, 1), utc(2025, 3, 30, 1), utc(2025, 10, 26, 1)]
starts = st.integers(min_value=0, max_value=2 * 366 * 24 * 60).map(
    lambda minutes: utc(2024, 1, 1) + timedelta(minutes=minutes)) | st.builds(
    lambda change, minutes: change - timedelta(minutes=minutes), st.sampled_from(DST_CHANGES),
    st.integers(min_value=0, max_value=4 * 24 * 60))
durations = st.integers(min_value=0, max_value=5 * 24 * 60)
tariffs = st.builds(
    Tariff,
    hourly_cents=st.integers(min_value=0, max_value=100_000),
    step_minutes=st.sampled_from([1, 5, 15, 30, 60, 90, 24 * 60]),
    daily_cap_cents=st.none() | st.integers(min_value=0, max_value=500_000),
    per_km_cents=st.integers(min_value=0, max_value=1_000),
    booking_fee_cents=st.integers(min_value=0, max_value=10_000),
    late_cancel_fee_cents=st.integers(min_value=0, max_value=10_000),
)
uses = st.builds(
    BookingUse,
    start=starts,
    end=st.just(None),
    quantity=st.integers(min_value=1, max_value=20),
    status=st.sampled_from(["pending", "confirmed", "rejected", "cancelled"]),
    cancelled_late=st.booleans(),
    distance_km=st.none() | st.integers(min_value=0, max_value=5_000),
)


@given(tariffs, uses, durations)
def test_a_price_is_never_negative(tariff, use, minutes):
    use = replace(use, end=use.start + timedelta(minutes=minutes))
    assert all(line.cents >= 0 for line in price_usage(tariff, use, PARIS))


@given(tariffs, starts, durations, durations, st.integers(min_value=1, max_value=20))
def test_the_time_price_never_drops_when_the_booking_is_longer(tariff, start, minutes, more, quantity):
    shorter = price_usage(tariff, use_for(minutes, start, quantity=quantity), PARIS)
    longer = price_usage(tariff, use_for(minutes + more, start, quantity=quantity), PARIS)
    assert time_cents(shorter) <= time_cents(longer)


@given(tariffs.filter(lambda tariff: tariff.daily_cap_cents is not None), starts, durations,
       st.integers(min_value=1, max_value=20))
def test_a_capped_time_price_never_exceeds_one_cap_per_local_day_and_unit(tariff, start, minutes, quantity):
    use = use_for(minutes, start, quantity=quantity)
    days = len(minutes_per_local_day(use.start, use.end, PARIS))
    assert time_cents(price_usage(tariff, use, PARIS)) <= days * tariff.daily_cap_cents * quantity


@given(starts, durations)
def test_local_days_share_out_exactly_the_minutes_that_passed(start, minutes):
    days = minutes_per_local_day(start, start + timedelta(minutes=minutes), PARIS)
    assert sum(days) == minutes
    assert all(0 < day <= 25 * 60 for day in days)
