"""What happens to a booking after it is made, through the JSON API: approval by a referent, rejection,
cancellation of one, the following or all occurrences (late or not), vehicle check-out and check-in."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from api_helpers import monday
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, BookingStatus

PARIS = ZoneInfo("Europe/Paris")


def _statuses() -> list[str]:
    return list(db.session.scalars(select(Booking.status).order_by(Booking.start_at)))


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


@pytest.fixture
def member(make, coop):
    return make.user(structures=[coop])


def _book(caller, resource, structure, start=None, **extra) -> dict:
    start = start or monday()
    response = caller.post("/api/v1/bookings", json={
        "resource_id": resource.id, "structure_id": structure.id, "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(), "title": "Atelier", **extra})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


# Approval

def test_a_booking_of_a_resource_needing_approval_waits_for_its_referent(api, make, member, coop):
    referent = make.user()
    van = make.resource(kind="vehicle", name="Kangoo", requires_approval=True, referents=[referent])
    booking = _book(api(member), van, coop)
    assert booking["status"] == "pending"

    refused = api(member, language="en").post(f"/api/v1/bookings/{booking['id']}/approve")
    assert _error(refused, 403, "forbidden")["message"] == (
        "Only a referent of this resource can approve or reject its bookings.")
    assert _statuses() == ["pending"]

    approved = api(referent).post(f"/api/v1/bookings/{booking['id']}/approve")
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["status"] == "confirmed"
    again = api(referent, language="en").post(f"/api/v1/bookings/{booking['id']}/approve")
    assert _error(again, 422, "validation")["details"]["fields"] == {
        "status": "This booking is not awaiting approval."}


def test_a_referents_own_booking_needs_no_approval(api, make, coop):
    referent = make.user(structures=[coop])
    room = make.resource(requires_approval=True, referents=[referent])
    assert _book(api(referent), room, coop)["status"] == "confirmed"


def test_a_pending_booking_holds_its_slot_and_rejecting_it_frees_the_slot(api, make, member, coop):
    referent = make.user()
    room = make.resource(requires_approval=True, referents=[referent])
    booking = _book(api(member), room, coop)
    other = make.structure()
    rival = api(make.user(structures=[other]))
    body = {"resource_id": room.id, "structure_id": other.id, "start": booking["start"],
            "end": booking["end"]}
    assert _error(rival.post("/api/v1/bookings", json=body), 409, "conflict")

    rejected = api(referent).post(f"/api/v1/bookings/{booking['id']}/reject", json={"reason": "Travaux"})
    assert rejected.status_code == 200, rejected.get_data(as_text=True)
    assert (rejected.get_json()["status"], rejected.get_json()["reason"]) == ("rejected", "Travaux")
    assert rival.post("/api/v1/bookings", json=body).status_code == 201


def test_a_rejection_reason_must_be_text(api, make, member, coop):
    referent = make.user()
    room = make.resource(requires_approval=True, referents=[referent])
    booking = _book(api(member), room, coop)
    response = api(referent, language="en").post(f"/api/v1/bookings/{booking['id']}/reject",
                                                  json={"reason": ["no"]})
    assert _error(response, 422, "validation")["details"]["fields"] == {"reason": "Must be text."}
    assert _statuses() == ["pending"]


# Cancellation

def _series(caller, resource, structure, count: int = 4) -> list[dict]:
    response = caller.post("/api/v1/bookings", json={
        "resource_id": resource.id, "structure_id": structure.id, "start": monday().isoformat(),
        "end": (monday() + timedelta(hours=1)).isoformat(),
        "recurrence": {"rrule": f"FREQ=WEEKLY;COUNT={count}"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["bookings"]


def test_cancelling_one_booking_answers_with_the_cancelled_booking(api, make, member, coop):
    booking = _book(api(member), make.resource(), coop)
    response = api(member).post(f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "Annulé"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [cancelled] = response.get_json()["bookings"]
    assert (cancelled["id"], cancelled["status"], cancelled["reason"], cancelled["cancelled_late"]) == (
        booking["id"], "cancelled", "Annulé", False)
    assert cancelled["sequence"] == booking["sequence"] + 1


@pytest.mark.parametrize(("scope", "expected"), [
    ("this", ["confirmed", "cancelled", "confirmed", "confirmed"]),
    ("following", ["confirmed", "cancelled", "cancelled", "cancelled"]),
    ("all", ["cancelled", "cancelled", "cancelled", "cancelled"]),
])
def test_cancelling_an_occurrence_reaches_this_the_following_or_all_of_its_series(api, make, member, coop,
                                                                                  scope, expected):
    occurrences = _series(api(member), make.resource(), coop)
    response = api(member).post(f"/api/v1/bookings/{occurrences[1]['id']}/cancel", json={"scope": scope})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(response.get_json()["bookings"]) == expected.count("cancelled")
    assert _statuses() == expected


def test_a_cancellation_after_the_deadline_is_marked_late(api, make, member, coop):
    # the booking is at least eight days ahead: a 30-day deadline has passed already
    strict = make.resource(cancel_deadline_minutes=30 * 24 * 60)
    booking = _book(api(member), strict, coop)
    [cancelled] = api(member).post(f"/api/v1/bookings/{booking['id']}/cancel").get_json()["bookings"]
    assert cancelled["cancelled_late"] is True
    assert db.session.get(Booking, booking["id"]).cancelled_late is True


def test_a_cancelled_booking_cannot_be_cancelled_again(api, make, member, coop):
    booking = _book(api(member), make.resource(), coop)
    caller = api(member, language="en")
    caller.post(f"/api/v1/bookings/{booking['id']}/cancel")
    again = caller.post(f"/api/v1/bookings/{booking['id']}/cancel")
    assert _error(again, 422, "validation")["details"]["fields"] == {
        "scope": "This booking is already cancelled or rejected."}


def test_a_wrong_scope_is_refused_and_nothing_is_cancelled(api, make, member, coop):
    occurrences = _series(api(member), make.resource(), coop, count=2)
    response = api(member, language="en").post(f"/api/v1/bookings/{occurrences[0]['id']}/cancel",
                                               json={"scope": "everything"})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "scope": "Must be one of: this, following, all."}
    assert _statuses() == ["confirmed", "confirmed"]


def test_people_of_another_structure_cannot_cancel_a_booking_they_cannot_see(api, make, member, coop):
    booking = _book(api(member), make.resource(), coop)
    outsider = api(make.user(structures=[make.structure()]))
    assert _error(outsider.post(f"/api/v1/bookings/{booking['id']}/cancel"), 404, "not_found")
    assert _error(outsider.post(f"/api/v1/bookings/{booking['id']}/approve"), 404, "not_found")
    assert _statuses() == ["confirmed"]


# Vehicles

@pytest.fixture
def van(make):
    return make.resource(kind="vehicle", name="Kangoo")


def test_checking_a_vehicle_out_and_in_records_the_distance(api, member, coop, van):
    booking = _book(api(member), van, coop)
    caller = api(member)
    out = caller.post(f"/api/v1/bookings/{booking['id']}/checkout", json={"odometer": 12000})
    assert out.status_code == 200, out.get_data(as_text=True)
    assert out.get_json()["odometer_out"] == 12000
    back = caller.post(f"/api/v1/bookings/{booking['id']}/checkin", json={"odometer": 12085})
    assert back.status_code == 200, back.get_data(as_text=True)
    assert (back.get_json()["odometer_in"], back.get_json()["distance_km"]) == (12085, 85)


def test_an_odometer_below_the_vehicles_last_reading_is_refused_with_the_reading(api, member, coop, van):
    caller = api(member, language="en")
    first = _book(caller, van, coop)
    caller.post(f"/api/v1/bookings/{first['id']}/checkout", json={"odometer": 12000})
    caller.post(f"/api/v1/bookings/{first['id']}/checkin", json={"odometer": 12085})
    second = _book(caller, van, coop, monday(weeks=1))
    response = caller.post(f"/api/v1/bookings/{second['id']}/checkout", json={"odometer": 12050})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "odometer": "The odometer cannot read 12050 km: the vehicle's last reading is 12085 km."}
    assert db.session.get(Booking, second["id"]).odometer_out is None


def test_a_check_in_below_the_check_out_reading_is_refused(api, member, coop, van):
    caller = api(member, language="en")
    booking = _book(caller, van, coop)
    caller.post(f"/api/v1/bookings/{booking['id']}/checkout", json={"odometer": 500})
    response = caller.post(f"/api/v1/bookings/{booking['id']}/checkin", json={"odometer": 499})
    assert "last reading is 500 km" in _error(response, 422, "validation")["details"]["fields"]["odometer"]
    assert db.session.get(Booking, booking["id"]).odometer_in is None


@pytest.mark.parametrize(("body", "message"), [
    ({}, "This field is required."),
    ({"odometer": "12000"}, "Must be a whole number."),
    ({"odometer": 12.5}, "Must be a whole number."),
    ({"odometer": -1}, "Must be at least 0."),
])
def test_an_odometer_must_be_a_whole_number_of_km(api, member, coop, van, body, message):
    booking = _book(api(member), van, coop)
    response = api(member, language="en").post(f"/api/v1/bookings/{booking['id']}/checkout", json=body)
    assert _error(response, 422, "validation")["details"]["fields"] == {"odometer": message}
    assert db.session.get(Booking, booking["id"]).checked_out_at is None


def test_only_vehicles_and_confirmed_bookings_are_checked_out(api, make, member, coop):
    caller = api(member, language="en")
    room = _book(caller, make.resource(), coop)
    response = caller.post(f"/api/v1/bookings/{room['id']}/checkout", json={"odometer": 10})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "odometer": "Only vehicles are checked out and in."}
    pending = _book(caller, make.resource(kind="vehicle", requires_approval=True, referents=[make.user()]),
                    coop)
    response = caller.post(f"/api/v1/bookings/{pending['id']}/checkout", json={"odometer": 10})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "odometer": "Only a confirmed booking can be checked out."}
    assert db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.checked_out_at.is_not(None))) == 0
    assert BookingStatus.PENDING.value in _statuses()
