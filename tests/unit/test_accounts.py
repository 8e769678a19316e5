"""Specification of ledger months: "YYYY-MM" strings, their first and last days, the month before."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.accounts import month_of, parse_month, previous_month


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
     ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
     ("2100-02", date(2100, 2, 1), date(2100, 2, 28)),  # not a leap year
     ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
     ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
     ("2000-01", date(2000, 1, 1), date(2000, 1, 31)),  # first month accepted
     ("2200-12", date(2200, 12, 1), date(2200, 12, 31))],  # last month accepted
)
def test_parse_month_gives_the_first_and_last_day(text, first, last):
    assert parse_month(text) == (first, last)


@pytest.mark.parametrize(
    "text",
    ["1999-12", "2201-01", "2024-00", "2024-13", "2024-1", "24-01", "2024/01", "2024-01-01", "202401",
     " 2024-01", "2024-01 ", "2024-01\n", "", None, "mars 2024", "-2024-01",
     "\uff12\uff10\uff12\uff14-\uff10\uff11",  # full-width digits
     "\u0662\u0660\u0662\u0664-\u0660\u0661"],  # Arabic-Indic digits
)
def test_parse_month_refuses_anything_but_a_plain_month_in_range(text):
    assert parse_month(text) is None


@pytest.mark.parametrize(
    ("month", "before"), [("2024-01", "2023-12"), ("2024-03", "2024-02"), ("2024-12", "2024-11"),
                          ("2000-01", "1999-12")],
)
def test_previous_month_steps_back_across_january(month, before):
    assert previous_month(month) == before


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31)))
def test_every_day_lies_in_the_month_parse_month_gives_for_it(day):
    first, last = parse_month(month_of(day))
    assert first.day == 1 and first <= day <= last
    assert month_of(first) == month_of(last) == month_of(day)
    assert month_of(last + timedelta(days=1)) != month_of(day)


@given(st.dates(min_value=date(2000, 2, 1), max_value=date(2200, 12, 31)))
def test_the_previous_month_ends_the_day_before_the_month_starts(day):
    first, _last = parse_month(month_of(day))
    _first, last_before = parse_month(previous_month(month_of(day)))
    assert last_before == first - timedelta(days=1)
