"""Field checks shared by the services: each adds a translated message to a FieldErrors and returns the
cleaned value, so a command's errors are reported together."""

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from mutualise.services.errors import FieldErrors


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


# A command field left out: PATCH-style updates change only what was given.
UNSET: Any = _Unset()


def given(value: Any) -> bool:
    return value is not UNSET


def text(errors: FieldErrors, field: str, value: Any, *, max_len: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("This field is required."))
        return None
    if not isinstance(value, str):
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
    """The form of a name compared for uniqueness: case and surrounding space ignored."""
    return " ".join(name.casefold().split())
