"""The network settings page."""

import pytest
from sqlalchemy import select

from mutualise.extensions import db
from mutualise.models import NetworkSettings
from mutualise.services import settings
from mutualise.services.errors import ValidationError
from mutualise.services.settings import SettingsInput


def _stored() -> NetworkSettings | None:
    db.session.expire_all()
    return db.session.scalar(select(NetworkSettings))


def test_the_form_offers_the_time_zones_sorted_with_paris_chosen_by_default(client, make, login):
    login(make.user(is_admin=True, locale="en"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert '<option selected value="Europe/Paris">' in page
    assert page.index('value="America/Montreal"') < page.index('value="Europe/Paris"') \
        < page.index('value="Indian/Reunion"')


def test_a_settings_change_persists(client, make, login):
    login(make.user(is_admin=True, locale="en"))
    response = client.post("/admin/settings", data={
        "name": "Réseau des Tiers-Lieux", "timezone": "Indian/Reunion", "currency": "EUR",
        "default_locale": "en"})
    assert response.status_code == 302
    stored = _stored()
    assert (stored.name, stored.timezone, stored.currency, stored.default_locale) == (
        "Réseau des Tiers-Lieux", "Indian/Reunion", "EUR", "en")
    assert '<option selected value="Indian/Reunion">' in client.get("/admin/settings").get_data(as_text=True)


def test_bad_settings_are_refused_and_nothing_is_written(client, make, login):
    login(make.user(is_admin=True, locale="en"))
    response = client.post("/admin/settings", data={
        "name": "", "timezone": "Mars/Olympus", "currency": "XBT", "default_locale": "de"})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert _stored() is None


def test_an_over_long_network_name_gets_a_field_message(client, make, login):
    login(make.user(is_admin=True, locale="en"))
    response = client.post("/admin/settings", data={
        "name": "n" * 121, "timezone": "Europe/Paris", "currency": "EUR", "default_locale": "fr"})
    assert response.status_code == 422
    assert "At most 120 characters." in response.get_data(as_text=True)
    assert _stored() is None


def test_a_non_admin_gets_403_on_the_settings(client, make, login):
    login(make.user(is_treasurer=True, locale="en"))
    assert client.get("/admin/settings").status_code == 403
    response = client.post("/admin/settings", data={
        "name": "Pris", "timezone": "Europe/Paris", "currency": "EUR", "default_locale": "fr"})
    assert response.status_code == 403
    assert _stored() is None


@pytest.mark.parametrize("timezone", ["Mars/Olympus", ["Europe/Paris"], 3, ""])
def test_the_service_refuses_an_unknown_time_zone_of_any_type(make, timezone):
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        settings.update_settings(db.session, admin, SettingsInput(timezone=timezone))
    assert set(refused.value.fields) == {"timezone"}


def test_the_networks_siren_is_checked_and_names_the_fec_file(client, make, login):
    admin = make.user(is_admin=True, is_treasurer=True, locale="en")
    login(admin)
    refused = client.post("/admin/settings", data={
        "name": "Réseau", "timezone": "Europe/Paris", "currency": "EUR", "default_locale": "fr",
        "public_holidays": "none", "siren": "123 456 789"})
    assert refused.status_code == 422
    assert "A SIREN number has 9 digits and a valid check digit." in refused.get_data(as_text=True)
    assert _stored() is None or _stored().siren is None
    saved = client.post("/admin/settings", data={
        "name": "Réseau", "timezone": "Europe/Paris", "currency": "EUR", "default_locale": "fr",
        "public_holidays": "none", "siren": "552 100 554"})
    assert saved.status_code == 302
    assert _stored().siren == "552100554"
    fec = client.get("/ledger/2026-02/fec.txt")
    assert fec.headers["Content-Disposition"] == 'attachment; filename="552100554FEC20260228.txt"'
