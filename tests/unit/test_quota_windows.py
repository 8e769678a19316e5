"""Specification of quota windows (local calendar or rolling days) and of the amount bookings use."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.quota_windows import (
    MAX_ROLLING_DAYS,
    limit_amount,
    used_amount,
    window_at,
    windows_touching,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(window: tuple[datetime, datetime]) -> float:
    return (window[1] - window[0]) / timedelta(hours=1)


# -- calendar windows --------------------------------------------------------------------------------------

def test_a_day_window_runs_from_local_midnight_to_local_midnight_in_utc():
    start, end = window_at("day", paris(2026, 3, 4, 15), PARIS)
    assert (start, end) == (utc(2026, 3, 3, 23), utc(2026, 3, 4, 23))
    assert start.tzinfo is UTC


def test_the_day_window_of_an_instant_is_its_local_day():
    # 23:30 UTC on 3 March is already 4 March in Paris.
    assert window_at("day", utc(2026, 3, 3, 23, 30), PARIS)[0] == paris(2026, 3, 4)


def test_a_day_window_is_23_hours_in_spring_and_25_in_autumn():
    assert hours(window_at("day", paris(2026, 3, 29, 12), PARIS)) == 23
    assert hours(window_at("day", paris(2026, 10, 25, 12), PARIS)) == 25
    assert hours(window_at("day", paris(2026, 10, 26, 12), PARIS)) == 24


def test_a_week_starts_on_monday_local_midnight():
    start, end = window_at("week", paris(2026, 3, 8, 23, 59), PARIS)  # a Sunday evening
    assert (start, end) == (paris(2026, 3, 2), paris(2026, 3, 9))
    assert window_at("week", paris(2026, 3, 9), PARIS)[0] == paris(2026, 3, 9)


def test_the_week_of_the_spring_change_is_one_hour_short():
    assert hours(window_at("week", paris(2026, 3, 27), PARIS)) == 7 * 24 - 1


def test_month_and_year_windows_follow_the_local_calendar():
    assert window_at("month", paris(2026, 2, 14), PARIS) == (paris(2026, 2, 1), paris(2026, 3, 1))
    assert window_at("month", paris(2026, 12, 31, 23), PARIS) == (paris(2026, 12, 1), paris(2027, 1, 1))
    assert window_at("year", paris(2026, 7, 1), PARIS) == (paris(2026, 1, 1), paris(2027, 1, 1))
    # New Year's Eve 23:30 UTC is already the next year in Paris.
    assert window_at("year", utc(2026, 12, 31, 23, 30), PARIS) == (paris(2027, 1, 1), paris(2028, 1, 1))


def test_a_rolling_window_lasts_n_local_days_from_the_local_midnight():
    assert window_at("rolling", paris(2026, 3, 27, 15), PARIS, rolling_days=7) == (
        paris(2026, 3, 27), paris(2026, 4, 3))


@pytest.mark.parametrize("rolling_days", [None, 0, -1, MAX_ROLLING_DAYS + 1])
def test_a_rolling_window_needs_a_sensible_length(rolling_days):
    with pytest.raises(ValueError):
        window_at("rolling", paris(2026, 3, 4), PARIS, rolling_days=rolling_days)


def test_an_unknown_window_or_unit_is_refused():
    with pytest.raises(ValueError):
        window_at("fortnight", paris(2026, 3, 4), PARIS)
    with pytest.raises(ValueError):
        used_amount("kilometres", [], paris(2026, 3, 4), paris(2026, 3, 5))
    with pytest.raises(ValueError):
        limit_amount("kilometres", 3)


# -- windows touching a booking ----------------------------------------------------------------------------

def test_a_booking_within_one_day_touches_one_day_window():
    assert windows_touching("day", paris(2026, 3, 4, 9), paris(2026, 3, 4, 12), PARIS) == [
        (paris(2026, 3, 4), paris(2026, 3, 5))]


def test_a_booking_ending_at_midnight_does_not_touch_the_next_day():
    assert len(windows_touching("day", paris(2026, 3, 4, 20), paris(2026, 3, 5), PARIS)) == 1


def test_a_booking_across_midnight_touches_two_day_windows_and_is_split_between_them():
    start, end = paris(2026, 3, 4, 22), paris(2026, 3, 5, 1, 30)
    first, second = windows_touching("day", start, end, PARIS)
    assert first == (paris(2026, 3, 4), paris(2026, 3, 5))
    assert second == (paris(2026, 3, 5), paris(2026, 3, 6))
    assert used_amount("hours", [(start, end)], *first) == 120
    assert used_amount("hours", [(start, end)], *second) == 90
    assert used_amount("bookings", [(start, end)], *first) == 1
    assert used_amount("bookings", [(start, end)], *second) == 1


def test_a_long_booking_touches_each_month_it_spans():
    windows = windows_touching("month", paris(2026, 1, 20), paris(2026, 3, 2), PARIS)
    assert [start for start, _ in windows] == [paris(2026, 1, 1), paris(2026, 2, 1), paris(2026, 3, 1)]


def test_rolling_windows_touching_a_booking_are_every_n_day_window_containing_part_of_it():
    start, end = paris(2026, 3, 10, 9), paris(2026, 3, 10, 11)
    windows = windows_touching("rolling", start, end, PARIS, rolling_days=3)
    assert windows == [
        (paris(2026, 3, 8), paris(2026, 3, 11)),
        (paris(2026, 3, 9), paris(2026, 3, 12)),
        (paris(2026, 3, 10), paris(2026, 3, 13)),
    ]


def test_rolling_windows_of_a_booking_across_midnight_include_the_second_day():
    start, end = paris(2026, 3, 10, 23), paris(2026, 3, 11, 1)
    windows = windows_touching("rolling", start, end, PARIS, rolling_days=2)
    assert [start for start, _ in windows] == [paris(2026, 3, 9), paris(2026, 3, 10), paris(2026, 3, 11)]


def test_an_empty_slot_touches_no_window():
    assert windows_touching("day", paris(2026, 3, 4, 9), paris(2026, 3, 4, 9), PARIS) == []


@given(
    st.sampled_from(["day", "week", "month", "year", "rolling"]),
    st.integers(min_value=0, max_value=400 * 24 * 4),
    st.integers(min_value=1, max_value=40 * 24 * 4),
    st.integers(min_value=1, max_value=10),
)
def test_windows_touching_are_exactly_the_windows_sharing_an_instant(window, offset, length, rolling_days):
    start = paris(2026, 1, 1) + timedelta(minutes=15 * offset)
    end = start + timedelta(minutes=15 * length)
    windows = windows_touching(window, start, end, PARIS, rolling_days)
    assert windows == sorted(set(windows))
    for window_start, window_end in windows:
        assert window_start < end and start < window_end
    # The window containing the start and the one containing the last instant are among them.
    assert window_at(window, start, PARIS, rolling_days) in windows
    last = window_at(window, end.astimezone(UTC) - timedelta(microseconds=1), PARIS, rolling_days)
    assert last in windows
    if window == "rolling":
        first_day, last_day = start.astimezone(PARIS).date(), (end - timedelta(microseconds=1)).date()
        assert len(windows) == (last_day - first_day).days + rolling_days


# -- used amounts and limits -------------------------------------------------------------------------------

def test_used_hours_are_counted_in_minutes_and_bookings_by_number():
    day = window_at("day", paris(2026, 3, 4), PARIS)
    bookings = [
        (paris(2026, 3, 4, 9), paris(2026, 3, 4, 10, 30)),
        (paris(2026, 3, 4, 14), paris(2026, 3, 4, 15)),
        (paris(2026, 3, 5, 9), paris(2026, 3, 5, 10)),
    ]
    assert used_amount("hours", bookings, *day) == 150
    assert used_amount("bookings", bookings, *day) == 2


def test_a_booking_ending_at_the_window_start_is_not_counted():
    day = window_at("day", paris(2026, 3, 4), PARIS)
    assert used_amount("bookings", [(paris(2026, 3, 3, 22), paris(2026, 3, 4))], *day) == 0
    assert used_amount("hours", [(paris(2026, 3, 3, 22), paris(2026, 3, 4))], *day) == 0


def test_used_hours_on_the_spring_change_day_are_real_time():
    day = window_at("day", paris(2026, 3, 29), PARIS)
    assert used_amount("hours", [(paris(2026, 3, 29, 1), paris(2026, 3, 29, 4))], *day) == 120


def test_limits_are_expressed_in_the_same_measure_as_usage():
    assert limit_amount("hours", 10) == 600
    assert limit_amount("bookings", 3) == 3


def test_a_rolling_window_counts_bookings_of_its_days_only():
    window = window_at("rolling", paris(2026, 3, 10, 12), PARIS, rolling_days=7)  # 10 to 16 March
    bookings = [(paris(2026, 3, day, 9), paris(2026, 3, day, 10)) for day in (9, 10, 12, 16, 17)]
    assert used_amount("bookings", bookings, *window) == 3
    assert used_amount("hours", bookings, *window) == 180


@st.composite
def bookings_in_march(draw):
    """Up to 6 bookings on a 15-minute grid, from 1 to 31 March 2026 (includes the spring change)."""
    grid = 30 * 24 * 4
    result = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        start = draw(st.integers(min_value=0, max_value=grid - 1))
        end = draw(st.integers(min_value=start + 1, max_value=min(grid, start + 3 * 24 * 4)))
        base = paris(2026, 3, 1).astimezone(UTC)
        result.append((base + timedelta(minutes=15 * start), base + timedelta(minutes=15 * end)))
    return result


@given(bookings_in_march())
def test_used_minutes_over_consecutive_day_windows_add_up_to_the_bookings_minutes(bookings):
    days = windows_touching("day", paris(2026, 3, 1), paris(2026, 4, 1), PARIS)
    assert len(days) == 31
    total = sum((end - start) // timedelta(minutes=1) for start, end in bookings)
    assert sum(used_amount("hours", bookings, *day) for day in days) == total
