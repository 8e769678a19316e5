"""Specification of user-typed amounts and their machine formatting (integer cents, no floats)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.money import MAX_ABS_CENTS, AmountError, cents_to_decimal_str, parse_amount

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"

cents_in_range = st.integers(min_value=-MAX_ABS_CENTS, max_value=MAX_ABS_CENTS)


def reason_of(text: str) -> str:
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    return caught.value.reason


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12", 1200), ("0", 0), ("007", 700), ("12,5", 1250), ("12,50", 1250), ("12.50", 1250), ("12,05", 1205),
     (",5", 50), ("  42  ", 4200)],
)
def test_parse_amount_accepts_comma_or_dot_as_decimal_separator(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("separator", [" ", NBSP, NNBSP])
def test_parse_amount_accepts_french_thousands_separators(separator):
    assert parse_amount(f"1{separator}234,56") == 123456
    assert parse_amount(f"12{separator}345{separator}678") == 1234567800


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1234.5 €", 123450), ("1234.5€", 123450), ("€12", 1200), ("€ 12", 1200),
     (f"1{NNBSP}234,56{NNBSP}€", 123456)],
)
def test_parse_amount_accepts_a_leading_or_trailing_euro_sign(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [("-12", -1200), ("-0,05", -5), ("-€12", -1200), ("€-12", -1200), ("- 3,10 €", -310), ("\u22123", -300)],
)
def test_parse_amount_accepts_a_leading_minus_for_negative_amounts(text, cents):
    assert parse_amount(text) == cents


def test_parse_amount_of_minus_zero_is_plain_zero():
    assert parse_amount("-0,00") == 0


@pytest.mark.parametrize(
    ("text", "cents"), [("1.234,56", 123456), ("1,234.56", 123456), ("1.234.567,8", 123456780)]
)
def test_parse_amount_with_both_marks_takes_the_last_one_as_decimal_separator(text, cents):
    assert parse_amount(text) == cents


def test_parse_amount_reads_repeated_identical_marks_as_thousands_grouping():
    assert parse_amount("1.234.567") == 123456700
    assert parse_amount("1,234,567") == 123456700


@pytest.mark.parametrize("text", ["12.34,5", "1,23.45", "1.234,5,6", "1.2.3", "1,2345.00", "1 234.567,89"])
def test_parse_amount_rejects_ambiguous_or_badly_grouped_separators(text):
    assert reason_of(text) == "format"


@pytest.mark.parametrize("text", ["12 34", "1234 567", "1  234", " 1 23", "1 234 5"])
def test_parse_amount_rejects_space_groups_that_are_not_three_digits(text):
    assert reason_of(text) == "format"


@pytest.mark.parametrize("text", ["", "   ", NNBSP, "\t\n"])
def test_parse_amount_rejects_blank_text_as_empty(text):
    assert reason_of(text) == "empty"


@pytest.mark.parametrize(
    "text",
    ["abc", "12a", "12e3", "0x10", "+12", "--12", "12-", "€", "-", "€12€", "12.", ",", "1/2", "EUR 12",
     "\u0661\u0662", "\u00b2"],  # Arabic-Indic digits and superscript two are digits to str.isdigit()
)
def test_parse_amount_rejects_letters_and_stray_symbols_as_format(text):
    assert reason_of(text) == "format"


@pytest.mark.parametrize("text", ["12,345", "1.234", "0,001", "12,500", "-1,999"])
def test_parse_amount_rejects_more_than_two_decimals_as_precision(text):
    assert reason_of(text) == "precision"


def test_parse_amount_accepts_exactly_the_maximum_absolute_value():
    assert parse_amount("10000000000") == MAX_ABS_CENTS
    assert parse_amount("-10 000 000 000,00") == -MAX_ABS_CENTS


@pytest.mark.parametrize("text", ["10000000000,01", "-10000000000,01", "99999999999999", "9" * 5000])
def test_parse_amount_rejects_values_beyond_the_maximum_as_too_large(text):
    assert reason_of(text) == "too_large"


def test_amount_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_amount("nope")


def test_parse_amount_refuses_non_strings():
    with pytest.raises(TypeError):
        parse_amount(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0.00"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"), (123456, "1234.56"), (-123456, "-1234.56"),
     (MAX_ABS_CENTS, "10000000000.00")],
)
def test_cents_to_decimal_str_gives_machine_format_with_two_decimals(cents, text):
    assert cents_to_decimal_str(cents) == text


@pytest.mark.parametrize("value", [1.5, "12", True, None])
def test_cents_to_decimal_str_refuses_non_integers(value):
    with pytest.raises(TypeError):
        cents_to_decimal_str(value)


@given(cents_in_range)
def test_parse_amount_round_trips_machine_format(cents):
    assert parse_amount(cents_to_decimal_str(cents)) == cents


def french_format(cents: int, separator: str) -> str:
    """Independent formatter: "-1 234 567,89 €" style, grouped from the right."""
    units, rest = divmod(abs(cents), 100)
    digits = str(units)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{'-' if cents < 0 else ''}{separator.join(groups)},{rest:02d} €"


@given(cents_in_range, st.sampled_from([" ", NBSP, NNBSP]))
def test_parse_amount_reads_french_typography_exactly(cents, separator):
    assert parse_amount(french_format(cents, separator)) == cents


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_parse_amount_one_decimal_means_tenths(units, tenths):
    assert parse_amount(f"{units},{tenths // 10}") == units * 100 + (tenths // 10) * 10


@given(st.integers(min_value=0, max_value=10**9), st.text(alphabet="0123456789", min_size=3, max_size=8))
def test_parse_amount_rejects_any_three_or_more_decimals(units, decimals):
    assert reason_of(f"{units},{decimals}") == "precision"


@given(st.integers(min_value=MAX_ABS_CENTS + 1, max_value=10**20))
def test_parse_amount_rejects_everything_above_the_maximum(cents):
    assert reason_of(cents_to_decimal_str(cents)) == "too_large"
