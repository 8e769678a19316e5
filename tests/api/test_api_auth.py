"""Bearer-token authentication of the JSON API: the token is the only way in."""

from datetime import UTC, datetime

import pytest

from mutualise.extensions import db
from mutualise.models import Membership
from mutualise.services.accounts import create_api_token, revoke_api_token

ENDPOINTS = ["/api/v1/me", "/api/v1/settings", "/api/v1/structures", "/api/v1/users", "/api/v1/sites",
             "/api/v1/resources"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_request_without_a_token_gets_401_with_a_json_error(client, path):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"] == "Send an API token in the header Authorization: Bearer <token>."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer mut_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz",
                                    "mut_no-scheme", "Bearer " + "x" * 5000])
def test_a_bad_token_gets_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header, "Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_revoked_token_no_longer_opens_the_api(client, make):
    person = make.user()
    token, secret = create_api_token(db.session, person, datetime.now(UTC), "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoke_api_token(db.session, person, token.id, datetime.now(UTC))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_persons_token_is_refused(api, make):
    person = make.user()
    caller = api(person)
    person.active = False
    db.session.commit()
    assert caller.get("/api/v1/me").status_code == 401


def test_the_session_cookie_of_the_web_pages_does_not_open_the_api(client, make, login):
    login(make.user())
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_the_api_needs_no_csrf_token_even_when_csrf_protection_is_on(app, api, make):
    app.config["WTF_CSRF_ENABLED"] = True
    response = api(make.user(is_admin=True)).post("/api/v1/structures", json={"name": "Coop"})
    assert response.status_code == 201


def test_me_gives_the_caller_their_structures_with_roles_and_their_network_roles(api, make):
    fives = make.structure(name="Régie de Fives", short_code="RDF")
    velo = make.structure(name="Atelier Vélo", short_code="AV")
    person = make.user(name="Camille", email="camille@example.org", is_treasurer=True, locale="en",
                       structures=[fives])
    make.user(structures=[velo])  # someone else's structure is not listed
    db.session.add(Membership(structure=velo, user=person, role="manager", created_at=datetime.now(UTC)))
    db.session.commit()
    body = api(person).get("/api/v1/me").get_json()
    assert (body["id"], body["name"], body["email"], body["locale"]) == (
        person.id, "Camille", "camille@example.org", "en")
    assert body["roles"] == ["treasurer"]
    assert body["structures"] == [
        {"id": fives.id, "name": "Régie de Fives", "short_code": "RDF", "role": "member"},
        {"id": velo.id, "name": "Atelier Vélo", "short_code": "AV", "role": "manager"},
    ]
    assert "password" not in body and "password_hash" not in body


def test_datetimes_are_given_with_the_network_time_zones_offset(api, make):
    person = make.user(created_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    body = api(person).get("/api/v1/me").get_json()
    assert body["created_at"] == "2026-07-01T10:00:00+02:00"  # Europe/Paris in summer


def test_settings_give_the_networks_name_time_zone_currency_and_language(api, make):
    body = api(make.user()).get("/api/v1/settings").get_json()
    assert body == {"name": "Mutualise", "timezone": "Europe/Paris", "currency": "EUR", "locale": "fr",
                    "siren": None}
