"""Specification of recurring bookings: RRULE expansion on the local clock, and the refusals."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualise.domain.recurrence import MAX_OCCURRENCES, MAX_SPAN_DAYS, RecurrenceError, expand

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=PARIS, fold=fold)


def local(occurrences):
    """Occurrences in Paris time, easier to read in assertions."""
    return [(start.astimezone(PARIS), end.astimezone(PARIS)) for start, end in occurrences]


def reason_of(rrule: str, start: datetime = paris(2026, 3, 16, 10), end: datetime = paris(2026, 3, 16, 11),
              **kwargs) -> RecurrenceError:
    with pytest.raises(RecurrenceError) as caught:
        expand(rrule, start, end, PARIS, **kwargs)
    return caught.value


def test_weekly_series_keeps_local_time_across_dst():
    occurrences = expand("FREQ=WEEKLY;COUNT=35", paris(2026, 3, 16, 10), paris(2026, 3, 16, 11), PARIS)
    assert len(occurrences) == 35
    for start, end in occurrences:
        assert start.tzinfo is UTC and end.tzinfo is UTC
        local_start, local_end = start.astimezone(PARIS), end.astimezone(PARIS)
        assert (local_start.hour, local_start.minute, local_end.hour, local_end.minute) == (10, 0, 11, 0)
        assert local_start.weekday() == 0
        if start < datetime(2026, 3, 29, tzinfo=UTC) or start > datetime(2026, 10, 25, tzinfo=UTC):
            assert start.hour == 9
        else:
            assert start.hour == 8
    assert occurrences[-1][0] > datetime(2026, 10, 25, tzinfo=UTC)  # it does cross both changes
    assert occurrences == sorted(occurrences)


def test_the_first_occurrence_is_the_first_slot_itself_when_it_matches():
    occurrences = expand("FREQ=DAILY;COUNT=3", paris(2026, 3, 16, 10), paris(2026, 3, 16, 11), PARIS)
    assert [start for start, _ in local(occurrences)] == [
        paris(2026, 3, 16, 10), paris(2026, 3, 17, 10), paris(2026, 3, 18, 10)]


def test_rrule_prefix_and_lower_case_are_accepted():
    occurrences = expand("rrule:freq=daily;count=2;", paris(2026, 3, 16, 10), paris(2026, 3, 16, 11), PARIS)
    assert len(occurrences) == 2


def test_weekly_by_day_starts_at_the_first_matching_day():
    # 17 March 2026 is a Tuesday: the series starts on Thursday 19, then Mondays and Thursdays.
    occurrences = expand("FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260330", paris(2026, 3, 17, 18),
                         paris(2026, 3, 17, 20), PARIS)
    assert [start.date().isoformat() for start, _ in local(occurrences)] == [
        "2026-03-19", "2026-03-23", "2026-03-26", "2026-03-30"]
    assert all((end - start) == timedelta(hours=2) for start, end in local(occurrences))


def test_monthly_on_the_first_tuesday():
    start, end = paris(2026, 3, 3, 14), paris(2026, 3, 3, 16)
    occurrences = expand("FREQ=MONTHLY;BYDAY=1TU;COUNT=6", start, end, PARIS)
    assert [start for start, _ in local(occurrences)] == [
        paris(2026, month, day, 14)
        for month, day in ((3, 3), (4, 7), (5, 5), (6, 2), (7, 7), (8, 4))
    ]


def test_monthly_on_the_last_friday():
    start, end = paris(2026, 3, 1, 9), paris(2026, 3, 1, 10)
    occurrences = expand("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", start, end, PARIS)
    assert [start.date().isoformat() for start, _ in local(occurrences)] == [
        "2026-03-27", "2026-04-24", "2026-05-29"]


def test_every_other_day_until_a_utc_instant():
    occurrences = expand("FREQ=DAILY;INTERVAL=2;UNTIL=20260415T000000Z", paris(2026, 3, 31, 9),
                         paris(2026, 3, 31, 10), PARIS)
    assert [start.day for start, _ in local(occurrences)] == [31, 2, 4, 6, 8, 10, 12, 14]


def test_until_as_a_utc_instant_is_exact():
    # 08:00 UTC is 10:00 in Paris in April: an occurrence at 10:00 local is kept, 10:00:01 UTC would not be.
    start, end = paris(2026, 4, 1, 10), paris(2026, 4, 1, 11)
    assert len(expand("FREQ=DAILY;UNTIL=20260403T080000Z", start, end, PARIS)) == 3
    assert len(expand("FREQ=DAILY;UNTIL=20260403T075959Z", start, end, PARIS)) == 2


def test_until_as_a_date_includes_that_whole_local_day():
    start, end = paris(2026, 4, 1, 23), paris(2026, 4, 1, 23, 30)
    assert len(expand("FREQ=DAILY;UNTIL=20260403", start, end, PARIS)) == 3


def test_until_without_z_is_local_time():
    start, end = paris(2026, 4, 1, 10), paris(2026, 4, 1, 11)
    assert len(expand("FREQ=DAILY;UNTIL=20260403T100000", start, end, PARIS)) == 3
    assert len(expand("FREQ=DAILY;UNTIL=20260403T095959", start, end, PARIS)) == 2


def test_an_occurrence_in_the_spring_gap_moves_forward_by_the_gap():
    # 02:30 does not exist on 29 March 2026 in Paris: that occurrence becomes 03:30-04:00 local.
    occurrences = local(expand("FREQ=DAILY;COUNT=3", paris(2026, 3, 28, 2, 30), paris(2026, 3, 28, 3), PARIS))
    assert occurrences == [
        (paris(2026, 3, 28, 2, 30), paris(2026, 3, 28, 3)),
        (paris(2026, 3, 29, 3, 30), paris(2026, 3, 29, 4)),
        (paris(2026, 3, 30, 2, 30), paris(2026, 3, 30, 3)),
    ]


def test_an_occurrence_in_the_repeated_autumn_hour_takes_the_first_one():
    occurrences = expand("FREQ=DAILY;COUNT=2", paris(2026, 10, 24, 2, 30), paris(2026, 10, 24, 3), PARIS)
    start, end = occurrences[1]
    assert start == paris(2026, 10, 25, 2, 30, fold=0).astimezone(UTC)  # 00:30 UTC, summer time
    assert end == paris(2026, 10, 25, 3).astimezone(UTC)  # 02:00 UTC: 90 real minutes that night


def test_a_leap_day_series_skips_the_years_without_29_february():
    start, end = paris(2028, 2, 29, 10), paris(2028, 2, 29, 11)
    occurrences = expand("FREQ=YEARLY;UNTIL=20300101", start, end, PARIS)
    assert [start.date().isoformat() for start, _ in local(occurrences)] == ["2028-02-29"]
    # The next 29 February (2032) is beyond the span of a series.
    assert reason_of("FREQ=YEARLY;COUNT=2", start, end).reason == "too_long"


def test_a_series_may_reach_the_span_limit_but_not_go_past_it():
    start, end = paris(2026, 3, 16, 10), paris(2026, 3, 16, 11)
    last_day = (start + timedelta(days=MAX_SPAN_DAYS)).strftime("%Y%m%d")
    occurrences = expand(f"FREQ=WEEKLY;INTERVAL=4;UNTIL={last_day}", start, end, PARIS)
    assert occurrences[-1][0] <= (start + timedelta(days=MAX_SPAN_DAYS)).astimezone(UTC)
    day_after = (start + timedelta(days=MAX_SPAN_DAYS + 1)).strftime("%Y%m%d")
    assert reason_of(f"FREQ=WEEKLY;INTERVAL=4;UNTIL={day_after}").params == {"days": MAX_SPAN_DAYS}


# -- refusals ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rrule", [
    "",
    "FREQ",
    "COUNT=3",
    "FREQ=SOMETIMES;COUNT=3",
    "FREQ=DAILY;COUNT=three",
    "FREQ=DAILY;COUNT=0",
    "FREQ=DAILY;COUNT=-2",
    "FREQ=DAILY;INTERVAL=0;COUNT=3",
    "FREQ=DAILY;COUNT=3;COUNT=4",
    "FREQ=DAILY;COUNT=3;UNTIL=20260401",
    "FREQ=DAILY;UNTIL=20260231",
    "FREQ=DAILY;UNTIL=2026-04-01",
    "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
    "FREQ=WEEKLY;BYDAY=1MO;COUNT=3",
    "FREQ=MONTHLY;BYDAY=6MO;COUNT=3",
    "FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3",
    "FREQ=MONTHLY;BYMONTHDAY=0;COUNT=3",
    "FREQ=YEARLY;BYMONTH=13;COUNT=3",
    "FREQ=WEEKLY;WKST=XX;COUNT=3",
    "FREQ=DAILY;COLOUR=BLUE;COUNT=3",
    "FREQ=DAILY;;COUNT",
], ids=repr)
def test_unparsable_rules_are_syntax_errors(rrule):
    assert reason_of(rrule).reason == "syntax"


def test_a_non_text_rule_is_a_syntax_error():
    assert reason_of(None).reason == "syntax"


@pytest.mark.parametrize("rrule", [
    "FREQ=HOURLY;COUNT=3",
    "FREQ=MINUTELY;COUNT=3",
    "FREQ=DAILY;BYHOUR=8,14;COUNT=3",
    "FREQ=DAILY;BYMINUTE=30;COUNT=3",
    "FREQ=DAILY;BYSECOND=30;COUNT=3",
    "FREQ=YEARLY;BYWEEKNO=20;COUNT=3",
    "FREQ=YEARLY;BYYEARDAY=100;COUNT=3",
])
def test_rules_changing_the_time_of_day_are_unsupported(rrule):
    assert reason_of(rrule).reason == "unsupported"


def test_a_rule_without_count_or_until_is_unbounded():
    assert reason_of("FREQ=WEEKLY;BYDAY=MO").reason == "unbounded"


def test_a_count_above_the_maximum_is_refused_without_iterating():
    error = reason_of(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES + 1}")
    assert (error.reason, error.params) == ("too_many", {"max": MAX_OCCURRENCES})
    # A count far too large for any calendar is refused the same way, not expanded.
    assert reason_of("FREQ=YEARLY;COUNT=999999").reason == "too_many"


def test_the_maximum_count_itself_is_accepted():
    assert len(expand(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}", paris(2026, 3, 16, 10),
                      paris(2026, 3, 16, 11), PARIS)) == MAX_OCCURRENCES


def test_an_until_producing_too_many_occurrences_is_refused():
    error = reason_of("FREQ=DAILY;UNTIL=20270101")
    assert (error.reason, error.params) == ("too_many", {"max": MAX_OCCURRENCES})


def test_the_caller_may_lower_the_maximum():
    error = reason_of("FREQ=DAILY;COUNT=11", max_occurrences=10)
    assert (error.reason, error.params) == ("too_many", {"max": 10})
    assert reason_of("FREQ=DAILY;UNTIL=20260327", max_occurrences=10).reason == "too_many"


def test_an_until_beyond_the_span_is_too_long():
    error = reason_of("FREQ=YEARLY;UNTIL=20300101")
    assert (error.reason, error.params) == ("too_long", {"days": MAX_SPAN_DAYS})
    assert reason_of("FREQ=MONTHLY;UNTIL=20300101T000000Z").reason == "too_long"


def test_a_count_out_of_reach_within_the_span_is_too_long():
    error = reason_of("FREQ=YEARLY;COUNT=5")
    assert (error.reason, error.params) == ("too_long", {"days": MAX_SPAN_DAYS})


@pytest.mark.parametrize("rrule", [
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31;COUNT=3",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;COUNT=3",
    "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20270601",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6;COUNT=2",
    "FREQ=DAILY;UNTIL=20260101",
])
def test_a_rule_with_no_occurrence_is_empty(rrule):
    # dateutil would search such rules up to the year 9999 (seconds); these must be refused at once.
    assert reason_of(rrule).reason == "empty"


def test_a_huge_interval_is_harmless():
    occurrences = expand("FREQ=YEARLY;INTERVAL=9999;UNTIL=20270101", paris(2026, 3, 16, 10),
                         paris(2026, 3, 16, 11), PARIS)
    assert len(occurrences) == 1


# -- the expansion agrees with dateutil on the real calendar -----------------------------------------------

RULES_TO_COMPARE = [
    "FREQ=DAILY;INTERVAL=3;COUNT=40",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=50",
    "FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,WE;COUNT=30",
    "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=20",
    "FREQ=MONTHLY;BYMONTHDAY=29,30,31;COUNT=40",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=20",
    "FREQ=YEARLY;BYMONTH=2;BYDAY=-1MO;COUNT=2",
    "FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=29;COUNT=3",
]


@settings(max_examples=60)
@given(
    st.sampled_from(RULES_TO_COMPARE),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2110, 12, 31)),  # 2100 is not a leap year
)
def test_expansion_matches_dateutil_on_the_real_calendar(rrule, first_day):
    # In UTC there is no clock change, so the only difference could come from the calendar used to iterate.
    start = datetime.combine(first_day, time(10), tzinfo=UTC)
    theirs = list(rrulestr(rrule, dtstart=start))
    try:
        occurrences = expand(rrule, start, start + timedelta(hours=1), UTC)
    except RecurrenceError as error:
        # Refused only when dateutil too needs more than the span to reach COUNT.
        assert error.reason == "too_long"
        assert theirs[-1] > start + timedelta(days=MAX_SPAN_DAYS)
    else:
        assert [occurrence_start for occurrence_start, _ in occurrences] == theirs
