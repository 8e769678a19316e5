"""The booking form: prefilled from the calendar's links, the structure's remaining allowance shown before
booking, every refusal shown with its status and nothing written, series with skipped dates.

Through HTTP the real clock runs, so dates are chosen relative to today (next week's Monday...)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Series
from mutualise.services import bookings as booking_service
from mutualise.services.bookings import BookingInput
from mutualise.services.closures import ClosureInput, create_closure
from mutualise.services.quota_rules import QuotaRuleInput, create_quota_rule

PARIS = ZoneInfo("Europe/Paris")


def _monday(weeks_ahead: int = 1) -> date:
    """Monday of next week (or of a later one): always in the future, whatever today is."""
    today = datetime.now(PARIS).date()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def _at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=PARIS).astimezone(UTC)


def _bookings() -> list[Booking]:
    db.session.expire_all()
    return list(db.session.scalars(select(Booking).order_by(Booking.start_at)))


def _text(response) -> str:
    """The page with Babel's narrow and thin spaces as plain ones, so expected texts stay readable."""
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u2009", " ").replace("\xa0", " ")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def _form(resource, structure, day: date, start: str = "10:00", end: str = "11:00", **extra) -> dict:
    return {"resource_id": str(resource.id), "structure_id": str(structure.id), "date": day.isoformat(),
            "start_time": start, "end_time": end, "title": "Réunion d'équipe", **extra}


def _book(user, resource, structure, start: datetime, end: datetime, **extra):
    result = booking_service.create_booking(db.session, user, datetime.now(UTC), BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=start, end=end, **extra))
    db.session.commit()
    return result


@pytest.fixture
def structure(make):
    return make.structure(name="Régie de quartier")


@pytest.fixture
def member(make, login, structure):
    user = make.user(structures=[structure], locale="en", name="Alex Martin")
    login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource(name="Salle Jaurès", step_minutes=15)


def test_member_books_a_room_through_the_form_and_lands_on_its_page(client, member, structure, room):
    day = _monday()
    response = client.post("/bookings/new", data=_form(room, structure, day))
    assert response.status_code == 302, response.get_data(as_text=True)
    [booking] = _bookings()
    assert response.headers["Location"] == f"/bookings/{booking.id}"
    assert (booking.resource_id, booking.structure_id, booking.user_id) == (room.id, structure.id, member.id)
    # the times typed are Paris wall times
    assert (booking.start_at, booking.end_at) == (_at(day, "10:00"), _at(day, "11:00"))
    assert (booking.status, booking.title) == ("confirmed", "Réunion d'équipe")
    page = _text(client.get(response.headers["Location"]))
    assert "Booking confirmed." in page and "10:00 AM–11:00 AM" in page and "Salle Jaurès" in page


def test_booking_a_resource_that_needs_approval_says_it_awaits_a_referent(client, member, structure, make):
    room = make.resource(name="Salle du conseil", requires_approval=True, referents=[make.user()])
    response = client.post("/bookings/new", data=_form(room, structure, _monday()), follow_redirects=True)
    assert "Booking awaiting approval by a referent." in response.get_data(as_text=True)
    assert [b.status for b in _bookings()] == ["pending"]


def test_form_is_prefilled_from_the_calendars_link(client, member, structure, make):
    room = make.resource(name="Salle Jaurès", step_minutes=30)
    make.resource(name="Autre salle")
    response = client.get(f"/bookings/new?resource_id={room.id}&start=2026-03-10T10:00&end=2026-03-10T11:30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'<option selected value="{room.id}">Salle Jaurès</option>', page)
    assert re.search(rf'<option selected value="{structure.id}">Régie de quartier</option>', page)
    assert 'value="2026-03-10"' in page
    # the time inputs move by the resource's step, in seconds
    assert re.search(r'id="start_time" name="start_time" step="1800" type="time" value="10:00"', page)
    assert re.search(r'id="end_time" name="end_time" step="1800" type="time" value="11:30"', page)
    assert "Bookable by steps of 30 minutes." in page


def test_unreadable_link_values_leave_the_form_empty_rather_than_failing(client, member, room):
    response = client.get("/bookings/new?resource_id=abc&start=tomorrow&end=2026-13-45T10:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a resource" in page and 'name="date" type="date" value=""' in page


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    ("11:00", "10:00", "end_time", "The end must come after the start."),
    ("10:07", "11:00", None, "Start and end must fall on steps of 15 minutes from midnight."),
    ("", "11:00", "start_time", "This field is required."),
    ("10:00", "25:00", "end_time", "Not a valid time value."),
])
def test_bad_times_give_422_with_the_message_and_write_nothing(client, member, structure, room, start, end,
                                                               field, message):
    response = client.post("/bookings/new", data=_form(room, structure, _monday(), start, end))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    if field is not None:  # shown beside its field
        assert f'id="{field}-error">{message}' in page
    assert _count() == 0


