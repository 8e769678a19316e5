"""Specification of a resource's booking rules: each rule refuses, and its boundary is accepted."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mutualise.domain.booking_rules import RULES, Rules, Violation, check_rules, is_late_cancellation
from mutualise.domain.opening_hours import parse_opening_hours

PARIS = ZoneInfo("Europe/Paris")
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local and UTC quarter hours differ
NOW = datetime(2026, 3, 3, 9, tzinfo=UTC)  # Tuesday 10:00 in Paris
FREE = Rules(step_minutes=0)  # no rule at all, to test one rule at a time


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def check(rules: Rules, start: datetime, end: datetime, now: datetime = NOW, tz: ZoneInfo = PARIS):
    return check_rules(rules, start, end, now, tz)


def test_a_slot_meeting_every_rule_is_accepted():
    rules = Rules(min_duration_minutes=30, max_duration_minutes=240, step_minutes=15, min_notice_minutes=60,
                  max_advance_days=90, opening_hours=parse_opening_hours("mon-fri 08:00-18:00"))
    assert check(rules, paris(2026, 3, 4, 9), paris(2026, 3, 4, 10, 30)) is None


def test_the_rule_codes_are_the_documented_ones():
    assert RULES == (
        "past", "min_duration", "max_duration", "step", "min_notice", "max_advance", "opening_hours"
    )


# -- past, notice, advance ---------------------------------------------------------------------------------

def test_a_slot_starting_in_the_past_is_refused():
    assert check(FREE, NOW - timedelta(minutes=1), NOW + timedelta(hours=1)) == Violation("past", {})


def test_a_slot_starting_now_is_not_in_the_past():
    assert check(FREE, NOW, NOW + timedelta(hours=1)) is None


def test_a_slot_inside_the_notice_is_refused_and_at_the_notice_accepted():
    rules = Rules(step_minutes=0, min_notice_minutes=120)
    assert check(rules, NOW + timedelta(minutes=119), NOW + timedelta(hours=3)) == Violation(
        "min_notice", {"minutes": 120})
    assert check(rules, NOW + timedelta(minutes=120), NOW + timedelta(hours=3)) is None


def test_past_is_reported_before_the_notice():
    rules = Rules(step_minutes=0, min_notice_minutes=120)
    assert check(rules, NOW - timedelta(hours=1), NOW).rule == "past"


def test_a_slot_starting_beyond_the_advance_limit_is_refused_and_at_the_limit_accepted():
    rules = Rules(step_minutes=0, max_advance_days=30)
    limit = NOW + timedelta(days=30)
    assert check(rules, limit, limit + timedelta(hours=1)) is None
    assert check(rules, limit + timedelta(minutes=1), limit + timedelta(hours=1)) == Violation(
        "max_advance", {"days": 30})


def test_the_advance_limit_looks_at_the_start_only():
    rules = Rules(step_minutes=0, max_advance_days=1)
    start = NOW + timedelta(hours=23)
    assert check(rules, start, start + timedelta(days=3)) is None


# -- durations ---------------------------------------------------------------------------------------------

def test_a_slot_shorter_than_the_minimum_is_refused_and_the_minimum_accepted():
    rules = Rules(step_minutes=0, min_duration_minutes=60)
    start = paris(2026, 3, 4, 9)
    assert check(rules, start, start + timedelta(minutes=59)) == Violation("min_duration", {"minutes": 60})
    assert check(rules, start, start + timedelta(minutes=60)) is None


def test_a_slot_longer_than_the_maximum_is_refused_and_the_maximum_accepted():
    rules = Rules(step_minutes=0, max_duration_minutes=120)
    start = paris(2026, 3, 4, 9)
    assert check(rules, start, start + timedelta(minutes=121)) == Violation("max_duration", {"minutes": 120})
    assert check(rules, start, start + timedelta(minutes=120)) is None


def test_durations_are_real_elapsed_time_on_the_spring_forward_night():
    # 01:00 -> 04:00 local on 29 March 2026 lasts two hours: 02:00-03:00 does not exist.
    rules = Rules(step_minutes=0, max_duration_minutes=120)
    assert check(rules, paris(2026, 3, 29, 1), paris(2026, 3, 29, 4)) is None
    rules = Rules(step_minutes=0, min_duration_minutes=180)
    assert check(rules, paris(2026, 3, 29, 1), paris(2026, 3, 29, 4)).rule == "min_duration"


# -- step --------------------------------------------------------------------------------------------------

def test_a_slot_off_the_step_is_refused_at_either_end():
    rules = Rules(step_minutes=30)
    assert check(rules, paris(2026, 3, 4, 9, 15), paris(2026, 3, 4, 10)) == Violation("step", {"minutes": 30})
    assert check(rules, paris(2026, 3, 4, 9), paris(2026, 3, 4, 10, 10)) == Violation("step", {"minutes": 30})
    assert check(rules, paris(2026, 3, 4, 9, 30), paris(2026, 3, 4, 10)) is None


def test_seconds_break_the_step():
    rules = Rules(step_minutes=1)
    assert check(rules, paris(2026, 3, 4, 9, 0, 30), paris(2026, 3, 4, 10)).rule == "step"


def test_the_step_follows_the_local_clock_not_utc():
    # 10:00 in Kolkata is 04:30 UTC: aligned on an hour locally even though not in UTC.
    rules = Rules(step_minutes=60)
    start = datetime(2026, 3, 4, 10, tzinfo=KOLKATA)
    assert check(rules, start, start + timedelta(hours=1), tz=KOLKATA) is None
    assert check(rules, start, start + timedelta(hours=1), tz=UTC).rule == "step"


@pytest.mark.parametrize("month, day", [(3, 29), (10, 25)], ids=["spring", "autumn"])
def test_ten_oclock_paris_is_aligned_on_dst_days(month, day):
    rules = Rules(step_minutes=60)
    start = paris(2026, month, day, 10)
    assert check(rules, start, start + timedelta(hours=2)) is None
    assert check(rules, start + timedelta(minutes=15), start + timedelta(hours=2)).rule == "step"


def test_a_slot_across_the_spring_gap_is_aligned_on_local_hours():
    # 01:00 -> 03:00 local (one real hour) on 29 March 2026: both ends on the local hour.
    rules = Rules(step_minutes=60)
    assert check(rules, paris(2026, 3, 29, 1), paris(2026, 3, 29, 3)) is None
    assert check(rules, paris(2026, 3, 29, 1), paris(2026, 3, 29, 3, 30)).rule == "step"


def test_a_slot_in_the_repeated_autumn_hour_is_aligned_on_local_hours():
    rules = Rules(step_minutes=60)
    first_two = datetime(2026, 10, 25, 2, tzinfo=PARIS)  # 02:00 CEST
    second_two = datetime(2026, 10, 25, 2, fold=1, tzinfo=PARIS)  # 02:00 CET, one hour later
    assert check(rules, first_two, second_two) is None
    assert check(rules, first_two, second_two + timedelta(minutes=20)).rule == "step"


# -- opening hours -----------------------------------------------------------------------------------------

OFFICE = parse_opening_hours("mon-fri 08:00-12:00, 14:00-18:00\nsat 09:00-12:00")
NIGHT_AND_DAY = parse_opening_hours("mon-sun 00:00-24:00")
EVENINGS = parse_opening_hours("mon-sun 00:00-02:00, 18:00-24:00")


def test_no_opening_hours_means_always_open():
    rules = Rules(step_minutes=0, opening_hours=None)
    assert check(rules, paris(2026, 3, 8, 3), paris(2026, 3, 9, 23)) is None  # Sunday night to Monday night


def test_a_slot_within_one_opening_interval_is_accepted_up_to_its_edges():
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    assert check(rules, paris(2026, 3, 4, 8), paris(2026, 3, 4, 12)) is None
    assert check(rules, paris(2026, 3, 7, 9), paris(2026, 3, 7, 12)) is None  # Saturday


def test_a_slot_over_the_lunch_break_is_refused_with_its_day_piece():
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    assert check(rules, paris(2026, 3, 4, 11), paris(2026, 3, 4, 15)) == Violation(
        "opening_hours", {"weekday": 2, "start": "11:00", "end": "15:00"})


def test_a_slot_on_a_closed_day_is_refused():
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    assert check(rules, paris(2026, 3, 8, 9), paris(2026, 3, 8, 10)).params["weekday"] == 6  # Sunday


def test_touching_opening_intervals_do_not_join():
    rules = Rules(step_minutes=0, opening_hours=parse_opening_hours("mon-sun 08:00-12:00, 12:00-18:00"))
    assert check(rules, paris(2026, 3, 4, 11), paris(2026, 3, 4, 13)).rule == "opening_hours"


def test_a_booking_across_midnight_needs_both_evenings_and_mornings_open():
    rules = Rules(step_minutes=0, opening_hours=EVENINGS)
    assert check(rules, paris(2026, 3, 4, 20), paris(2026, 3, 5, 2)) is None
    # Too late on the second day: the Thursday piece 00:00-03:00 is reported.
    assert check(rules, paris(2026, 3, 4, 20), paris(2026, 3, 5, 3)) == Violation(
        "opening_hours", {"weekday": 3, "start": "00:00", "end": "03:00"})


def test_a_day_piece_ending_at_midnight_is_reported_as_24_00():
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    assert check(rules, paris(2026, 3, 4, 20), paris(2026, 3, 5, 0)) == Violation(
        "opening_hours", {"weekday": 2, "start": "20:00", "end": "24:00"})


def test_a_booking_across_midnight_is_refused_where_the_evening_closes():
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    assert check(rules, paris(2026, 3, 4, 17), paris(2026, 3, 5, 9)).params == {
        "weekday": 2, "start": "17:00", "end": "24:00"}


def test_a_multi_day_booking_fits_hours_open_all_day():
    rules = Rules(step_minutes=0, opening_hours=NIGHT_AND_DAY)
    assert check(rules, paris(2026, 3, 4, 17), paris(2026, 3, 7, 9)) is None


def test_opening_hours_are_read_on_the_local_clock_across_dst():
    rules = Rules(step_minutes=0, opening_hours=parse_opening_hours("mon-sun 08:00-12:00"))
    for day in (4, 29):  # winter, then the spring-forward Sunday
        assert check(rules, paris(2026, 3, day, 8), paris(2026, 3, day, 12)) is None
        assert check(rules, paris(2026, 3, day, 7), paris(2026, 3, day, 12)).rule == "opening_hours"


def test_a_slot_in_the_repeated_autumn_hour_covers_the_whole_hour():
    # 02:30 CEST -> 02:15 CET is 45 minutes that cover the wall clock from 02:00 to 03:00.
    start = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)
    end = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=PARIS)
    open_at_two = Rules(step_minutes=0, opening_hours=parse_opening_hours("mon-sun 02:00-03:00"))
    open_from_half_past = Rules(step_minutes=0, opening_hours=parse_opening_hours("mon-sun 02:30-03:00"))
    assert check(open_at_two, start, end) is None
    assert check(open_from_half_past, start, end) == Violation(
        "opening_hours", {"weekday": 6, "start": "02:00", "end": "03:00"})


@given(
    # hypothesis wants naive bounds; the drawn wall times are then placed in Paris.
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),  # noqa: DTZ001
    st.integers(min_value=1, max_value=3 * 24 * 60),
)
@example(datetime(2026, 10, 25, 1, 50), 70)  # noqa: DTZ001 -- across the autumn change
@example(datetime(2026, 10, 24, 23, 0), 4 * 60)  # noqa: DTZ001
@example(datetime(2026, 3, 29, 1, 59), 2)  # noqa: DTZ001 -- across the spring gap
def test_checking_opening_hours_never_crashes(naive_start, minutes):
    rules = Rules(step_minutes=0, opening_hours=OFFICE)
    start = naive_start.replace(tzinfo=PARIS).astimezone(UTC)
    result = check(rules, start, start + timedelta(minutes=minutes), now=start)
    assert result is None or result.rule == "opening_hours"


# -- order of the checks -----------------------------------------------------------------------------------

def test_the_first_broken_rule_in_order_is_reported():
    rules = Rules(min_duration_minutes=60, step_minutes=30, opening_hours=OFFICE)
    start = paris(2026, 3, 8, 9, 10)  # a Sunday, off the step, and too short
    assert check(rules, start, start + timedelta(minutes=20)).rule == "min_duration"
    assert check(rules, start, start + timedelta(minutes=80)).rule == "step"
    assert check(rules, paris(2026, 3, 8, 9), paris(2026, 3, 8, 10)).rule == "opening_hours"


# -- late cancellation -------------------------------------------------------------------------------------

def test_cancelling_before_the_deadline_is_in_time_and_within_it_late():
    rules = Rules(cancel_deadline_minutes=24 * 60)
    start = NOW + timedelta(days=2)
    assert not is_late_cancellation(rules, start, start - timedelta(hours=24))
    assert is_late_cancellation(rules, start, start - timedelta(hours=24) + timedelta(seconds=1))
    assert is_late_cancellation(rules, start, start + timedelta(hours=1))


def test_without_a_deadline_only_cancelling_after_the_start_is_late():
    rules = Rules()
    start = NOW + timedelta(hours=1)
    assert not is_late_cancellation(rules, start, start - timedelta(minutes=1))
    assert not is_late_cancellation(rules, start, start)
    assert is_late_cancellation(rules, start, start + timedelta(minutes=1))
