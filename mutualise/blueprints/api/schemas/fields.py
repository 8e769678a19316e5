"""Marshmallow fields for the API: strict JSON types, messages in the request's language.

The schemas check types only (and document lengths); the services own the rules. A field's messages
reuse the msgids of mutualise/services/checks.py, so a form and the API say the same thing.
"""

import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import marshmallow as ma
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from mutualise.services.checks import FIRST_YEAR, LAST_YEAR

REQUIRED = _l("This field is required.")
NOT_TEXT = _l("Must be text.")
NOT_WHOLE_NUMBER = _l("Must be a whole number.")
NOT_BOOLEAN = _l("Must be true or false.")
NOT_MAPPING = _l("Must be a set of names and values.")
NOT_LIST = _l("Must be a list.")
NOT_DATETIME = _l("Must be a date and time such as 2026-03-03T10:00:00+01:00.")
UNKNOWN_FIELD = _l("Unknown field.")

# Integer columns are 32-bit on PostgreSQL: anything larger could never match and must not reach SQL.
INT_MAX = 2**31 - 1


class String(ma.fields.String):
    default_error_messages = {"required": REQUIRED, "null": REQUIRED, "invalid": NOT_TEXT,
                              "invalid_utf8": NOT_TEXT}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # JSON can carry a NUL ("\u0000"), which PostgreSQL text refuses, and a lone surrogate
        # ("\ud800"), which no database can encode: both would fail at the write, not here.
        if "\x00" in text:
            raise self.make_error("invalid")
        try:
            text.encode()
        except UnicodeEncodeError as error:
            raise self.make_error("invalid_utf8") from error
        return text


class Integer(ma.fields.Integer):
    """A JSON integer (strict by default: "3", 3.5 and true are refused); query strings pass strict=False."""

    default_error_messages = {"required": REQUIRED, "null": NOT_WHOLE_NUMBER, "invalid": NOT_WHOLE_NUMBER,
                              "too_large": NOT_WHOLE_NUMBER}

    def __init__(self, *, strict: bool = True, **kwargs):
        super().__init__(strict=strict, **kwargs)

    def _validated(self, value):
        number = super()._validated(value)
        if number is not None and number > INT_MAX:
            raise ma.ValidationError([_l("Must be at most %(max)d.", max=INT_MAX)])
        if number is not None and number < -INT_MAX:
            raise ma.ValidationError([_l("Must be at least %(min)d.", min=-INT_MAX)])
        return number


class Boolean(ma.fields.Boolean):
    """JSON true or false only; 1, "yes" and "true" are refused (strict=False accepts them, for query
    strings)."""

    default_error_messages = {"required": REQUIRED, "null": NOT_BOOLEAN, "invalid": NOT_BOOLEAN}

    def __init__(self, *, strict: bool = True, **kwargs):
        self.strict = strict
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.strict and not isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Dict(ma.fields.Dict):
    default_error_messages = {"required": REQUIRED, "null": NOT_MAPPING, "invalid": NOT_MAPPING}


class List(ma.fields.List):
    default_error_messages = {"required": REQUIRED, "null": NOT_LIST, "invalid": NOT_LIST}


class Nested(ma.fields.Nested):
    default_error_messages = {"required": REQUIRED, "null": NOT_MAPPING, "type": NOT_MAPPING}


class Raw(ma.fields.Raw):
    """Any JSON value, for fields whose several shapes the service reads (e.g. opening hours)."""

    default_error_messages = {"required": REQUIRED}


class LocalDateTime(ma.fields.DateTime):
    """RFC 3339. Out: in the network's time zone, with its offset. In: a datetime without an offset is
    read in the network's time zone (API.md); services receive aware datetimes."""

    default_error_messages = {"required": REQUIRED, "null": NOT_DATETIME, "invalid": NOT_DATETIME,
                              "invalid_awareness": NOT_DATETIME, "format": NOT_DATETIME}

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(network_zone()).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        parsed = super()._deserialize(value, attr, data, **kwargs)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=network_zone())


def network_zone() -> ZoneInfo:
    # Flask-Babel's time zone is the network's (see the app's timezone selector); it hands out pytz
    # objects, whose offsets are wrong with datetime.replace, hence the zoneinfo equivalent.
    return ZoneInfo(str(get_timezone()))


def text(max_len: int | None = None, **kwargs) -> String:
    """A text field; `max_len` is documented (maxLength) and checked by the service, after trimming."""
    metadata = kwargs.pop("metadata", {})
    if max_len is not None:
        metadata["maxLength"] = max_len
    return String(metadata=metadata, **kwargs)


