"""Specification of French public holidays, with the Alsace-Moselle option."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.holidays import HOLIDAY_CODES, french_public_holidays


def test_the_2026_holidays_with_their_movable_feasts():
    assert french_public_holidays(2026) == [
        (date(2026, 1, 1), "new_year"),
        (date(2026, 4, 6), "easter_monday"),  # Easter Sunday is 5 April 2026
        (date(2026, 5, 1), "labour_day"),
        (date(2026, 5, 8), "victory_1945"),
        (date(2026, 5, 14), "ascension"),
        (date(2026, 5, 25), "whit_monday"),
        (date(2026, 7, 14), "bastille_day"),
        (date(2026, 8, 15), "assumption"),
        (date(2026, 11, 1), "all_saints"),
        (date(2026, 11, 11), "armistice"),
        (date(2026, 12, 25), "christmas"),
    ]


def test_alsace_moselle_adds_good_friday_and_st_stephen():
    local = french_public_holidays(2026, alsace_moselle=True)
    assert len(local) == 13
    assert (date(2026, 4, 3), "good_friday") in local
    assert (date(2026, 12, 26), "st_stephen") in local
    assert set(french_public_holidays(2026)) < set(local)


@given(st.integers(min_value=1900, max_value=2200), st.booleans())
def test_holidays_are_sorted_and_counted(year, alsace_moselle):
    days = french_public_holidays(year, alsace_moselle=alsace_moselle)
    assert len(days) == (13 if alsace_moselle else 11)
    assert days == sorted(days, key=lambda item: (item[0], HOLIDAY_CODES.index(item[1])))
    assert all(day.year == year for day, _ in days)
    assert {code for _, code in days} <= set(HOLIDAY_CODES)


def test_ascension_on_labour_day_lists_both():
    # In 2008 Easter was on 23 March, so Ascension (Easter + 39) fell on 1 May.
    days = french_public_holidays(2008)
    assert [code for day, code in days if day == date(2008, 5, 1)] == ["labour_day", "ascension"]
    assert len(days) == 11


@pytest.mark.parametrize("year, easter_monday", [(2024, date(2024, 4, 1)), (2025, date(2025, 4, 21)),
                                                 (2027, date(2027, 3, 29))])
def test_easter_monday_follows_easter(year, easter_monday):
    assert (easter_monday, "easter_monday") in french_public_holidays(year)


def test_every_code_is_listed_once():
    assert len(HOLIDAY_CODES) == len(set(HOLIDAY_CODES)) == 13
    assert {code for _, code in french_public_holidays(2026, alsace_moselle=True)} == set(HOLIDAY_CODES)
