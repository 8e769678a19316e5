"""The network's settings."""

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualise.models import NetworkSettings, Resource, Site, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors

LOCALES = ("fr", "en")
CURRENCIES = ("EUR",)


@dataclass
class SettingsInput:
    name: Any = UNSET
    timezone: Any = UNSET
    currency: Any = UNSET
    default_locale: Any = UNSET


@cache
def timezones() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted (reading them scans the disk: once)."""
    return tuple(sorted(available_timezones()))


def get_settings(session: Session) -> NetworkSettings:
    """The settings row; defaults (not written) when the network has none yet."""
    settings = session.get(NetworkSettings, NetworkSettings.SINGLETON_ID)
    if settings is None:
        settings = NetworkSettings(id=NetworkSettings.SINGLETON_ID, name="Mutualise",
                                   timezone="Europe/Paris", currency="EUR", default_locale="fr")
    return settings


def update_settings(session: Session, actor: User, data: SettingsInput) -> NetworkSettings:
    """Change the network's name, time zone, currency or default language (admins)."""
    permissions.require_admin(actor)
    settings = get_settings(session)
    errors = FieldErrors()
    values = {}
    if checks.given(data.name):
        values["name"] = checks.text(errors, "name", data.name, max_len=NetworkSettings.NAME_MAX)
    if checks.given(data.timezone):
        # a JSON list or number must be refused, not looked up in a set (unhashable: a 500)
        if not isinstance(data.timezone, str) or data.timezone not in timezones():
            errors.add("timezone", _l("Unknown time zone."))
        values["timezone"] = data.timezone
    if checks.given(data.currency):
        values["currency"] = checks.choice(errors, "currency", data.currency, CURRENCIES)
    if checks.given(data.default_locale):
        values["default_locale"] = checks.choice(errors, "default_locale", data.default_locale, LOCALES)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(settings, name, value)
    session.add(settings)
    session.flush()
    return settings


def network_overview(session: Session, actor: User) -> dict[str, int]:
    """Counts for the administration dashboard (admins): active structures, people, sites, resources."""
    permissions.require_admin(actor)
    counted = {"structures": Structure, "people": User, "sites": Site, "resources": Resource}
    return {name: session.scalar(select(func.count()).select_from(model).where(model.active.is_(True)))
            for name, model in counted.items()}
