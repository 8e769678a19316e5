"""Dates, numbers and money are written the way the reader's language writes them (Babel)."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string

from mutualise.web import money


@pytest.mark.parametrize(("language", "expected"), [("fr", "1\u202f234,56\xa0€"), ("en", "€1,234.56")])
def test_money_is_formatted_from_integer_cents_in_the_readers_language(app, language, expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert money(123456) == expected


def test_money_keeps_every_cent_of_large_amounts(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert money(12345678901234567) == "€123,456,789,012,345.67"


@pytest.mark.parametrize(("language", "expected"), [("fr", "mardi 3 mars 2026"),
                                                     ("en", "Tuesday, March 3, 2026")])
def test_dates_are_written_in_the_readers_language(app, language, expected):
    # 23:30 UTC on the 2nd is already the 3rd in Paris: dates are shown in the network's time zone.
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert render_template_string("{{ moment|dateformat('full') }}", moment=moment) == expected


@pytest.mark.parametrize("language", ["fr", "en"])
def test_money_writes_every_amount_as_babel_does(app, language):
    from decimal import Decimal

    from babel.numbers import format_currency
    amounts = [0, 1, -1, 5, 99, 100, -100, 1000, 123456, -123456, 99999999, -100000000, 10**14 + 7]
    with app.test_request_context(headers={"Accept-Language": language}):
        for cents in amounts:
            assert money(cents) == format_currency(Decimal(cents).scaleb(-2), "EUR", locale=language), cents
