"""SIREN numbers: the 9-digit identifiers INSEE gives French legal entities."""

from __future__ import annotations

# La Poste's establishments do not follow the Luhn rule on their SIRETs (the digit sum is a multiple
# of 5 instead); the SIREN itself is accepted explicitly so that this stays true whatever the checksum.
LA_POSTE_SIREN = "356000000"

_DIGITS = frozenset("0123456789")


def normalise_siren(value: str | None) -> str:
    """Remove every kind of space (including no-break spaces) from a typed SIREN; None gives ""."""
    if value is None:
        return ""
    return "".join(str(value).split())


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - ord("0")
        if position % 2 == 1:  # every second digit from the right is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    """Whether ``value`` is exactly 9 ASCII digits passing the Luhn checksum (La Poste's SIREN included).

    The value is not normalised here: call normalise_siren() first on user input.
    """
    if not isinstance(value, str) or len(value) != 9 or any(c not in _DIGITS for c in value):
        return False
    return value == LA_POSTE_SIREN or _luhn_valid(value)
