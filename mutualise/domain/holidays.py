"""French public holidays ("jours fériés"), from which closures can be generated.

Alsace and Moselle keep two more days under their local law: Good Friday and St Stephen's Day. The codes
are stable identifiers for the caller to translate.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import EASTER_WESTERN, easter

HOLIDAY_CODES = (
    "new_year",
    "good_friday",
    "easter_monday",
    "labour_day",
    "victory_1945",
    "ascension",
    "whit_monday",
    "bastille_day",
    "assumption",
    "all_saints",
    "armistice",
    "christmas",
    "st_stephen",
)


def french_public_holidays(year: int, *, alsace_moselle: bool = False) -> list[tuple[date, str]]:
    """Public holidays of ``year`` in France as ``(date, code)``, sorted by date.

    Two holidays may share a date (Ascension fell on 1 May in 2008): both are listed, so that neither
    name is lost. ``alsace_moselle`` adds "good_friday" and "st_stephen".
    """
    easter_sunday = easter(year, EASTER_WESTERN)
    days = [
        (date(year, 1, 1), "new_year"),
        (easter_sunday + timedelta(days=1), "easter_monday"),
        (date(year, 5, 1), "labour_day"),
        (date(year, 5, 8), "victory_1945"),
        (easter_sunday + timedelta(days=39), "ascension"),
        (easter_sunday + timedelta(days=50), "whit_monday"),
        (date(year, 7, 14), "bastille_day"),
        (date(year, 8, 15), "assumption"),
        (date(year, 11, 1), "all_saints"),
        (date(year, 11, 11), "armistice"),
        (date(year, 12, 25), "christmas"),
    ]
    if alsace_moselle:
        days += [(easter_sunday - timedelta(days=2), "good_friday"), (date(year, 12, 26), "st_stephen")]
    # Same-day holidays keep the order of HOLIDAY_CODES, so the result does not depend on list order.
    return sorted(days, key=lambda item: (item[0], HOLIDAY_CODES.index(item[1])))
