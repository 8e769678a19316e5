"""Specification of the iCalendar text layer: escaping, folding, offsets, VTIMEZONE and COLOR names."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.ical_colour import css3_name
from mutualise.domain.ical_text import escape_text, fold, param_value, serialise, utc_offset, zoned_property
from mutualise.domain.ical_timezone import vtimezone_lines


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a,b;c\\d", "a\\,b\\;c\\\\d"),
    ("one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
    ("tab\tkept, bell\x07 dropped", "tab\tkept\\, bell dropped"),
    ("Réunion: 10 h", "Réunion: 10 h"),
])
def test_text_is_escaped(raw, escaped):
    assert escape_text(raw) == escaped


@pytest.mark.parametrize(("raw", "written"), [
    ("Camille Martin", "Camille Martin"),
    ("Dupont, Jean", '"Dupont, Jean"'),
    ('Le "Local"; 2', "\"Le 'Local'; 2\""),
    ("a\nb", "a b"),
])
def test_parameter_values_are_quoted_when_needed(raw, written):
    assert param_value(raw) == written


@given(st.text(alphabet=st.sampled_from("aé€😀,;\\ x"), max_size=400))
def test_folding_never_exceeds_75_octets_nor_splits_a_character(text):
    line = "SUMMARY:" + text
    folded = fold(line)
    physical = folded.encode("utf-8").split(b"\r\n")
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    assert all(len(p) > 1 for p in physical[1:])
    assert unfold(folded) == line


def test_an_ascii_line_of_exactly_75_octets_is_not_folded_and_76_is():
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


def test_serialise_ends_every_line_with_crlf():
    assert serialise(["BEGIN:VCALENDAR", "END:VCALENDAR"]) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize(("minutes", "written"), [(60, "+0100"), (-210, "-0330"), (0, "+0000"),
                                                  (345, "+0545")])
def test_utc_offsets(minutes, written):
    assert utc_offset(timedelta(minutes=minutes)) == written


def test_zoned_property_writes_local_time_with_its_tzid():
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    written = zoned_property("DTSTART", moment, "Europe/Paris", paris)
    assert written == "DTSTART;TZID=Europe/Paris:20260701T100000"


def test_zoned_property_refuses_naive_times():
    with pytest.raises(ValueError):
        zoned_property("DTSTART", datetime(2026, 7, 1, 8), "Europe/Paris",  # noqa: DTZ001
                       ZoneInfo("Europe/Paris"))


def test_vtimezone_has_one_observance_per_change_in_local_time_before_it():
    lines = vtimezone_lines("Europe/Paris", 2026, 2026)
    text = "\n".join(lines)
    assert lines[:2] == ("BEGIN:VTIMEZONE", "TZID:Europe/Paris") and lines[-1] == "END:VTIMEZONE"
    assert "RDATE" not in text
    assert ("BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\n"
            "END:DAYLIGHT") in text
    assert ("BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\n"
            "END:STANDARD") in text
    assert text.count("BEGIN:DAYLIGHT") == 1 and text.count("BEGIN:STANDARD") == 2


def test_vtimezone_of_a_zone_without_changes_and_of_the_southern_hemisphere():
    assert "BEGIN:DAYLIGHT" not in "\n".join(vtimezone_lines("Asia/Kolkata", 2026, 2027))
    sydney = "\n".join(vtimezone_lines("Australia/Sydney", 2026, 2026))
    assert "BEGIN:DAYLIGHT\nDTSTART:20260101T110000" in sydney  # 1 January is summer there
    assert "DTSTART:20260405T030000\nTZOFFSETFROM:+1100\nTZOFFSETTO:+1000" in sydney


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError):
        vtimezone_lines("Europe/Atlantis", 2026, 2026)


@pytest.mark.parametrize(("given_colour", "name"), [
    ("#ff0000", "red"), ("#FE0102", "red"), ("#f00", "red"), ("#008080", "teal"), ("#3366cc", "royalblue"),
    ("#2e7d32", "forestgreen"), ("Teal", "teal"), ("darkgrey", "darkgray"), ("#ffffff", "white"),
])
def test_colours_become_the_nearest_css3_name(given_colour, name):
    assert css3_name(given_colour) == name


@pytest.mark.parametrize("given_colour", [None, "", "notacolour", "#12345", "rgb(1,2,3)"])
def test_no_colour_name_for_missing_or_unreadable_colours(given_colour):
    assert css3_name(given_colour) is None
