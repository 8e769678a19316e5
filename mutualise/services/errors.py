"""Domain errors raised by services, mapped once to HTTP by the blueprints (see mutualise/errors.py)."""

from typing import Any

from flask_babel import lazy_gettext as _l


class MutualiseError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be understood.")

    def __init__(self, message: Any = None, details: dict[str, Any] | None = None):
        self.message = message if message is not None else self.default_message
        self.details = details or {}
        super().__init__(str(self.message))


class BadRequest(MutualiseError):
    pass


class Unauthorized(MutualiseError):
    status = 401
    code = "unauthorized"
    default_message = _l("Authentication required.")


class Forbidden(MutualiseError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFound(MutualiseError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(MutualiseError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with existing data.")


class ValidationError(MutualiseError):
    """One or more fields are wrong; `fields` maps each field name to a message."""

    status = 422
    code = "validation"
    default_message = _l("Some fields are invalid.")

    def __init__(self, fields: dict[str, Any], message: Any = None):
        self.fields = fields
        super().__init__(message, {"fields": fields})


class FieldErrors:
    """Collects field errors while a command is checked, then raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


class BookingConflict(Conflict):
    """The slot overlaps other bookings (beyond the stock), a buffer or a closure.
    details.conflicts lists {start, end, booking_id?} (the booking id only when the caller may see it)."""

    default_message = _l("This slot is already taken.")

    def __init__(self, conflicts: list[dict[str, Any]], message: Any = None, **details: Any):
        super().__init__(message, {"conflicts": conflicts, **details})


class RuleViolation(MutualiseError):
    """A rule of the resource refuses the booking; details.rule names it (API.md)."""

    status = 422
    code = "rule_violation"
    default_message = _l("This booking breaks a rule of the resource.")

    def __init__(self, rule: str, message: Any = None, **details: Any):
        super().__init__(message, {"rule": rule, **details})


class QuotaExceeded(MutualiseError):
    """details: rule (id), window {start, end}, unit, used, limit, requested."""

    status = 422
    code = "quota_exceeded"
    default_message = _l("This booking would exceed your structure's quota.")


class PeriodClosed(MutualiseError):
    """Writing into a closed ledger period; details.period is its month ("YYYY-MM")."""

    status = 409
    code = "period_closed"
    default_message = _l("This ledger period is closed.")
