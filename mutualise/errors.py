"""One place where errors become responses: JSON under /api/, a page in the site layout elsewhere."""

import logging
from datetime import datetime
from decimal import Decimal

from flask import Flask, jsonify, render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from mutualise.extensions import db
from mutualise.services.errors import MutualiseError, PeriodClosed

log = logging.getLogger(__name__)

# The JSON error code for each HTTP status we answer ourselves (API.md).
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "bad_request",
          409: "conflict", 413: "bad_request", 415: "bad_request", 422: "validation", 429: "rate_limited"}
_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Authentication required."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist, or you cannot see it."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    415: _l("Send JSON with the Content-Type application/json."),
    429: _l("Too many requests; try again in a moment."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message, details: dict | None = None):
    body = {"error": {"code": code, "message": str(message), "details": _plain(details or {})}}
    return jsonify(body), status


def _plain(value):
    """Lazy translations and nested messages as plain JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):  # as the API gives every datetime: with the network zone's offset
        return value.astimezone(get_timezone()).isoformat()
    if isinstance(value, Decimal):  # quota hours, never money (money travels as integer cents)
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def error_page(status: int, message):
    # str(): Jinja treats Babel's lazy strings as safe markup, and messages may quote what people typed
    message = str(message)
    return render_template("errors/error.html", status=status, message=message), status


def handle_mutualise_error(error: MutualiseError):
    db.session.rollback()
    if wants_json():
        return json_error(error.status, error.code, error.message, error.details)
    return error_page(error.status, error.message)


def handle_http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    if wants_json():
        response = json_error(status, _CODES.get(status, "bad_request"), _MESSAGES.get(status, error.name))
        if status == 429 and error.get_response().headers.get("Retry-After"):
            response[0].headers["Retry-After"] = error.get_response().headers["Retry-After"]
        return response
    message = _MESSAGES.get(status, error.name)
    if status == 400 and getattr(error, "description", "") and "CSRF" in error.description:
        message = _("Your form expired. Please go back, reload the page and send it again.")
    return error_page(status, message)


# PostgreSQL: 23P01 exclusion_violation (the booking guards of migration 0002), 40P01 deadlock_detected,
# 40001 serialization_failure. SQLite: the guard trigger's message, or the write lock not obtained in time.
_BOOKING_GUARD = ("23P01",)
_RETRY_LATER = ("40P01", "40001")


def _is_booking_guard(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _BOOKING_GUARD or "booking_overlap" in str(error.orig)


def _ledger_guard(error: DBAPIError) -> str | None:
    """Which guard of the ledger (migration 0003) refused the write, from the trigger's message."""
    text = str(error.orig)
    return next((guard for guard in ("period_closed", "ledger_posted", "journal_gap") if guard in text), None)


def handle_ledger_guard(guard: str):
    """The database refused a ledger write the services let through: a closed period, a posted row, an
    entry out of sequence. A conflict, never a server error."""
    db.session.rollback()
    log.warning("ledger guard %s answered as a conflict", guard)
    if guard == "period_closed":
        return handle_mutualise_error(PeriodClosed())
    message = _l("The ledger changed at the same moment, or this would alter a posted entry; nothing was "
                 "saved. Please try again.")
    if wants_json():
        return json_error(409, "conflict", message)
    return error_page(409, message)


def handle_integrity_error(error: IntegrityError):
    """Two requests raced for the same unique value or slot: the services checked, the database decided."""
    if (guard := _ledger_guard(error)) is not None:
        return handle_ledger_guard(guard)
    db.session.rollback()
    log.info("integrity error answered as a conflict: %s", error.orig)
    if _is_booking_guard(error):
        message = _l("This slot was taken at the same moment by another booking; nothing was saved.")
        details = {"conflicts": []}
    else:
        message = _l("Someone saved the same data at the same moment; nothing was saved. Please try again.")
        details = {}
    if wants_json():
        return json_error(409, "conflict", message, details)
    return error_page(409, message)


def handle_operational_error(error: OperationalError):
    """A deadlock, a serialisation failure or a write lock not obtained in time: a conflict to retry,
    not a failure of ours. Anything else is unexpected."""
    if (guard := _ledger_guard(error)) is not None:
        return handle_ledger_guard(guard)
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate not in _RETRY_LATER and "database is locked" not in str(error.orig):
        return handle_unexpected(error)
    db.session.rollback()
    log.warning("busy database answered as a conflict: %s", error.orig)
    message = _l("The platform is busy with the same data; nothing was saved. Please try again.")
    if wants_json():
        return json_error(409, "conflict", message)
    return error_page(409, message)


def handle_database_error(error: DBAPIError):
    """Any other database error: a ledger guard's refusal is a conflict; the rest is unexpected."""
    if (guard := _ledger_guard(error)) is not None:
        return handle_ledger_guard(guard)
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    db.session.rollback()
    # a feed's path is its secret: never write it to the log
    path = "/feeds/…" if request.path.startswith("/feeds/") else request.path
    log.exception("unexpected error on %s %s", request.method, path)
    if wants_json():
        return json_error(500, "internal", _MESSAGES[500])
    return error_page(500, _MESSAGES[500])


def register(app: Flask) -> None:
    app.register_error_handler(MutualiseError, handle_mutualise_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
