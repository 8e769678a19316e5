"""Closures through the JSON API: admins close a resource or every resource; everyone reads them; a
closed period cannot be booked."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from api_helpers import monday
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Closure

PARIS = ZoneInfo("Europe/Paris")


def _count(model=Closure) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(api, make):
    return api(make.user(is_admin=True), language="en")


def _close(admin, resource_id, start: datetime, end: datetime, reason: str = "Travaux") -> dict:
    response = admin.post("/api/v1/closures", json={"resource_id": resource_id, "start": start.isoformat(),
                                                    "end": end.isoformat(), "reason": reason})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_a_closed_resource_cannot_be_booked_then_and_the_conflict_says_why(api, admin, make):
    room = make.resource()
    coop = make.structure()
    closure = _close(admin, room.id, monday(0), monday(0) + timedelta(days=1), reason="Peinture")
    assert (closure["resource_id"], closure["start"], closure["reason"], closure["source"]) == (
        room.id, monday(0).isoformat(), "Peinture", "manual")
    response = api(make.user(structures=[coop]), language="en").post("/api/v1/bookings", json={
        "resource_id": room.id, "structure_id": coop.id, "start": monday(10).isoformat(),
        "end": monday(12).isoformat()})
    error = _error(response, 409, "conflict")
    assert error["message"] == "The resource is closed then: Peinture."
    assert error["details"]["conflicts"] == [{"start": monday(0).isoformat(),
                                              "end": (monday(0) + timedelta(days=1)).isoformat(),
                                              "closure": "Peinture"}]
    assert _count(Booking) == 0


def test_a_closure_of_every_resource_is_listed_with_each_resources_own(api, admin, make):
    room, van = make.resource(), make.resource(kind="vehicle")
    everything = _close(admin, None, monday(0), monday(0) + timedelta(days=1), reason="Jour férié")
    rooms_only = _close(admin, room.id, monday(0, weeks=1), monday(0, weeks=1) + timedelta(hours=4))
    _close(admin, van.id, monday(0, weeks=2), monday(0, weeks=2) + timedelta(hours=4))
    member = api(make.user())
    listed = member.get(f"/api/v1/closures?resource_id={room.id}").get_json()["items"]
    assert [c["id"] for c in listed] == [everything["id"], rooms_only["id"]]
    assert everything["resource_id"] is None
    period = f"start={quote(monday(0, weeks=1).isoformat())}&end={quote(monday(0, weeks=2).isoformat())}"
    assert [c["id"] for c in member.get(f"/api/v1/closures?{period}").get_json()["items"]] == [
        rooms_only["id"]]
    assert len(member.get("/api/v1/closures").get_json()["items"]) == 3


def test_a_closure_without_offset_is_read_in_the_network_time_zone(admin, make):
    room = make.resource()
    response = admin.post("/api/v1/closures", json={
        "resource_id": room.id, "start": monday(8).replace(tzinfo=None).isoformat(),
        "end": monday(12).replace(tzinfo=None).isoformat(), "reason": "Ménage"})
    assert response.status_code == 201, response.get_data(as_text=True)
    closure = db.session.get(Closure, response.get_json()["id"])
    assert closure.start_at == monday(8).astimezone(UTC)


@pytest.mark.parametrize(("change", "errors"), [
    ({"end": "BEFORE"}, {"end": "Must be after the start."}),
    ({"resource_id": 999_999}, {"resource_id": "Unknown resource."}),
    ({"resource_id": "1"}, {"resource_id": "Must be a whole number."}),
    ({"reason": "  "}, {"reason": "This field is required."}),
    ({"start": "2026-05-04T00:00[Europe/Lutece]"}, {"start": "Unknown time zone; use an IANA name such as "
                                                             "Europe/Paris."}),
    ({"end": "DISTANT"}, {"end": "A closure lasts at most 366 days."}),
])
def test_a_wrong_closure_is_refused_and_nothing_is_written(admin, make, change, errors):
    room = make.resource()
    body = {"resource_id": room.id, "start": monday(0).isoformat(),
            "end": (monday(0) + timedelta(days=1)).isoformat(), "reason": "Travaux"}
    if change.get("end") == "BEFORE":
        change = {"end": (monday(0) - timedelta(hours=1)).isoformat()}
    elif change.get("end") == "DISTANT":
        change = {"end": (monday(0) + timedelta(days=400)).isoformat()}
    response = admin.post("/api/v1/closures", json={**body, **change})
    assert _error(response, 422, "validation")["details"]["fields"] == errors
    assert _count() == 0


def test_the_resource_must_be_named_or_explicitly_null(admin):
    response = admin.post("/api/v1/closures", json={"start": monday(0).isoformat(),
                                                    "end": monday(12).isoformat(), "reason": "Travaux"})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "resource_id": "This field is required."}
    assert _count() == 0


def test_members_read_closures_but_cannot_add_or_remove_them(api, admin, make):
    closure = _close(admin, None, monday(0), monday(12))
    member = api(make.user())
    assert member.get(f"/api/v1/closures/{closure['id']}").get_json() == closure
    body = {"resource_id": None, "start": monday(0).isoformat(), "end": monday(12).isoformat(), "reason": "x"}
    assert _error(member.post("/api/v1/closures", json=body), 403, "forbidden")
    assert _error(member.delete(f"/api/v1/closures/{closure['id']}"), 403, "forbidden")
    assert _count() == 1


def test_removing_a_closure_opens_the_period_again(api, admin, make):
    room = make.resource()
    coop = make.structure()
    closure = _close(admin, room.id, monday(0), monday(0) + timedelta(days=1))
    deleted = admin.delete(f"/api/v1/closures/{closure['id']}")
    assert (deleted.status_code, deleted.get_data()) == (204, b"")
    assert _count() == 0
    assert _error(admin.delete(f"/api/v1/closures/{closure['id']}"), 404, "not_found")
    booked = api(make.user(structures=[coop])).post("/api/v1/bookings", json={
        "resource_id": room.id, "structure_id": coop.id, "start": monday(10).isoformat(),
        "end": monday(12).isoformat()})
    assert booked.status_code == 201, booked.get_data(as_text=True)
