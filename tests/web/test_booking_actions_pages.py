"""A booking's page and what may be done from it (change, cancel one or more of a series, approve or
reject, check a vehicle out and in), and the lists: mine, my structure's, those awaiting my approval.

Through HTTP the real clock runs, so bookings are made for next week (or, for past ones, through the
service with an earlier `now`)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mutualise.extensions import db
from mutualise.models import Booking
from mutualise.services import bookings as booking_service
from mutualise.services.bookings import BookingInput

PARIS = ZoneInfo("Europe/Paris")


def _monday(weeks_ahead: int = 1) -> date:
    today = datetime.now(PARIS).date()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def _at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=PARIS).astimezone(UTC)


def _book(user, resource, structure, day: date, start: str = "10:00", end: str = "11:00", *,
          now: datetime | None = None, **extra) -> list[Booking]:
    result = booking_service.create_booking(db.session, user, now or datetime.now(UTC), BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=_at(day, start), end=_at(day, end),
        **extra))
    db.session.commit()
    return result.bookings


def _fresh(booking_id: int) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking_id)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u2009", " ")


@pytest.fixture
def structure(make):
    return make.structure(name="Régie de quartier")


@pytest.fixture
def member(make, structure):
    return make.user(structures=[structure], locale="en", name="Alex Martin")


@pytest.fixture
def room(make):
    return make.resource(name="Salle Jaurès")


# Details and visibility

def test_booking_page_shows_the_details_to_the_people_of_its_structure(client, login, make, member, structure,
                                                                        room):
    [booking] = _book(member, room, structure, _monday(), title="Conseil d'administration")
    colleague = make.user(structures=[structure], locale="en")
    login(colleague)
    page = _text(client.get(f"/bookings/{booking.id}"))
    for text in ("Conseil d&#39;administration", "Salle Jaurès", "Régie de quartier", "Alex Martin",
                 "Confirmed", "10:00 AM–11:00 AM"):
        assert text in page
    # a plain colleague may neither change nor cancel someone else's booking
    assert "Cancel the booking" not in page and f"/bookings/{booking.id}/edit" not in page


def test_a_member_of_another_structure_gets_404_for_the_booking_and_its_actions(client, login, make, member,
                                                                                structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(make.user(structures=[make.structure()], locale="en"))
    assert client.get(f"/bookings/{booking.id}").status_code == 404
    assert client.get(f"/bookings/{booking.id}/edit").status_code == 404
    assert client.post(f"/bookings/{booking.id}/cancel", data={}).status_code == 404
    assert _fresh(booking.id).status == "confirmed"
    assert client.get("/bookings/999999").status_code == 404


# Change and cancel

def test_booker_moves_the_booking_through_the_edit_form(client, login, member, structure, room):
    day = _monday()
    [booking] = _book(member, room, structure, day)
    login(member)
    page = client.get(f"/bookings/{booking.id}/edit").get_data(as_text=True)
    assert f'value="{day.isoformat()}"' in page and 'value="10:00"' in page
    response = client.post(f"/bookings/{booking.id}/edit", data={
        "date": day.isoformat(), "start_time": "14:00", "end_time": "15:30", "title": "Atelier"})
    assert response.status_code == 302
    fresh = _fresh(booking.id)
    assert (fresh.start_at, fresh.end_at, fresh.title) == (_at(day, "14:00"), _at(day, "15:30"), "Atelier")


def test_moving_onto_a_taken_slot_gives_409_and_changes_nothing(client, login, member, structure, room):
    day = _monday()
    [booking] = _book(member, room, structure, day)
    _book(member, room, structure, day, "14:00", "15:00")
    login(member)
    response = client.post(f"/bookings/{booking.id}/edit", data={
        "date": day.isoformat(), "start_time": "14:30", "end_time": "15:30", "title": "Atelier"})
    assert response.status_code == 409 and "This slot is already taken" in response.get_data(as_text=True)
    fresh = _fresh(booking.id)
    assert (fresh.start_at, fresh.title) == (_at(day, "10:00"), "Régie de quartier")


def test_booker_cancels_with_a_reason(client, login, member, structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(member)
    response = client.post(f"/bookings/{booking.id}/cancel", data={"reason": "Plus besoin"},
                           follow_redirects=True)
    assert "Booking cancelled." in response.get_data(as_text=True)
    fresh = _fresh(booking.id)
    assert (fresh.status, fresh.reason, fresh.cancelled_by_id) == ("cancelled", "Plus besoin", member.id)


def test_cancelling_twice_is_refused_with_the_message(client, login, member, structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(member)
    client.post(f"/bookings/{booking.id}/cancel", data={"reason": "Une fois"})
    response = client.post(f"/bookings/{booking.id}/cancel", data={"reason": "Deux fois"})
    assert response.status_code == 422
    assert "This booking is already cancelled or rejected." in response.get_data(as_text=True)
    assert _fresh(booking.id).reason == "Une fois"


@pytest.mark.parametrize(("scope", "pick", "cancelled"), [
    ("this", 1, [False, True, False, False]),
    ("following", 1, [False, True, True, True]),
    ("all", 2, [True, True, True, True]),
])
def test_cancelling_one_of_a_series_follows_the_chosen_scope(client, login, member, structure, room, scope,
                                                             pick, cancelled):
    series = _book(member, room, structure, _monday(), rrule="FREQ=WEEKLY;COUNT=4")
    login(member)
    page = client.get(f"/bookings/{series[pick].id}").get_data(as_text=True)
    assert "This one and the following ones" in page and "4 occurrences still to come" in page
    response = client.post(f"/bookings/{series[pick].id}/cancel", data={"scope": scope})
    assert response.status_code == 302
    assert [_fresh(b.id).status == "cancelled" for b in series] == cancelled


def test_an_unknown_cancel_scope_is_refused(client, login, member, structure, room):
    series = _book(member, room, structure, _monday(), rrule="FREQ=WEEKLY;COUNT=2")
    login(member)
    response = client.post(f"/bookings/{series[0].id}/cancel", data={"scope": "everything"})
    assert response.status_code == 422 and "Must be one of: this, following, all." in \
        response.get_data(as_text=True)
    assert [_fresh(b.id).status for b in series] == ["confirmed", "confirmed"]


def test_a_form_without_its_csrf_token_is_refused(app, client, login, member, structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(member)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/bookings/{booking.id}/cancel", data={"reason": "x"}).status_code == 400
        assert _fresh(booking.id).status == "confirmed"
        page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
        cancel_form = page[page.index(f'action="/bookings/{booking.id}/cancel"'):]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', cancel_form).group(1)
        response = client.post(f"/bookings/{booking.id}/cancel", data={"reason": "x", "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _fresh(booking.id).status == "cancelled"


# Approval

@pytest.fixture
def referent(make):
    return make.user(locale="en", name="Camille Referent")


@pytest.fixture
def council_room(make, referent):
    return make.resource(name="Salle du conseil", requires_approval=True, referents=[referent])


def test_referent_approves_from_the_approvals_list(client, login, member, structure, council_room, referent):
    [booking] = _book(member, council_room, structure, _monday())
    assert booking.status == "pending"
    login(referent)
    page = client.get("/bookings/approvals").get_data(as_text=True)
    assert f'action="/bookings/{booking.id}/approve"' in page and "Alex Martin" in page
    response = client.post(f"/bookings/{booking.id}/approve", data={"return_to": "approvals"})
    assert response.status_code == 302 and response.headers["Location"] == "/bookings/approvals"
    assert _fresh(booking.id).status == "confirmed"
    page = client.get("/bookings/approvals").get_data(as_text=True)
    assert "Booking approved." in page and "No booking awaits your approval." in page


def test_referent_rejects_with_a_reason_from_the_booking_page(client, login, member, structure, council_room,
                                                              referent):
    [booking] = _book(member, council_room, structure, _monday())
    login(referent)
    assert "Approve" in client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    response = client.post(f"/bookings/{booking.id}/reject", data={"reject-reason": "Salle réservée au CA"})
    assert response.status_code == 302 and response.headers["Location"] == f"/bookings/{booking.id}"
    fresh = _fresh(booking.id)
    assert (fresh.status, fresh.reason) == ("rejected", "Salle réservée au CA")
    assert fresh.decided_by_id == referent.id


def test_a_member_cannot_approve_or_reject_and_sees_no_approvals(client, login, member, structure,
                                                                 council_room):
    [booking] = _book(member, council_room, structure, _monday())
    login(member)
    assert "Approve" not in client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert client.post(f"/bookings/{booking.id}/approve").status_code == 403
    assert client.post(f"/bookings/{booking.id}/reject", data={"reject-reason": "non"}).status_code == 403
    assert _fresh(booking.id).status == "pending"
    assert "No booking awaits your approval." in client.get("/bookings/approvals").get_data(as_text=True)


def test_decision_buttons_of_the_approvals_list_carry_their_csrf_token(app, client, login, member, structure,
                                                                      council_room, referent):
    [booking] = _book(member, council_room, structure, _monday())
    login(referent)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/bookings/approvals").get_data(as_text=True)
        token = re.search(r'<input name="reject-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(f"/bookings/{booking.id}/reject",
                               data={"reject-csrf_token": token, "return_to": "approvals"})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _fresh(booking.id).status == "rejected"


def test_deciding_twice_is_refused_with_the_message(client, login, member, structure, council_room, referent):
    [booking] = _book(member, council_room, structure, _monday())
    login(referent)
    client.post(f"/bookings/{booking.id}/approve")
    response = client.post(f"/bookings/{booking.id}/reject", data={"reject-reason": "Trop tard"})
    assert response.status_code == 422
    assert "This booking is not awaiting approval." in response.get_data(as_text=True)
    assert _fresh(booking.id).status == "confirmed"


# Vehicles

@pytest.fixture
def van(make):
    return make.resource(name="Kangoo", kind="vehicle")


def test_vehicle_is_checked_out_and_in_and_the_distance_shown(client, login, member, structure, van):
    day = _monday()
    [earlier] = _book(member, van, structure, day, "08:00", "09:00")
    [booking] = _book(member, van, structure, day)
    login(member)
    assert client.post(f"/bookings/{earlier.id}/check-out", data={"out-odometer": "12000"}).status_code == 302
    assert client.post(f"/bookings/{earlier.id}/check-in", data={"in-odometer": "12040"}).status_code == 302

    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Last reading: 12040 km." in page
    response = client.post(f"/bookings/{booking.id}/check-out", data={"out-odometer": "12100"},
                           follow_redirects=True)
    assert "Vehicle checked out at 12100 km." in response.get_data(as_text=True)
    response = client.post(f"/bookings/{booking.id}/check-in", data={"in-odometer": "12250"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Vehicle checked in at 12250 km: 150 km driven." in page
    assert re.search(r"<dt>Distance</dt><dd>150 km</dd>", page)
    assert _fresh(booking.id).distance_km == 150


def test_a_reading_below_the_last_one_is_refused_and_nothing_is_recorded(client, login, member, structure,
                                                                         van):
    day = _monday()
    [booking] = _book(member, van, structure, day)
    login(member)
    client.post(f"/bookings/{booking.id}/check-out", data={"out-odometer": "5000"})
    response = client.post(f"/bookings/{booking.id}/check-in", data={"in-odometer": "4990"})
    assert response.status_code == 422
    assert "The odometer cannot read 4990 km: the vehicle&#39;s last reading is 5000 km." in \
        response.get_data(as_text=True)
    response = client.post(f"/bookings/{booking.id}/check-in", data={"in-odometer": "beaucoup"})
    assert response.status_code == 422 and "Not a valid integer value." in response.get_data(as_text=True)
    fresh = _fresh(booking.id)
    assert (fresh.odometer_out, fresh.odometer_in, fresh.checked_in_at) == (5000, None, None)


def test_rooms_have_no_check_out(client, login, member, structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(member)
    assert "Check out" not in client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    response = client.post(f"/bookings/{booking.id}/check-out", data={"out-odometer": "10"})
    assert response.status_code == 422 and "Only vehicles are checked out and in." in \
        response.get_data(as_text=True)


# Lists

def _listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<p class="when"><a href="/bookings/(\d+)"', page)]


def test_my_bookings_lists_upcoming_ones_by_default_and_past_ones_on_request(client, login, make, member,
                                                                             structure, room):
    last_month = datetime.now(PARIS).date() - timedelta(days=30)
    [past] = _book(member, room, structure, last_month, now=_at(last_month, "08:00") - timedelta(days=1))
    [soon] = _book(member, room, structure, _monday())
    [later] = _book(member, room, structure, _monday(2))
    [cancelled] = _book(member, room, structure, _monday(), "14:00", "15:00")
    colleague = make.user(structures=[structure])
    _book(colleague, room, structure, _monday(), "16:00", "17:00")  # not mine
    login(member)
    client.post(f"/bookings/{cancelled.id}/cancel")

    page = client.get("/bookings/mine").get_data(as_text=True)
    assert _listed_ids(page) == [soon.id, cancelled.id, later.id]
    assert "Cancelled" in page and "Confirmed" in page
    assert _listed_ids(client.get("/bookings/mine?when=past").get_data(as_text=True)) == [past.id]
    assert client.get("/bookings/mine?when=someday").status_code == 422


def test_structure_page_lists_everyone_s_bookings_with_a_resource_filter(client, login, make, member,
                                                                         structure, room):
    other_room = make.resource(name="Petite salle")
    colleague = make.user(structures=[structure])
    [mine] = _book(member, room, structure, _monday())
    [theirs] = _book(colleague, other_room, structure, _monday())
    outsider = make.structure()
    _book(make.user(structures=[outsider]), room, outsider, _monday(), "14:00", "15:00")
    login(member)
    page = client.get(f"/bookings/structure/{structure.id}").get_data(as_text=True)
    assert sorted(_listed_ids(page)) == sorted([mine.id, theirs.id])
    page = client.get(f"/bookings/structure/{structure.id}?resource_id={other_room.id}")
    assert _listed_ids(page.get_data(as_text=True)) == [theirs.id]
    assert client.get(f"/bookings/structure/{outsider.id}").status_code == 404


def test_network_readers_see_any_structure_s_bookings(client, login, make, member, structure, room):
    [booking] = _book(member, room, structure, _monday())
    login(make.user(is_treasurer=True, locale="en"))
    page = client.get(f"/bookings/structure/{structure.id}").get_data(as_text=True)
    assert _listed_ids(page) == [booking.id]


def test_lists_are_in_french_by_default(client, login, make, structure):
    login(make.user(structures=[structure]))
    page = client.get(f"/bookings/structure/{structure.id}").get_data(as_text=True)
    assert "Toutes les ressources" in page and 'lang="fr"' in page
