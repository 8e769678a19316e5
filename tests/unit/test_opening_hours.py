"""Specification of a resource's weekly opening hours: JSON form, compact text form and the open check."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.opening_hours import (
    FRENCH_WEEKDAYS,
    WEEKDAYS,
    OpeningHoursError,
    is_open,
    parse_opening_hours,
    to_json,
    to_text,
)

OFFICE_JSON = {"mon": [["08:00", "12:00"], ["14:00", "18:00"]], "sat": [["09:00", "12:00"]]}
OFFICE = {"mon": [(480, 720), (840, 1080)], "sat": [(540, 720)]}


def error_of(value) -> OpeningHoursError:
    with pytest.raises(OpeningHoursError) as caught:
        parse_opening_hours(value)
    return caught.value


# -- strategies --------------------------------------------------------------------------------------------

@st.composite
def day_intervals(draw):
    """1 to 4 sorted, non-overlapping intervals; consecutive ones may touch."""
    intervals = []
    cursor = draw(st.integers(min_value=0, max_value=1439))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        start = cursor + (draw(st.integers(min_value=0, max_value=240)) if intervals else 0)
        if start >= 1440:
            break
        end = draw(st.integers(min_value=start + 1, max_value=min(1440, start + 720)))
        intervals.append((start, end))
        cursor = end
    return intervals


@st.composite
def weekly_hours(draw):
    """Parsed hours in canonical form; days often repeat the previous day's hours, to exercise grouping."""
    hours = {}
    previous = None
    for day in WEEKDAYS:
        choice = draw(st.sampled_from(["closed", "same", "new"]))
        if choice == "closed":
            previous = None
            continue
        if choice == "same" and previous is not None:
            hours[day] = list(previous)
        else:
            hours[day] = draw(day_intervals())
        previous = hours[day]
    return hours


# -- JSON form ---------------------------------------------------------------------------------------------

def test_weekdays_are_monday_first_english_abbreviations():
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_parse_opening_hours_converts_json_times_to_minutes():
    assert parse_opening_hours(OFFICE_JSON) == OFFICE


def test_parse_opening_hours_none_means_always_open():
    assert parse_opening_hours(None) is None


def test_parse_opening_hours_empty_dict_means_closed_all_week_not_always_open():
    assert parse_opening_hours({}) == {}


def test_parse_opening_hours_drops_days_with_no_interval():
    assert parse_opening_hours({"mon": [], "tue": [["08:00", "09:00"]]}) == {"tue": [(480, 540)]}


def test_parse_opening_hours_accepts_midnight_as_end():
    assert parse_opening_hours({"sun": [["00:00", "24:00"]]}) == {"sun": [(0, 1440)]}


def test_parse_opening_hours_accepts_touching_intervals_without_merging_them():
    parsed = parse_opening_hours({"mon": [["08:00", "12:00"], ["12:00", "14:00"]]})
    assert parsed == {"mon": [(480, 720), (720, 840)]}


def test_parse_opening_hours_rejects_overlapping_intervals():
    error = error_of({"tue": [["08:00", "12:00"], ["11:59", "14:00"]]})
    assert (error.reason, error.day) == ("overlap", "tue")


def test_parse_opening_hours_rejects_unsorted_json_intervals():
    error = error_of({"wed": [["14:00", "18:00"], ["08:00", "12:00"]]})
    assert (error.reason, error.day) == ("unsorted", "wed")


@pytest.mark.parametrize("interval", [["12:00", "08:00"], ["08:00", "08:00"], ["24:00", "24:00"]])
def test_parse_opening_hours_rejects_an_end_not_after_its_start(interval):
    error = error_of({"fri": [interval]})
    assert (error.reason, error.day) == ("order", "fri")


@pytest.mark.parametrize("time", ["8:00", "08:0", "08h00", "24:01", "25:00", "12:60", "", "0800", 480, None])
def test_parse_opening_hours_requires_strict_hh_mm_in_json(time):
    error = error_of({"thu": [["00:00", time]]})
    assert (error.reason, error.day) == ("time_format", "thu")