def test_a_date_far_off_is_refused_and_a_far_off_link_is_ignored(client, member, structure, room):
    response = client.post("/bookings/new", data=_form(room, structure, date(1, 1, 1)))
    assert response.status_code == 422
    assert 'id="date-error">Must be between the years 2000 and 2200.' in response.get_data(as_text=True)
    response = client.post("/bookings/new", data=_form(room, structure, _monday(), repeat="weekly",
                                                       ends="until", until="0001-01-01"))
    assert response.status_code == 422
    assert 'id="until-error">Must be between the years 2000 and 2200.' in response.get_data(as_text=True)
    assert client.get("/bookings/new?start=0001-01-01T00:00%2B14:00").status_code == 200
    assert _count() == 0


def test_a_time_skipped_by_the_spring_clock_change_is_refused(client, member, structure, room):
    year = datetime.now(PARIS).year + 1
    # the last Sunday of March: 02:00-03:00 does not exist in Paris
    march_end = date(year, 3, 31)
    sunday = march_end - timedelta(days=(march_end.weekday() + 1) % 7)
    response = client.post("/bookings/new", data=_form(room, structure, sunday, "02:30", "04:00"))
    assert response.status_code == 422
    assert "This time does not exist on that day: the clocks go forward then." in _text(response)
    assert _count() == 0


def test_a_taken_slot_gives_409_listing_the_conflict_and_writes_nothing(client, member, structure, room):
    day = _monday()
    _book(member, room, structure, _at(day, "10:00"), _at(day, "11:00"))
    response = client.post("/bookings/new", data=_form(room, structure, day, "10:30", "11:30"))
    page = _text(response)
    assert response.status_code == 409
    assert "This slot is already taken" in page
    assert "Slots in the way:" in page and "10:00 AM–11:00 AM" in page
    assert "Please correct the fields marked below." not in page  # no field is wrong
    assert _count() == 1


def test_a_closure_gives_409_with_its_reason_shown_as_text(client, member, structure, room, make):
    day = _monday()
    create_closure(db.session, make.user(is_admin=True), datetime.now(UTC), ClosureInput(
        resource_id=room.id, start=_at(day, "08:00"), end=_at(day, "18:00"), reason="<b>Travaux</b>"))
    db.session.commit()
    response = client.post("/bookings/new", data=_form(room, structure, day))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    # the reason is typed by people: escaped like any text, never read as HTML
    assert "The resource is closed then: &lt;b&gt;Travaux&lt;/b&gt;." in page and "<b>Travaux" not in page
    assert "closed: &lt;b&gt;Travaux&lt;/b&gt;" in page
    assert _count() == 0


def test_booking_for_a_structure_one_does_not_belong_to_is_refused(client, member, room, make):
    other = make.structure(name="Autre asso")
    response = client.post("/bookings/new", data=_form(room, other, _monday()))
    assert response.status_code == 422
    assert 'id="structure_id-error">Unknown structure.' in response.get_data(as_text=True)
    assert _count() == 0


def test_an_auditor_who_sees_every_structure_still_cannot_book_for_one_of_them(client, login, make, room,
                                                                                structure):
    login(make.user(is_auditor=True, locale="en"))
    response = client.post("/bookings/new", data=_form(room, structure, _monday()))
    assert response.status_code == 403
    assert "You can only book for a structure you belong to." in response.get_data(as_text=True)
    assert _count() == 0


@pytest.fixture
def weekly_two_hours(make, structure, room):
    admin = make.user(is_admin=True)
    rule = create_quota_rule(db.session, admin, datetime.now(UTC), QuotaRuleInput(
        structure_id=structure.id, resource_ids=[room.id], unit="hours", window="week", limit=2))
    db.session.commit()
    return rule


def _remaining_minutes(page: str) -> list[str]:
    return re.findall(r'class="quota-status"[^>]*data-remaining-minutes="(\d+)"', page)


def test_allowance_is_shown_before_booking_and_drops_after(client, member, structure, room, weekly_two_hours):
    day = _monday()
    link = f"/bookings/new?resource_id={room.id}&start={day}T10:00&end={day}T11:00"
    page = _text(client.get(link))
    assert _remaining_minutes(page) == ["120"]
    week = f"{day:%B} {day.day} – {(day + timedelta(days=6)):%B} {(day + timedelta(days=6)).day}"
    if day.month == (day + timedelta(days=6)).month:
        week = f"{day:%B} {day.day} – {(day + timedelta(days=6)).day}"
    assert f"Remaining for Régie de quartier: 2 h of 2 h ({week})." in page
    assert "2 h per week on Salle Jaurès, for Régie de quartier" in page

    assert client.post("/bookings/new", data=_form(room, structure, day, "10:00", "11:30")).status_code == 302
    page = _text(client.get(link))
    assert _remaining_minutes(page) == ["30"]
    assert "Remaining for Régie de quartier: 0.5 h of 2 h" in page


