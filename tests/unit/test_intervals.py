"""Specification of half-open time intervals: overlap, merge, load profile, peak load and free slots."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.intervals import free_slots, load_profile, merge, minutes_inside, overlaps, peak_load

BASE = datetime(2026, 3, 3, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def at(minute: int) -> datetime:
    """An instant on a minute grid, so that properties can be checked minute by minute."""
    return BASE + timedelta(minutes=minute)


def span(start: int, end: int) -> tuple[datetime, datetime]:
    return at(start), at(end)


minutes = st.integers(min_value=0, max_value=60)


@st.composite
def intervals(draw, max_minute: int = 60):
    start = draw(st.integers(min_value=0, max_value=max_minute - 1))
    end = draw(st.integers(min_value=start + 1, max_value=max_minute))
    return start, end


@st.composite
def loads(draw):
    start, end = draw(intervals())
    return at(start), at(end), draw(st.integers(min_value=1, max_value=3))


load_lists = st.lists(loads(), max_size=6)


def load_at(loads_: list, minute: int) -> int:
    """Brute force: total quantity in use during the minute starting at ``minute``."""
    instant = at(minute)
    return sum(quantity for start, end, quantity in loads_ if start <= instant < end)


# -- overlaps ----------------------------------------------------------------------------------------------

def test_intervals_sharing_a_minute_overlap():
    assert overlaps(*span(0, 30), *span(29, 60))


def test_back_to_back_intervals_do_not_overlap():
    assert not overlaps(*span(0, 30), *span(30, 60))
    assert not overlaps(*span(30, 60), *span(0, 30))


def test_an_interval_inside_another_overlaps_it():
    assert overlaps(*span(0, 60), *span(10, 20))


@given(intervals(), intervals())
def test_overlap_is_symmetric(a, b):
    assert overlaps(*span(*a), *span(*b)) == overlaps(*span(*b), *span(*a))


@given(intervals(), st.integers(min_value=1, max_value=60))
def test_touching_intervals_never_overlap(a, length):
    start, end = a
    assert not overlaps(*span(start, end), *span(end, end + length))
    assert not overlaps(*span(start - length, start), *span(start, end))


@given(intervals(), intervals())
def test_overlap_means_some_minute_lies_in_both(a, b):
    shared = any(a[0] <= m < a[1] and b[0] <= m < b[1] for m in range(61))
    assert overlaps(*span(*a), *span(*b)) == shared


def test_overlap_compares_instants_across_time_zones():
    paris_ten = datetime(2026, 7, 1, 10, tzinfo=PARIS)  # 08:00 UTC
    utc_eight_thirty = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert overlaps(paris_ten, paris_ten + hour, utc_eight_thirty, utc_eight_thirty + hour)
    assert not overlaps(paris_ten, paris_ten + hour, utc_eight_thirty + hour, utc_eight_thirty + 2 * hour)


# -- merge -------------------------------------------------------------------------------------------------

def test_merge_joins_overlapping_and_touching_intervals_and_sorts():
    merged = merge([span(50, 60), span(0, 10), span(10, 20), span(15, 30), span(40, 45)])
    assert merged == [span(0, 30), span(40, 45), span(50, 60)]


def test_merge_keeps_an_interval_containing_others_whole():
    assert merge([span(0, 60), span(10, 20), span(30, 40)]) == [span(0, 60)]


def test_merge_drops_empty_intervals_and_accepts_nothing():
    assert merge([span(10, 10)]) == []
    assert merge([]) == []


@given(st.lists(intervals(), max_size=8))
def test_merge_covers_the_same_minutes_with_disjoint_sorted_intervals(raw):
    merged = merge(span(*item) for item in raw)
    covered = {m for start, end in raw for m in range(start, end)}
    merged_minutes = [m for start, end in merged for m in range((start - BASE) // timedelta(minutes=1),
                                                                 (end - BASE) // timedelta(minutes=1))]
    assert sorted(merged_minutes) == sorted(covered)
    assert len(merged_minutes) == len(covered)  # no minute counted twice
    for (_, first_end), (second_start, _) in zip(merged, merged[1:], strict=False):
        assert first_end < second_start  # sorted, and touching ones were joined


# -- load profile and peak load ----------------------------------------------------------------------------

def test_load_profile_sums_quantities_and_skips_idle_time():
    profile = load_profile([(*span(0, 30), 1), (*span(20, 40), 2), (*span(50, 60), 1)], at(0), at(60))
    assert profile == [(*span(0, 20), 1), (*span(20, 30), 3), (*span(30, 40), 2), (*span(50, 60), 1)]


def test_load_profile_merges_adjacent_segments_with_equal_sums():
    profile = load_profile([(*span(0, 30), 2), (*span(30, 60), 2)], at(0), at(60))
    assert profile == [(*span(0, 60), 2)]


def test_load_profile_is_clipped_to_the_window():
    profile = load_profile([(*span(0, 60), 1), (*span(100, 120), 5)], at(30), at(90))
    assert profile == [(*span(30, 60), 1)]


def test_peak_load_is_zero_without_loads():
    assert peak_load([], at(0), at(60)) == 0
    assert peak_load([(*span(0, 10), 4)], at(10), at(60)) == 0


def test_peak_load_of_two_back_to_back_bookings_is_one():
    assert peak_load([(*span(0, 30), 1), (*span(30, 60), 1)], at(0), at(60)) == 1


@given(load_lists, intervals())
def test_peak_load_equals_the_busiest_minute(loads_, window):
    brute = max((load_at(loads_, m) for m in range(*window)), default=0)
    assert peak_load(loads_, *span(*window)) == brute


@given(load_lists, intervals())
def test_load_profile_gives_each_minute_its_load(loads_, window):
    profile = load_profile(loads_, *span(*window))
    for m in range(*window):
        in_profile = [total for start, end, total in profile if start <= at(m) < end]
        assert sum(in_profile) == load_at(loads_, m)
        assert len(in_profile) <= 1
    for first, second in zip(profile, profile[1:], strict=False):
        assert first[1] <= second[0]
        assert first[1] < second[0] or first[2] != second[2]  # equal neighbours would have been merged


# -- free slots --------------------------------------------------------------------------------------------

def test_free_slots_are_the_gaps_where_the_stock_is_not_exhausted():
    profile = load_profile([(*span(10, 20), 2), (*span(15, 30), 1), (*span(40, 50), 1)], at(0), at(60))
    # loads: 2 from 10 to 15, 3 from 15 to 20, then 1 at most: below a stock of 2
    assert free_slots(profile, 2, at(0), at(60)) == [span(0, 10), span(20, 60)]
    assert free_slots(profile, 1, at(0), at(60)) == [span(0, 10), span(30, 40), span(50, 60)]


def test_everything_is_free_without_load_and_nothing_without_stock():
    assert free_slots([], 1, at(0), at(60)) == [span(0, 60)]
    assert free_slots([], 0, at(0), at(60)) == []


def test_free_slots_are_clipped_to_the_window():
    profile = load_profile([(*span(20, 40), 1)], at(0), at(60))
    assert free_slots(profile, 1, at(30), at(50)) == [span(40, 50)]


@given(load_lists, st.integers(min_value=1, max_value=4), intervals())
def test_a_minute_is_free_exactly_when_its_load_is_below_the_stock(loads_, stock, window):
    profile = load_profile(loads_, *span(*window))
    slots = free_slots(profile, stock, *span(*window))
    for m in range(*window):
        free = any(start <= at(m) < end for start, end in slots)
        assert free == (load_at(loads_, m) < stock)
    assert slots == merge(slots)  # already merged and sorted


# -- minutes inside a window -------------------------------------------------------------------------------

def test_minutes_inside_counts_only_the_part_within_the_window():
    assert minutes_inside(*span(0, 90), *span(60, 120)) == 30
    assert minutes_inside(*span(0, 30), *span(60, 120)) == 0
    assert minutes_inside(*span(70, 80), *span(60, 120)) == 10


def test_minutes_inside_rounds_partial_minutes_down():
    assert minutes_inside(at(0), at(10) + timedelta(seconds=59), at(0), at(60)) == 10


def test_minutes_inside_counts_real_time_on_a_dst_night():
    # 01:00 -> 04:00 Paris on 29 March 2026 is two real hours: 02:00-03:00 does not exist.
    start, end = datetime(2026, 3, 29, 1, tzinfo=PARIS), datetime(2026, 3, 29, 4, tzinfo=PARIS)
    assert minutes_inside(start, end, start, end) == 120


@given(intervals(), intervals())
def test_minutes_inside_equals_the_minutes_in_both(a, b):
    both = sum(1 for m in range(61) if a[0] <= m < a[1] and b[0] <= m < b[1])
    assert minutes_inside(*span(*a), *span(*b)) == both