@pytest.mark.parametrize("day", ["lun", "Mon", "monday", "", 0])
def test_parse_opening_hours_json_keys_are_english_abbreviations_only(day):
    error = error_of({day: [["08:00", "09:00"]]})
    assert error.reason == "unknown_day"


@pytest.mark.parametrize(
    "value", [[], 42, {"mon": "08:00-12:00"}, {"mon": [["08:00"]]}, {"mon": [["08:00", "09:00", "10:00"]]}]
)
def test_parse_opening_hours_rejects_malformed_structures(value):
    assert error_of(value).reason == "type"


def test_opening_hours_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_opening_hours({"xyz": []})


def test_to_json_gives_canonical_hh_mm_strings():
    assert to_json(OFFICE) == OFFICE_JSON
    assert to_json({"sun": [(0, 1440)]}) == {"sun": [["00:00", "24:00"]]}


def test_to_json_keeps_none_and_closed_week_apart():
    assert to_json(None) is None
    assert to_json({}) == {}


# -- text form ---------------------------------------------------------------------------------------------

def test_parse_opening_hours_reads_the_compact_text_form():
    parsed = parse_opening_hours("mon-fri 08:00-12:00, 14:00-18:00\nsat 09:00-12:00")
    office_day = [(480, 720), (840, 1080)]
    assert parsed == {"mon": office_day, "tue": office_day, "wed": office_day, "thu": office_day,
                      "fri": office_day, "sat": [(540, 720)]}


def test_parse_opening_hours_reads_french_day_abbreviations():
    assert parse_opening_hours("lun-mar 08:00-12:00\nmer 09:00-10:00\njeu-dim 10:00-11:00") == {
        "mon": [(480, 720)], "tue": [(480, 720)], "wed": [(540, 600)], "thu": [(600, 660)],
        "fri": [(600, 660)], "sat": [(600, 660)], "sun": [(600, 660)],
    }


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " ; "])
def test_parse_opening_hours_empty_text_means_always_open(text):
    assert parse_opening_hours(text) is None


@pytest.mark.parametrize("text", ["mon-sun closed", "lun-dim fermé", "MON-SUN CLOSED"])
def test_parse_opening_hours_text_can_say_closed_all_week(text):
    assert parse_opening_hours(text) == {}


@pytest.mark.parametrize(
    "text",
    ["Mon 8h-12h, 14h30-18h", "mon 8:00 - 12:00 14:30 – 18:00", "mon 14:30-18:00, 08:00-12:00",
     "mon 08:00-12:00, 14:30-18:00; tue closed\n", "  mon  8-12 , 14:30-18  "],
)
def test_parse_opening_hours_text_is_forgiving_about_spelling_and_order(text):
    assert parse_opening_hours(text)["mon"] == [(480, 720), (870, 1080)]


def test_parse_opening_hours_text_accepts_comma_separated_days():
    assert parse_opening_hours("mon, wed-thu 08:00-09:00") == {
        "mon": [(480, 540)], "wed": [(480, 540)], "thu": [(480, 540)],
    }


@pytest.mark.parametrize(
    ("text", "reason", "day"),
    [("xyz 08:00-12:00", "unknown_day", "xyz"),
     ("monday 08:00-12:00", "unknown_day", "monday"),
     ("fri-mon 08:00-12:00", "day_range", "fri"),
     ("mon-fri 08:00-12:00\nwed 14:00-15:00", "duplicate_day", "wed"),
     ("sat 08:00-12:00, 11:00-13:00", "overlap", "sat"),
     ("sun 12:00-08:00", "order", "sun"),
     ("tue 08:61-09:00", "time_format", "tue"),
     ("tue 25-26", "time_format", "tue"),
     ("tue 08:00", "format", "tue"),
     ("tue 08:00-09:00,", "format", "tue"),
     ("tue open", "format", "tue"),
     ("08:00-12:00", "format", None),
     ("mon", "format", None)],
)
def test_parse_opening_hours_text_errors_name_the_reason_and_day(text, reason, day):
    error = error_of(text)
    assert (error.reason, error.day) == (reason, day)


def test_to_text_groups_consecutive_days_with_identical_hours():
    office_day = [(480, 720), (840, 1080)]
    parsed = {"mon": office_day, "tue": office_day, "wed": office_day, "thu": office_day, "fri": office_day,
              "sat": [(540, 720)]}
    assert to_text(parsed) == "mon-fri 08:00-12:00, 14:00-18:00\nsat 09:00-12:00"


