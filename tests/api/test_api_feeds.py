"""Calendar feeds through the JSON API (API.md): create one (its URL shown once), list without secrets,
revoke (the URL dies at once); bad input refused with nothing written."""

from datetime import timedelta

import pytest
from api_helpers import api_error as _error
from api_helpers import monday
from sqlalchemy import func, select

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import FeedToken
from mutualise.services.bookings import BookingInput, create_booking

BASE = "http://127.0.0.1:5000"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(FeedToken))


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


@pytest.fixture
def member(make, coop):
    return make.user(structures=[coop], locale="en")


@pytest.fixture
def room(make):
    return make.resource(name="Salle Jaurès")


def _create(client, body: dict) -> dict:
    response = client.post("/api/v1/feeds", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_a_feed_is_created_with_its_url_shown_once_and_it_works(api, client, member, coop, room):
    create_booking(db.session, member, utcnow(), BookingInput(
        resource_id=room.id, structure_id=coop.id, start=monday(), end=monday() + timedelta(hours=1),
        title="Assemblée"))
    db.session.commit()
    body = _create(api(member), {"scope": "resource", "id": room.id, "detail": "busy"})
    assert {k: body[k] for k in ("scope", "target_id", "detail", "name")} == {
        "scope": "resource", "target_id": room.id, "detail": "busy", "name": "Salle Jaurès"}
    assert isinstance(body["id"], int) and body["created_at"]
    url = body["url"]
    assert url.startswith(f"{BASE}/feeds/") and url.endswith(".ics")
    assert len(url) < 200 and len(body["webcal_url"]) < 200
    assert body["webcal_url"] == "webcal://" + url.removeprefix("http://")
    feed = client.get(url.removeprefix(BASE))
    assert feed.status_code == 200
    assert b"SUMMARY:Salle Jaur" in feed.data


def test_every_scope_can_be_created(api, member, coop):
    caller = api(member)
    for body in ({"scope": "structure", "id": coop.id, "detail": "full", "name": "Agenda de la coop"},
                 {"scope": "user", "detail": "full"}, {"scope": "network", "id": None, "detail": "busy"}):
        created = _create(caller, body)
        assert (created["scope"], created["target_id"]) == (body["scope"], body.get("id"))
    assert _count() == 3


def test_the_list_holds_the_callers_live_feeds_and_no_secret(api, make, member, room):
    caller = api(member)
    kept = _create(caller, {"scope": "user", "detail": "busy"})
    gone = _create(caller, {"scope": "resource", "id": room.id, "detail": "busy"})
    _create(api(make.user()), {"scope": "network", "detail": "busy"})
    assert caller.delete(f"/api/v1/feeds/{gone['id']}").status_code == 204
    listing = caller.get("/api/v1/feeds")
    assert listing.status_code == 200
    items = listing.get_json()["items"]
    assert [item["id"] for item in items] == [kept["id"]]
    text = listing.get_data(as_text=True)
    for secret_url in (kept["url"], gone["url"]):
        assert secret_url.rsplit("/", 1)[1].removesuffix(".ics") not in text
    assert "url" not in items[0] and "webcal_url" not in items[0]


def test_revoking_kills_the_url_at_once_and_only_the_owner_or_an_admin_may(api, client, make, member, room):
    caller = api(member)
    created = _create(caller, {"scope": "resource", "id": room.id, "detail": "busy"})
    path = created["url"].removeprefix(BASE)
    assert client.get(path).status_code == 200
    _error(api(make.user()).delete(f"/api/v1/feeds/{created['id']}"), 404, "not_found")
    assert client.get(path).status_code == 200
    assert caller.delete(f"/api/v1/feeds/{created['id']}").status_code == 204
    assert client.get(path).status_code == 404
    other = _create(caller, {"scope": "user", "detail": "busy"})
    assert api(make.user(is_admin=True)).delete(f"/api/v1/feeds/{other['id']}").status_code == 204
    assert client.get(other["url"].removeprefix(BASE)).status_code == 404
    _error(caller.delete("/api/v1/feeds/999999"), 404, "not_found")


@pytest.mark.parametrize("body, field", [
    ({"scope": "galaxy", "detail": "busy"}, "scope"),
    ({"scope": "user", "detail": "some"}, "detail"),
    ({"scope": "resource", "detail": "busy"}, "id"),
    ({"scope": "resource", "id": "3", "detail": "busy"}, "id"),
    ({"scope": "user", "id": 3, "detail": "busy"}, "id"),
    ({"detail": "busy"}, "scope"),
    ({"scope": "user", "detail": "busy", "colour": "red"}, "colour"),
    ({"scope": "user", "detail": "busy", "name": "x" * 121}, "name"),
])
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(api, member, body, field):
    error = _error(api(member, language="en").post("/api/v1/feeds", json=body), 422, "validation")
    assert field in error["details"]["fields"]
    assert _count() == 0


def test_a_structure_the_caller_cannot_see_is_not_found(api, make, member):
    elsewhere = make.structure(name="Régie Nord")
    archived = make.resource(active=False)
    caller = api(member)
    _error(caller.post("/api/v1/feeds", json={"scope": "structure", "id": elsewhere.id, "detail": "busy"}),
           404, "not_found")
    _error(caller.post("/api/v1/feeds", json={"scope": "resource", "id": archived.id, "detail": "busy"}),
           404, "not_found")
    assert _count() == 0


def test_feeds_need_a_token(api):
    _error(api().get("/api/v1/feeds"), 401, "unauthorized")
    _error(api().post("/api/v1/feeds", json={"scope": "user", "detail": "busy"}), 401, "unauthorized")
    assert _count() == 0
