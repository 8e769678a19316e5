"""Quota rules and a structure's use of them through the JSON API: admins write the rules, everyone reads
those applying to their structures and what is left of them."""

from datetime import datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from api_helpers import monday
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import QuotaRule

PARIS = ZoneInfo("Europe/Paris")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuotaRule))


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


@pytest.fixture
def admin(api, make):
    return api(make.user(is_admin=True), language="en")


def _rule(admin, **fields) -> dict:
    response = admin.post("/api/v1/quotas", json={"structure_id": None, "unit": "hours", "window": "week",
                                                  **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_an_admin_adds_a_rule_and_reads_it_back_described(admin, make, coop):
    room = make.resource(name="Salle Jaurès")
    body = _rule(admin, structure_id=coop.id, resource_ids=[room.id], limit=10, name="Salle du lundi")
    assert {key: body[key] for key in ("structure_id", "resource_ids", "kind", "site_id", "unit", "window",
                                       "rolling_days", "limit", "max_open_future", "active", "name")} == {
        "structure_id": coop.id, "resource_ids": [room.id], "kind": None, "site_id": None, "unit": "hours",
        "window": "week", "rolling_days": None, "limit": 10, "max_open_future": None, "active": True,
        "name": "Salle du lundi"}
    assert body["description"] == "10 h per week on Salle Jaurès, for Coop Vélo"
    assert admin.get(f"/api/v1/quotas/{body['id']}").get_json() == body


@pytest.mark.parametrize(("fields", "errors"), [
    ({"unit": "minutes", "limit": 3}, {"unit": "Must be one of: hours, bookings."}),
    ({"window": "rolling", "limit": 3}, {"rolling_days": "Give the length of the rolling window in days."}),
    ({"limit": -1}, {"limit": "Must be at least 0."}),
    ({"limit": "10"}, {"limit": "Must be a whole number."}),
    ({}, {"limit": "Give a limit, a maximum of future bookings, or both."}),
    ({"limit": 3, "kind": "room", "site_id": 999}, {"site_id": "No such site."}),
    ({"limit": 3, "structure_id": 999}, {"structure_id": "No such structure."}),
])
def test_a_wrong_rule_is_refused_and_nothing_is_written(admin, fields, errors):
    response = admin.post("/api/v1/quotas", json={"structure_id": None, "unit": "hours", "window": "week",
                                                  **fields})
    assert _error(response, 422, "validation")["details"]["fields"] == errors
    assert _count() == 0


def test_whom_the_rule_is_for_must_be_said_even_when_it_is_every_structure(admin):
    response = admin.post("/api/v1/quotas", json={"unit": "hours", "window": "week", "limit": 3})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "structure_id": "This field is required."}
    assert _count() == 0


def test_members_read_the_rules_of_their_structures_only(api, admin, make, coop):
    other = make.structure()
    everyone = _rule(admin, limit=20)
    ours = _rule(admin, structure_id=coop.id, limit=5)
    theirs = _rule(admin, structure_id=other.id, limit=5)
    member = api(make.user(structures=[coop]))
    assert [r["id"] for r in member.get("/api/v1/quotas").get_json()["items"]] == [everyone["id"], ours["id"]]
    assert _error(member.get(f"/api/v1/quotas/{theirs['id']}"), 404, "not_found")
    assert _error(member.get(f"/api/v1/quotas?structure_id={other.id}"), 404, "not_found")
    assert len(admin.get("/api/v1/quotas").get_json()["items"]) == 3


def test_members_cannot_write_rules(api, admin, make, coop):
    rule = _rule(admin, structure_id=coop.id, limit=5)
    member = api(make.user(structures=[coop]))
    body = {"structure_id": coop.id, "unit": "hours", "window": "week", "limit": 50}
    assert _error(member.post("/api/v1/quotas", json=body), 403, "forbidden")
    assert _error(member.patch(f"/api/v1/quotas/{rule['id']}", json={"limit": 50}), 403, "forbidden")
    assert _error(member.delete(f"/api/v1/quotas/{rule['id']}"), 403, "forbidden")
    assert db.session.scalars(select(QuotaRule.limit)).all() == [5]


def test_an_admin_changes_and_removes_a_rule(admin, coop):
    rule = _rule(admin, structure_id=coop.id, limit=5)
    changed = admin.patch(f"/api/v1/quotas/{rule['id']}", json={"window": "rolling", "rolling_days": 30,
                                                                "unit": "bookings"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    body = changed.get_json()
    assert (body["window"], body["rolling_days"], body["unit"]) == ("rolling", 30, "bookings")
    assert body["limit"] == 5
    refused = admin.patch(f"/api/v1/quotas/{rule['id']}", json={"rolling_days": 0})
    assert _error(refused, 422, "validation")["details"]["fields"] == {"rolling_days": "Must be at least 1."}
    deleted = admin.delete(f"/api/v1/quotas/{rule['id']}")
    assert (deleted.status_code, deleted.get_data()) == (204, b"")
    assert _count() == 0
    assert _error(admin.get(f"/api/v1/quotas/{rule['id']}"), 404, "not_found")


def test_the_remaining_quota_drops_after_a_booking(api, admin, make, coop):
    room = make.resource()
    rule = _rule(admin, structure_id=coop.id, limit=10)
    member = api(make.user(structures=[coop]))
    status_url = f"/api/v1/structures/{coop.id}/quotas?at={quote(monday().isoformat())}"
    [before] = member.get(status_url).get_json()["items"]
    assert (before["rule_id"], before["used"], before["limit"], before["remaining"]) == (rule["id"], 0, 10,
                                                                                         10)

    response = member.post("/api/v1/bookings", json={
        "resource_id": room.id, "structure_id": coop.id, "start": monday().isoformat(),
        "end": (monday() + timedelta(hours=1, minutes=30)).isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    [after] = member.get(status_url).get_json()["items"]
    assert (after["used"], after["remaining"]) == (1.5, 8.5)
    week_start = datetime.combine(monday().date(), time(), PARIS)
    assert (after["window_start"], after["window_end"]) == (week_start.isoformat(),
                                                            (week_start + timedelta(days=7)).isoformat())
    assert after["description"] == "10 h par semaine sur toutes les ressources, pour Coop Vélo"


def test_a_cap_on_open_bookings_is_shown_with_how_many_are_open(api, admin, make, coop):
    _rule(admin, structure_id=coop.id, unit="bookings", max_open_future=2)
    member = api(make.user(structures=[coop]))
    [entry] = member.get(f"/api/v1/structures/{coop.id}/quotas").get_json()["items"]
    assert (entry["unit"], entry["used"], entry["remaining"]) == ("bookings", None, None)
    assert (entry["max_open_future"], entry["open_future"]) == (2, 0)
    booked = member.post("/api/v1/bookings", json={
        "resource_id": make.resource().id, "structure_id": coop.id, "start": monday().isoformat(),
        "end": (monday() + timedelta(hours=1)).isoformat()})
    assert booked.status_code == 201, booked.get_data(as_text=True)
    [entry] = member.get(f"/api/v1/structures/{coop.id}/quotas").get_json()["items"]
    assert entry["open_future"] == 1


def test_the_status_can_be_narrowed_to_the_rules_counting_a_resource(api, admin, make, coop):
    van, room = make.resource(kind="vehicle"), make.resource(kind="room")
    vans = _rule(admin, structure_id=coop.id, kind="vehicle", limit=8)
    rooms = _rule(admin, structure_id=coop.id, kind="room", limit=8)
    member = api(make.user(structures=[coop]), language="en")

    def rule_ids(query: str = "") -> list[int]:
        response = member.get(f"/api/v1/structures/{coop.id}/quotas{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["rule_id"] for item in response.get_json()["items"]]

    assert rule_ids(f"?resource_id={van.id}") == [vans["id"]]
    assert rule_ids(f"?resource_id={room.id}") == [rooms["id"]]
    assert rule_ids() == [vans["id"], rooms["id"]]
    unknown = member.get(f"/api/v1/structures/{coop.id}/quotas?resource_id=999999")
    assert _error(unknown, 422, "validation")["details"]["fields"] == {"resource_id": "Unknown resource."}


def test_another_structures_quota_status_is_not_found(api, make, coop):
    outsider = api(make.user(structures=[make.structure()]))
    assert _error(outsider.get(f"/api/v1/structures/{coop.id}/quotas"), 404, "not_found")
    assert _error(outsider.get("/api/v1/structures/999999/quotas"), 404, "not_found")
    assert api(make.user(is_auditor=True)).get(f"/api/v1/structures/{coop.id}/quotas").status_code == 200


def test_a_wrong_moment_for_the_status_is_a_validationapi_error(api, make, coop):
    member = api(make.user(structures=[coop]), language="en")
    response = member.get(f"/api/v1/structures/{coop.id}/quotas?at=0001-01-01T00:00:00%2B14:00")
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "at": "Must be between the years 2000 and 2200."}