def test_to_text_does_not_group_days_separated_by_a_closed_day():
    parsed = {"mon": [(480, 540)], "wed": [(480, 540)], "thu": [(480, 540)]}
    assert to_text(parsed) == "mon 08:00-09:00\nwed-thu 08:00-09:00"


def test_to_text_uses_the_given_day_names():
    assert to_text(OFFICE, FRENCH_WEEKDAYS) == "lun 08:00-12:00, 14:00-18:00\nsam 09:00-12:00"


def test_to_text_of_always_open_is_empty_and_of_closed_week_says_so():
    assert to_text(None) == ""
    assert to_text({}) == "mon-sun closed"
    assert to_text({}, FRENCH_WEEKDAYS, closed_word="fermé") == "lun-dim fermé"


def test_to_text_requires_seven_day_names():
    with pytest.raises(ValueError):
        to_text(OFFICE, ("a", "b"))


# -- is_open -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("weekday", "start", "end", "expected"),
    [(0, 480, 720, True), (0, 540, 600, True), (0, 840, 1080, True),
     (0, 479, 720, False), (0, 480, 721, False),
     (0, 700, 900, False),  # spans the lunch break
     (1, 540, 600, False),  # tuesday is closed
     (5, 540, 720, True), (6, 0, 1440, False)],
)
def test_is_open_requires_the_whole_span_inside_one_opening_interval(weekday, start, end, expected):
    assert is_open(OFFICE, weekday, start, end) is expected


def test_is_open_does_not_bridge_touching_intervals():
    parsed = {"mon": [(480, 720), (720, 840)]}
    assert is_open(parsed, 0, 600, 720)
    assert is_open(parsed, 0, 720, 800)
    assert not is_open(parsed, 0, 700, 740)


def test_is_open_accepts_an_end_at_midnight():
    assert is_open({"sun": [(1200, 1440)]}, 6, 1380, 1440)


def test_is_open_is_always_true_without_opening_hours():
    assert is_open(None, 3, 0, 1440)


def test_is_open_is_always_false_for_a_closed_week():
    assert not is_open({}, 3, 600, 660)


@pytest.mark.parametrize(("weekday", "start", "end"), [(7, 0, 60), (-1, 0, 60), (0, 60, 60), (0, 60, 30),
                                                       (0, -1, 60), (0, 0, 1441)])
def test_is_open_rejects_invalid_arguments(weekday, start, end):
    with pytest.raises(ValueError):
        is_open(None, weekday, start, end)


# -- properties --------------------------------------------------------------------------------------------

@given(weekly_hours())
def test_parse_opening_hours_round_trips_json(parsed):
    assert parse_opening_hours(to_json(parsed)) == parsed


@given(weekly_hours())
def test_to_json_is_plain_json(parsed):
    assert parse_opening_hours(json.loads(json.dumps(to_json(parsed)))) == parsed


@given(weekly_hours())
def test_parse_opening_hours_round_trips_text(parsed):
    assert parse_opening_hours(to_text(parsed)) == parsed


@given(weekly_hours())
def test_parse_opening_hours_round_trips_french_text(parsed):
    assert parse_opening_hours(to_text(parsed, FRENCH_WEEKDAYS, closed_word="fermé")) == parsed


@given(weekly_hours())
def test_to_text_writes_one_line_per_run_of_identical_open_days(parsed):
    week = [parsed.get(day) for day in WEEKDAYS]
    runs = sum(1 for i, hours in enumerate(week) if hours and (i == 0 or week[i - 1] != hours))
    assert len(to_text(parsed).splitlines()) == max(runs, 1)


@given(weekly_hours())
def test_is_open_for_each_opening_interval_but_not_one_minute_more(parsed):
    for index, day in enumerate(WEEKDAYS):
        for start, end in parsed.get(day, []):
            assert is_open(parsed, index, start, end)
            if end < 1440:
                assert not is_open(parsed, index, start, end + 1)
            if start > 0:
                assert not is_open(parsed, index, start - 1, end)