def one_of(choices, **kwargs) -> String:
    """A text field whose allowed values are documented (enum); the service checks them."""
    return String(metadata={"enum": [str(c) for c in choices]}, **kwargs)


UNKNOWN_ZONE = _l("Unknown time zone; use an IANA name such as Europe/Paris.")
OFFSET_NOT_ZONE = _l("The offset does not match the time zone named after it on that date.")

# RFC 9557: a zone may follow the time in brackets, "2026-03-09T10:00:00[Europe/Paris]".
_ZONE_SUFFIX = re.compile(r"(?P<moment>[^\[\]]+)\[(?P<zone>[^\[\]]{1,64})\]")
# URL decoding turns the "+" of an offset into a space: "2026-03-09T10:00:00 01:00".
_SPACED_OFFSET = re.compile(r"(?P<moment>.+T[0-9:.]+) (?P<offset>[0-9]{2}(?::?[0-9]{2})?)")


@cache
def _known_zones() -> frozenset[str]:
    # Checked against the list rather than by opening the name: ZoneInfo would also read odd paths.
    return frozenset(available_timezones())


class ZonedDateTime(LocalDateTime):
    """An RFC 3339 datetime for requests. Without an offset it is read in the network's time zone; a
    zone may also be named in brackets after it (RFC 9557), and an unknown zone is refused rather than
    guessed. `query=True` reads back the "+" of an offset that URL decoding turned into a space.

    Years outside the services' range are refused here already: near year 1 or 9999 the conversion to
    UTC of a filter or a date would overflow before any service could say so."""

    def __init__(self, *, query: bool = False, **kwargs):
        self.query = query
        metadata = {"description": "RFC 3339, e.g. 2026-03-09T10:00:00+01:00; without an offset: in the "
                                   "network's time zone; a zone may follow in brackets: "
                                   "2026-03-09T10:00:00[Europe/Paris].", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = self._moment(value, attr, data, **kwargs)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ma.ValidationError(_l("Must be between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                                        last=LAST_YEAR))
        return moment

    def _moment(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        value = value.strip()
        if self.query and (spaced := _SPACED_OFFSET.fullmatch(value)):
            value = f"{spaced['moment']}+{spaced['offset']}"
        suffix = _ZONE_SUFFIX.fullmatch(value)
        if suffix is None:
            return super()._deserialize(value, attr, data, **kwargs)
        if suffix["zone"] not in _known_zones():
            raise ma.ValidationError(UNKNOWN_ZONE)
        zone = ZoneInfo(suffix["zone"])
        parsed = ma.fields.DateTime._deserialize(self, suffix["moment"], attr, data, **kwargs)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        try:
            matches = parsed.utcoffset() == parsed.astimezone(zone).utcoffset()
        except OverflowError:  # year 1 or 9999 with an offset: refused as a date anyway
            raise self.make_error("invalid") from None
        if not matches:
            raise ma.ValidationError(OFFSET_NOT_ZONE)
        return parsed


class Amount(ma.fields.Number):
    """An amount that may have decimals (hours such as 1.5), written as a JSON number: a whole one as an
    integer, others as a decimal number (Flask would write a Decimal as a string)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)


class OneOf(ma.validate.OneOf):
    """Checked allowed values, with the services' message, for query parameters no service checks
    (documented as an enum)."""

    def __call__(self, value):
        if value not in self.choices:
            choices = ", ".join(str(choice) for choice in self.choices)
            raise ma.ValidationError(_l("Must be one of: %(choices)s.", choices=choices))
        return value


NOT_DATE = _l("Must be a date such as 2026-03-31.")


class Date(ma.fields.Date):
    """An ISO 8601 calendar date, "2026-03-31" (the ledger's dates); years outside the services' range
    are refused."""

    default_error_messages = {"required": REQUIRED, "null": NOT_DATE, "invalid": NOT_DATE, "format": NOT_DATE}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ma.ValidationError(_l("Must be between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                                        last=LAST_YEAR))
        return day


class Cents(ma.fields.Integer):
    """Money as integer cents (`*_cents`, API.md): a JSON integer; 12.5 is refused, never rounded. The
    service checks the bounds (amounts beyond 32 bits are fine here)."""

    default_error_messages = {"required": REQUIRED, "null": NOT_WHOLE_NUMBER, "invalid": NOT_WHOLE_NUMBER}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)
