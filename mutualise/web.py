"""Wiring of the web layer: blueprints, the signed-in user, template helpers."""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from mutualise.extensions import db, login_manager
from mutualise.models import User
from mutualise.services.checks import MAX_ID
from mutualise.services.locks import begin_writing
from mutualise.services.settings import get_settings


class IdConverter(IntegerConverter):
    """`<int:...>` in every URL is an id: one larger than the columns hold cannot exist, so it is a 404
    at routing rather than an overflow at the database."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from mutualise.blueprints import (
        admin,
        admin_booking,
        admin_resources,
        auth,
        bookings,
        calendar,
        feeds,
        inventory,
        ledger,
        ledger_entry,
        main,
        profile,
    )
    from mutualise.blueprints.api import register as register_api

    for blueprint in (main.bp, auth.bp, profile.bp, admin.bp, inventory.bp, admin_resources.bp,
                      admin_booking.bp, calendar.bp, bookings.bp, ledger.bp, ledger_entry.bp, feeds.bp):
        app.register_blueprint(blueprint)
    register_api(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.context_processor(_layout_context)
    app.before_request(_writers_first)
    app.after_request(_security_headers)


# Views whose service takes the write lock itself before it checks and writes (bookings.create_booking,
# through locks.lock_for_booking) and that write nothing before: authenticating, parsing and refusing bad
# input then run beside the writer instead of queueing behind it.
_LOCK_LATE = frozenset({"api_bookings.create_booking", "bookings.new"})


def _writers_first() -> None:
    """A request that may write begins its transaction as a writer before it reads anything (SQLite:
    BEGIN IMMEDIATE), so the checks it makes still hold when it commits (services/locks.py)."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint not in _LOCK_LATE:
        begin_writing(db.session)


def _load_user(session_id: str) -> User | None:
    """Sessions carry the user's nonce too: a password change signs out every other session."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.scalar(select(User).where(User.id == int(user_id), User.session_nonce == nonce))
    return user if user is not None and user.active else None


def money(cents: int | None, currency: str | None = None) -> str:
    """Integer cents as the user's locale writes money ("1 234,56 €"), never through a float."""
    if cents is None:
        return ""
    group, decimal, negative, positive = _money_layout(currency or network_settings().currency,
                                                       str(get_locale()))
    units, rest = divmod(abs(cents), 100)
    digits = f"{units:,}".replace(",", group) + decimal + f"{rest:02d}"
    prefix, suffix = negative if cents < 0 else positive
    return f"{prefix}{digits}{suffix}"


@lru_cache(maxsize=64)
def _money_layout(currency: str, locale: str) -> tuple[str, str, tuple[str, str], tuple[str, str]]:
    """How the locale writes an amount, read once from Babel's own rendering of a known number: its
    group and decimal signs, and what goes before and after the digits, for negative and positive
    amounts. Formatting each of a statement's thousand amounts with Babel took most of the page's time."""
    layouts = []
    for number in ("-1234567.89", "1234567.89"):
        text = format_currency(Decimal(number), currency, locale=locale)
        first, last = text.index("1"), text.rindex("9")
        digits = text[first:last + 1]
        layouts.append((text[:first], text[last + 1:], digits[1], digits[-3]))
    (neg_before, neg_after, group, decimal), (pos_before, pos_after, _, _) = layouts
    return group, decimal, (neg_before, neg_after), (pos_before, pos_after)


def network_settings():
    """The network's settings, read once per request (or command)."""
    if "network_settings" not in g:
        g.network_settings = get_settings(db.session)
    return g.network_settings


def select_locale() -> str:
    """The profile's language, then the browser's, then the network's; the API follows Accept-Language
    only, and the command line the network's language."""
    if not has_request_context():
        return network_settings().default_locale
    if not request.path.startswith("/api/") and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or network_settings().default_locale


def select_timezone() -> str:
    return network_settings().timezone


def _layout_context() -> dict:
    return {"network": network_settings()}


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
