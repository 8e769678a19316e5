"""Field checks shared by the services: each adds a translated message to a FieldErrors and returns the
cleaned value, so a command's errors are reported together."""

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from mutualise.domain.accounts import parse_month
from mutualise.domain.money import MAX_ABS_CENTS
from mutualise.domain.siren import is_valid_siren, normalise_siren
from mutualise.services.errors import FieldErrors, ValidationError


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


# A command field left out: PATCH-style updates change only what was given.
UNSET: Any = _Unset()


def given(value: Any) -> bool:
    return value is not UNSET


# Ids are 32-bit integers in PostgreSQL, and SQLite cannot even bind a number beyond 64 bits: an id out
# of range is looked up as nothing rather than sent to the database (a 500 otherwise).
MAX_ID = 2**31 - 1


def valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def text(errors: FieldErrors, field: str, value: Any, *, max_len: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("This field is required."))
        return None
    # PostgreSQL refuses NUL characters in text: say so here rather than fail at the database.
    if not isinstance(value, str) or "\x00" in value:
        errors.add(field, _l("Must be text."))
        return None
    value = value.strip()
    if len(value) > max_len:
        errors.add(field, _l("At most %(max)d characters.", max=max_len))
        return None
    return value


def integer(errors: FieldErrors, field: str, value: Any, *, minimum: int | None = None,
            maximum: int | None = None, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            errors.add(field, _l("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _l("Must be a whole number."))
        return None
    if minimum is not None and value < minimum:
        errors.add(field, _l("Must be at least %(min)d.", min=minimum))
        return None
    if maximum is not None and value > maximum:
        errors.add(field, _l("Must be at most %(max)d.", max=maximum))
        return None
    return value


def boolean(errors: FieldErrors, field: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        errors.add(field, _l("Must be true or false."))
        return None
    return value


def choice(errors: FieldErrors, field: str, value: Any, choices: tuple[str, ...] | list[str],
           *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            errors.add(field, _l("This field is required."))
        return None
    if value not in choices:
        errors.add(field, _l("Must be one of: %(choices)s.", choices=", ".join(choices)))
        return None
    return value


def email(errors: FieldErrors, field: str, value: Any, *, max_len: int, required: bool = True) -> str | None:
    """A syntactically valid address, lower-cased so comparisons ignore case."""
    value = text(errors, field, value, max_len=max_len, required=required)
    if value is None:
        return None
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        errors.add(field, _l("Not a valid e-mail address."))
        return None
    return checked.normalized.lower()


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def colour(errors: FieldErrors, field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _COLOUR.match(value):
        errors.add(field, _l("Must be a colour such as #1f6feb."))
        return None
    return value.lower()


def name_key(name: str) -> str:
    """The form of a name compared for uniqueness: case, accents and extra spaces ignored, so
    "Régie  de Quartier" and "regie de quartier" are the same name."""
    # NFD splits "é" into "e" + a combining accent, which is dropped (NFKD could lengthen "ﬁ" etc.).
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# Bookings, closures and windows live within these years: anything else is a typo (or an attack on
# date arithmetic near datetime.max).
FIRST_YEAR, LAST_YEAR = 2000, 2200


def moment(errors: FieldErrors, field: str, value: Any, *, required: bool = True) -> datetime | None:
    """An aware datetime (the blueprints read naive ones in the network's time zone), as UTC."""
    if value is None or value == "":
        if required:
            errors.add(field, _l("This field is required."))
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        errors.add(field, _l("Must be a date and time such as 2026-03-03T10:00:00+01:00."))
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        errors.add(field, _l("Must be between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                             last=LAST_YEAR))
        return None
    return value.astimezone(UTC)


def day(errors: FieldErrors, field: str, value: Any, *, required: bool = True) -> date | None:
    """A calendar date (not a datetime) between FIRST_YEAR and LAST_YEAR."""
    if value is None or value == "":
        if required:
            errors.add(field, _l("This field is required."))
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.add(field, _l("Must be a date such as 2026-03-31."))
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        errors.add(field, _l("Must be between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                             last=LAST_YEAR))
        return None
    return value


def cents(errors: FieldErrors, field: str, value: Any, *, allow_zero: bool = False,
          allow_negative: bool = True) -> int | None:
    """An amount in integer cents (never a float: 12.5 is refused, not rounded)."""
    if value is None or value == "":
        errors.add(field, _l("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _l("Must be a whole number of cents."))
        return None
    if abs(value) > MAX_ABS_CENTS:
        errors.add(field, _l("This amount is too large."))
        return None
    if value == 0 and not allow_zero:
        errors.add(field, _l("Must not be zero."))
        return None
    if value < 0 and not allow_negative:
        errors.add(field, _l("Must not be negative."))
        return None
    return value


def siren(errors: FieldErrors, field: str, value: Any) -> str | None:
    """An optional SIREN number (spaces allowed as typed), checked with its check digit."""
    number = text(errors, field, value, max_len=20, required=False)
    if number is None:
        return None
    number = normalise_siren(number)
    if not is_valid_siren(number):
        errors.add(field, _l("A SIREN number has 9 digits and a valid check digit."))
    return number


def month_bounds(value: Any, field: str = "period") -> tuple[date, date]:
    """The first and last day of a ledger month "YYYY-MM"; ValidationError on `field` otherwise."""
    bounds = parse_month(value) if isinstance(value, str) else None
    if bounds is None:
        raise ValidationError({field: _l("Give a month as YYYY-MM, for example 2026-03.")})
    return bounds
