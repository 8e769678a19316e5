"""A resource's availability through the JSON API: busy and free periods, never who booked (API.md)."""

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from api_helpers import monday

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services.closures import ClosureInput, create_closure

PARIS = ZoneInfo("Europe/Paris")


def _availability(caller, resource, start: datetime, end: datetime):
    return caller.get(f"/api/v1/resources/{resource.id}/availability"
                      f"?start={quote(start.isoformat())}&end={quote(end.isoformat())}")


def _book(caller, resource, structure, start: datetime, hours: int = 2, quantity: int = 1) -> None:
    response = caller.post("/api/v1/bookings", json={
        "resource_id": resource.id, "structure_id": structure.id, "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(), "title": "Réunion secrète",
        "quantity": quantity})
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


def test_others_see_when_a_resource_is_busy_but_not_who_booked_it(api, make, coop):
    room = make.resource()
    _book(api(make.user(structures=[coop])), room, coop, monday(10))
    outsider = api(make.user(structures=[make.structure()]))
    response = _availability(outsider, room, monday(8), monday(14))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"busy", "free"}
    assert body["busy"] == [{"start": monday(10).isoformat(), "end": monday(12).isoformat(), "quantity": 1}]
    assert body["free"] == [{"start": monday(8).isoformat(), "end": monday(10).isoformat()},
                            {"start": monday(12).isoformat(), "end": monday(14).isoformat()}]
    assert "Réunion" not in response.get_data(as_text=True) and "Coop" not in response.get_data(as_text=True)


def test_a_stocked_resource_is_free_while_one_unit_is_left(api, make, coop):
    chairs = make.resource(kind="equipment", quantity=3)
    caller = api(make.user(structures=[coop]))
    _book(caller, chairs, coop, monday(10), hours=2, quantity=1)
    _book(caller, chairs, coop, monday(11), hours=2, quantity=2)
    body = _availability(caller, chairs, monday(9), monday(14)).get_json()
    assert body["busy"] == [
        {"start": monday(10).isoformat(), "end": monday(11).isoformat(), "quantity": 1},
        {"start": monday(11).isoformat(), "end": monday(12).isoformat(), "quantity": 3},
        {"start": monday(12).isoformat(), "end": monday(13).isoformat(), "quantity": 2}]
    assert body["free"] == [{"start": monday(9).isoformat(), "end": monday(11).isoformat()},
                            {"start": monday(12).isoformat(), "end": monday(14).isoformat()}]


def test_a_closure_makes_the_resource_busy(api, make):
    room = make.resource()
    create_closure(db.session, make.user(is_admin=True), utcnow(),
                   ClosureInput(resource_id=None, start=monday(0), end=monday(0) + timedelta(days=1),
                                reason="Jour férié"))
    db.session.commit()
    body = _availability(api(make.user()), room, monday(8), monday(18)).get_json()
    assert body == {"busy": [{"start": monday(8).isoformat(), "end": monday(18).isoformat(), "quantity": 1}],
                    "free": []}


def test_an_unescaped_plus_in_the_offset_is_read_as_a_plus(api, make):
    room = make.resource()
    start, end = monday(8).isoformat(), monday(9).isoformat()
    response = api(make.user()).get(f"/api/v1/resources/{room.id}/availability?start={start}&end={end}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["free"] == [{"start": start, "end": end}]


@pytest.mark.parametrize(("query", "fields"), [
    ("", {"start": "This field is required.", "end": "This field is required."}),
    ("start=2026-05-04T10:00&end=2026-05-04T09:00", {"end": "The end must come after the start."}),
    ("start=2026-05-04T10:00&end=2026-08-04T10:00", {"end": "Ask for at most 62 days at a time."}),
    ("start=tomorrow&end=2026-05-04T09:00", {"start": "Must be a date and time such as "
                                                      "2026-03-03T10:00:00+01:00."}),
    ("start=2026-05-04T10:00[Nowhere/City]&end=2026-05-04T12:00",
     {"start": "Unknown time zone; use an IANA name such as Europe/Paris."}),
])
def test_a_wrong_period_is_a_validationapi_error(api, make, query, fields):
    room = make.resource()
    response = api(make.user(), language="en").get(f"/api/v1/resources/{room.id}/availability?{query}")
    assert _error(response, 422, "validation")["details"]["fields"] == fields


def test_an_unknown_or_archived_resource_is_not_found(api, make):
    archived = make.resource(active=False)
    caller = api(make.user())
    query = f"start={quote(monday(8).isoformat())}&end={quote(monday(9).isoformat())}"
    assert _error(caller.get(f"/api/v1/resources/999999/availability?{query}"), 404, "not_found")
    assert _error(caller.get(f"/api/v1/resources/{archived.id}/availability?{query}"), 404, "not_found")
    assert api(make.user(is_admin=True)).get(
        f"/api/v1/resources/{archived.id}/availability?{query}").status_code == 200
