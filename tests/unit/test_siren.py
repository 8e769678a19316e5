"""Specification of SIREN validation (9 digits, Luhn checksum, La Poste exception)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.siren import LA_POSTE_SIREN, is_valid_siren, normalise_siren

# Real, published SIRENs.
VALID_SIRENS = ["732829320", "542107651", "552032534", "380129866"]

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def reference_luhn(number: str) -> bool:
    """Independent Luhn: double every second digit from the right and add the digits of the products."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += sum(divmod(value, 10))
    return total % 10 == 0


@pytest.mark.parametrize("siren", VALID_SIRENS)
def test_is_valid_siren_accepts_real_sirens(siren):
    assert is_valid_siren(siren)


@pytest.mark.parametrize("siren", ["732829321", "542107650", "552032535", "123456789", "380129868"])
def test_is_valid_siren_rejects_a_wrong_checksum(siren):
    assert not is_valid_siren(siren)


def test_is_valid_siren_accepts_la_poste():
    assert LA_POSTE_SIREN == "356000000"
    assert is_valid_siren("356000000")


@pytest.mark.parametrize(
    "value",
    ["", "73282932", "7328293200", "73282932O", "732 829 320", "-73282932", None, 732829320,
     "\u0667\u0663\u0662\u0668\u0662\u0669\u0663\u0662\u0660"],  # 732829320 in Arabic-Indic digits
)
def test_is_valid_siren_requires_exactly_nine_ascii_digits(value):
    assert not is_valid_siren(value)


@given(nine_digits)
def test_is_valid_siren_agrees_with_the_luhn_checksum(siren):
    assert is_valid_siren(siren) == (reference_luhn(siren) or siren == LA_POSTE_SIREN)


@given(nine_digits, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_is_valid_siren_detects_any_single_digit_change(seed, position, shift):
    # Make a valid SIREN from the first 8 digits, then alter one digit.
    valid = next(seed[:8] + str(check) for check in range(10) if reference_luhn(seed[:8] + str(check)))
    altered = list(valid)
    altered[position] = str((int(altered[position]) + shift) % 10)
    altered_siren = "".join(altered)
    assert is_valid_siren(valid)
    assert altered_siren == LA_POSTE_SIREN or not is_valid_siren(altered_siren)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("732 829 320", "732829320"), ("732\u00a0829\u202f320", "732829320"), (" 732829320\n", "732829320"),
     ("", ""), (None, "")],
)
def test_normalise_siren_strips_every_kind_of_space(typed, expected):
    assert normalise_siren(typed) == expected


def test_normalise_siren_keeps_other_characters_for_validation_to_reject():
    assert normalise_siren("732-829-320") == "732-829-320"
    assert not is_valid_siren(normalise_siren("732-829-320"))
