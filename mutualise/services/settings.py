"""The network's settings."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from mutualise.models import NetworkSettings, Resource, Site, Structure, User
from mutualise.services import checks, closures, permissions
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
    public_holidays: Any = UNSET  # "none", "france" or "alsace_moselle"
    siren: Any = UNSET


@cache
def timezones() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted (reading them scans the disk: once)."""
    return tuple(sorted(available_timezones()))


# session.info key: the unsaved defaults handed out in this transaction (the network has no row yet)
_DEFAULTS = "mutualise_default_settings"


def get_settings(session: Session) -> NetworkSettings:
    """The settings row; defaults (not written) when the network has none yet.

    Read once per transaction: the row stays in the identity map, and its absence is remembered in
    `session.info` (the identity map cannot remember a miss) until the transaction ends or a row is added.
    """
    settings = session.info.get(_DEFAULTS)
    if settings is not None:
        return settings
    settings = session.get(NetworkSettings, NetworkSettings.SINGLETON_ID)
    if settings is None:
        settings = NetworkSettings(id=NetworkSettings.SINGLETON_ID, name="Mutualise",
                                   timezone="Europe/Paris", currency="EUR", default_locale="fr",
                                   public_holidays="none")
        session.info[_DEFAULTS] = settings
    return settings


@event.listens_for(Session, "transient_to_pending")
def _settings_row_added(session, instance):
    if isinstance(instance, NetworkSettings):
        session.info.pop(_DEFAULTS, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_default_settings(session, transaction):
    if transaction.parent is None:
        session.info.pop(_DEFAULTS, None)


def network_zone(session: Session) -> ZoneInfo:
    """The network's time zone: where days, weeks and local wall times are counted."""
    return ZoneInfo(get_settings(session).timezone)


def update_settings(session: Session, actor: User, data: SettingsInput, *,
                    now: datetime | None = None) -> NetworkSettings:
    """Change the network's name, time zone, currency, default language, public holidays or SIREN
    (admins).

    Given `now`, a change of the holiday setting brings the closures in line: this year's and next
    year's holidays are generated, and upcoming ones no longer wanted are removed; a change of time zone
    moves the upcoming holidays to the new zone's midnights.
    """
    permissions.require_admin(actor)
    settings = get_settings(session)
    previous_holidays, previous_zone = settings.public_holidays, settings.timezone
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
    if checks.given(data.public_holidays):
        values["public_holidays"] = checks.choice(errors, "public_holidays", data.public_holidays,
                                                  closures.HOLIDAY_MODES)
    if checks.given(data.siren):
        values["siren"] = checks.siren(errors, "siren", data.siren)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(settings, name, value)
    session.add(settings)
    session.flush()
    if now is not None and settings.timezone != previous_zone:
        closures.move_holidays_to_zone(session, now, settings)
    if now is not None and settings.public_holidays != previous_holidays:
        closures.withdraw_holidays(session, now, settings)
        year = now.astimezone(ZoneInfo(settings.timezone)).year
        closures.generate_holidays(session, now, settings, [year, year + 1])
    return settings


def network_overview(session: Session, actor: User) -> dict[str, int]:
    """Counts for the administration dashboard (admins): active structures, people, sites, resources."""
    permissions.require_admin(actor)
    counted = {"structures": Structure, "people": User, "sites": Site, "resources": Resource}
    return {name: session.scalar(select(func.count()).select_from(model).where(model.active.is_(True)))
            for name, model in counted.items()}
