"""Amounts of money as integer cents.

Floats never touch an amount: ``0.1 + 0.2`` style errors would leak into shared costs, so user text is
parsed digit by digit and formatted with integer arithmetic only.
"""

from __future__ import annotations

import re

MAX_ABS_CENTS = 10**12

_DIGITS = frozenset("0123456789")
# ASCII space, no-break space and narrow no-break space (the French typographic thousands separator).
_SPACES = frozenset(" \u00a0\u202f")
_SPACE_SPLIT = re.compile("[ \u00a0\u202f]")
_MINUS_SIGNS = ("-", "\u2212")  # ASCII hyphen-minus and the typographic minus sign
_EURO = "€"


class AmountError(ValueError):
    """A user-typed amount was rejected.

    ``reason`` is a short code ("empty", "format", "precision", "too_large") that the caller translates.
    """

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(f"invalid amount ({reason}): {text!r}")
        self.reason = reason
        self.text = text


def _is_digits(s: str) -> bool:
    # str.isdigit() would also accept "²" or Arabic-Indic digits, which int() then mishandles or rejects.
    return bool(s) and all(c in _DIGITS for c in s)


def _strip_sign_and_currency(text: str) -> tuple[bool, str]:
    """Remove the optional minus sign and euro symbol, in either order, from both ends."""
    s = text.strip()
    euro = False
    negative = False
    if s.startswith(_EURO):
        euro = True
        s = s[1:].lstrip()
    if s.startswith(_MINUS_SIGNS):
        negative = True
        s = s[1:].lstrip()
    if not euro and s.startswith(_EURO):  # "-€12"
        euro = True
        s = s[1:].lstrip()
    if s.endswith(_EURO):
        if euro:
            raise AmountError("format", text)
        s = s[:-1].rstrip()
    return negative, s


def _split_number(text: str, number: str) -> tuple[list[str], str | None]:
    """Split ``number`` into integer digit groups and fraction digits (None without decimal separator)."""
    has_space = any(c in _SPACES for c in number)
    dots, commas = number.count("."), number.count(",")
    if dots and commas:
        # Both present: the last one is the decimal separator, the other can only be a thousands separator.
        decimal = "." if number.rfind(".") > number.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        if number.count(decimal) != 1 or has_space:
            raise AmountError("format", text)
        int_part, fraction = number.split(decimal)
        return int_part.split(thousands), fraction
    if dots or commas:
        sep = "." if dots else ","
        if number.count(sep) == 1:
            # A single separator is decimal: "1,234" means 1.234 and fails on precision, never 1234.
            int_part, fraction = number.split(sep)
            return _SPACE_SPLIT.split(int_part), fraction
        if has_space:
            raise AmountError("format", text)
        # Repeated identical separators can only be thousands grouping: "1.234.567".
        return number.split(sep), None
    return _SPACE_SPLIT.split(number), None


def parse_amount(text: str) -> int:
    """Convert a user-typed amount ("1 234,56 €", "12.5", "-€3") to integer cents.

    Accepts "," or "." as decimal separator, spaces / no-break spaces / the other punctuation mark as
    thousands separators (groups of 3 digits), an optional leading minus and a leading or trailing "€".
    Raises AmountError with ``reason`` "empty", "format", "precision" (more than 2 decimals) or
    "too_large" (absolute value above MAX_ABS_CENTS).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_amount expects str, got {type(text).__name__}")
    if not text.strip():
        raise AmountError("empty", text)
    negative, number = _strip_sign_and_currency(text)
    if not number or any(c not in _DIGITS and c not in _SPACES and c not in ".," for c in number):
        raise AmountError("format", text)

    groups, fraction = _split_number(text, number)
    if len(groups) == 1:
        int_digits = groups[0]
        # ",5" is fine (50 cents), but a bare separator is not a number.
        if not (int_digits == "" and fraction) and not _is_digits(int_digits):
            raise AmountError("format", text)
    else:
        first, rest = groups[0], groups[1:]
        if not (_is_digits(first) and len(first) <= 3 and all(_is_digits(g) and len(g) == 3 for g in rest)):
            raise AmountError("format", text)
        int_digits = "".join(groups)

    if fraction is not None:
        if not _is_digits(fraction):
            raise AmountError("format", text)
        if len(fraction) > 2:
            raise AmountError("precision", text)
    else:
        fraction = ""

    significant = int_digits.lstrip("0")
    # Checked on length first so that absurdly long inputs never reach int() (which caps digit counts).
    if len(significant) > len(str(MAX_ABS_CENTS // 100)):
        raise AmountError("too_large", text)
    cents = int(significant or "0") * 100 + int(fraction.ljust(2, "0"))
    if cents > MAX_ABS_CENTS:
        raise AmountError("too_large", text)
    return -cents if negative else cents


def cents_to_decimal_str(cents: int) -> str:
    """Format integer cents in machine format: 123456 -> "1234.56", -5 -> "-0.05" (for forms and CSV)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents_to_decimal_str expects int, got {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units}.{rest:02d}"