def test_booking_beyond_the_quota_is_refused_with_the_rule(client, member, structure, room, weekly_two_hours):
    day = _monday()
    _book(member, room, structure, _at(day, "08:00"), _at(day, "09:30"))
    response = client.post("/bookings/new", data=_form(room, structure, day, "10:00", "11:00"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Quota exceeded (2 h per week on Salle Jaurès, for Régie de quartier)" in page
    assert _count() == 1


def test_an_admin_may_book_beyond_the_quota_with_a_reason(client, login, make, structure, room,
                                                          weekly_two_hours):
    admin = make.user(is_admin=True, locale="en")
    login(admin)
    day = _monday()
    page = client.get("/bookings/new").get_data(as_text=True)
    assert "Book beyond the quota" in page
    data = _form(room, structure, day, "10:00", "13:00", override_quota="y")
    response = client.post("/bookings/new", data=data)
    assert response.status_code == 422 and 'id="override_reason-error">This field is required.' in \
        response.get_data(as_text=True)
    response = client.post("/bookings/new", data={**data, "override_reason": "Assemblée générale"})
    assert response.status_code == 302
    [booking] = _bookings()
    assert (booking.quota_override_by_id, booking.quota_override_reason) == (admin.id, "Assemblée générale")


def test_members_do_not_get_the_quota_override(client, member, structure, room, weekly_two_hours):
    assert "Book beyond the quota" not in client.get("/bookings/new").get_data(as_text=True)
    response = client.post("/bookings/new", data=_form(room, structure, _monday(), "10:00", "13:00",
                                                       override_quota="y", override_reason="please"))
    assert response.status_code == 422 and "Quota exceeded" in response.get_data(as_text=True)
    assert _count() == 0


def test_weekly_series_with_skip_books_the_free_dates_and_reports_the_others(client, member, structure, room):
    first = _monday()
    taken = first + timedelta(days=7)
    _book(member, room, structure, _at(taken, "10:00"), _at(taken, "11:00"))
    response = client.post("/bookings/new", data=_form(
        room, structure, first, repeat="weekly", interval="1", weekdays=["MO"], ends="count", count="3",
        skip_conflicts="y"))
    assert response.status_code == 302 and response.headers["Location"] == "/bookings/mine"
    series = db.session.scalar(select(Series))
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3"
    assert [b.start_at for b in _bookings() if b.series_id == series.id] == \
        [_at(first, "10:00"), _at(first + timedelta(days=14), "10:00")]
    page = client.get("/bookings/mine").get_data(as_text=True)
    assert "2 bookings made, 1 date skipped:" in page and "This slot is already taken" in page


def test_weekly_series_without_skip_books_nothing_when_one_date_is_taken(client, member, structure, room):
    first = _monday()
    taken = first + timedelta(days=7)
    _book(member, room, structure, _at(taken, "10:00"), _at(taken, "11:00"))
    response = client.post("/bookings/new", data=_form(
        room, structure, first, repeat="weekly", weekdays=["MO", "TH"], ends="until",
        until=(first + timedelta(days=20)).isoformat()))
    assert response.status_code == 409
    assert "This slot is already taken" in response.get_data(as_text=True)
    assert _count() == 1 and db.session.scalar(select(func.count()).select_from(Series)) == 0


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"ends": "until", "until": ""}, "until", "Give the last date of the repetition."),
    ({"ends": "count", "count": ""}, "count", "Give the number of times."),
    ({"count": "500"}, "count", "Number must be between 1 and 200."),
    ({"interval": "0"}, "interval", "Number must be between 1 and 99."),
])
def test_incomplete_repetition_is_explained_beside_its_field(client, member, structure, room, extra, field,
                                                             message):
    response = client.post("/bookings/new", data=_form(room, structure, _monday(), repeat="daily", **extra))
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.get_data(as_text=True)
    assert _count() == 0


def test_a_stocked_resource_asks_for_the_quantity(client, member, structure, make):
    chairs = make.resource(name="Chaises", kind="equipment", quantity=10)
    page = client.get(f"/bookings/new?resource_id={chairs.id}").get_data(as_text=True)
    assert 'name="quantity"' in page and "Chaises (10 in stock)" in page
    response = client.post("/bookings/new", data=_form(chairs, structure, _monday(), quantity="12"))
    assert response.status_code == 422 and "Only 10 in stock." in response.get_data(as_text=True)
    response = client.post("/bookings/new", data=_form(chairs, structure, _monday(), quantity="4"))
    assert response.status_code == 302
    assert [b.quantity for b in _bookings()] == [4]


def test_a_single_unit_resource_does_not_ask_for_a_quantity(client, member, room):
    assert 'name="quantity"' not in client.get(f"/bookings/new?resource_id={room.id}").get_data(as_text=True)


def test_page_is_in_english_for_a_profile_in_english_and_french_by_default(client, login, make, structure):
    login(make.user(structures=[structure], locale="en"))
    assert "All resources" in client.get("/bookings/new").get_data(as_text=True)
    client.post("/logout")
    login(make.user(structures=[structure]))
    assert "Toutes les ressources" in client.get("/bookings/new").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/bookings/new", "/bookings/mine", "/bookings/approvals", "/bookings/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
