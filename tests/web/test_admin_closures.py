"""Admin pages for closures and public holidays, through the real forms."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Closure, NetworkSettings


@pytest.fixture
def admin(make, login):
    user = make.user(is_admin=True, locale="en")
    login(user)
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Closure))


# Far enough ahead to stay "upcoming" whenever the suite runs.
def _form(**overrides) -> dict:
    data = {"resource_id": "", "start_date": "2040-04-06", "start_time": "", "end_date": "2040-04-10",
            "end_time": "", "reason": "Travaux de peinture"}
    data.update(overrides)
    return data


def _booking(resource, user, structure, start: datetime) -> Booking:
    end = start + timedelta(hours=2)
    booking = Booking(resource_id=resource.id, structure_id=structure.id, user_id=user.id, title="AG",
                      quantity=1, start_at=start, end_at=end, blocked_until=end, exclusive=True,
                      status="confirmed", created_at=start, updated_at=start)
    db.session.add(booking)
    db.session.commit()
    return booking


def test_members_get_a_403_and_write_nothing(client, make, login):
    login(make.user(structures=[make.structure()], locale="en"))
    assert client.get("/admin/closures/new").status_code == 403
    assert client.post("/admin/closures/new", data=_form()).status_code == 403
    assert client.post("/admin/closures/holidays").status_code == 403
    assert _count() == 0


def test_admin_closes_whole_days_in_the_network_time_zone(client, admin, make):
    room = make.resource(name="Salle Jaurès")
    page = client.get("/admin/closures/new").get_data(as_text=True)
    assert "Every resource" in page and "Salle Jaurès" in page and "Europe/Paris" in page
    response = client.post("/admin/closures/new", data=_form(resource_id=str(room.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    closure = db.session.scalar(select(Closure))
    # 6 April 00:00 to 11 April 00:00, Paris summer time
    assert (closure.start_at, closure.end_at) == (datetime(2040, 4, 5, 22, 0, tzinfo=UTC),
                                                  datetime(2040, 4, 10, 22, 0, tzinfo=UTC))
    assert (closure.resource_id, closure.reason, closure.source) == (room.id, "Travaux de peinture", "manual")
    listed = client.get("/admin/closures").get_data(as_text=True)
    assert "Travaux de peinture" in listed and "Salle Jaurès" in listed


def test_admin_is_warned_of_the_bookings_falling_in_a_new_closure(client, admin, make):
    structure = make.structure()
    room = make.resource()
    booking = _booking(room, admin, structure, datetime(2040, 4, 7, 8, 0, tzinfo=UTC))
    response = client.post("/admin/closures/new", data=_form(start_time="09:00", end_time="18:30"),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 booking falls in this closure; it was not cancelled." in page
    closure = db.session.scalar(select(Closure))
    assert (closure.start_at, closure.end_at) == (datetime(2040, 4, 6, 7, 0, tzinfo=UTC),
                                                  datetime(2040, 4, 10, 16, 30, tzinfo=UTC))
    assert db.session.get(Booking, booking.id).status == "confirmed"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"end_date": "2040-04-01"}, "Must be after the start."),
    ({"end_date": "2041-05-01"}, "A closure lasts at most 366 days."),
    ({"reason": "  "}, "This field is required."),
    ({"start_date": ""}, "This field is required."),
    ({"resource_id": "999999"}, "Unknown resource."),
    ({"start_date": "2040-13-45"}, "Not a valid date value."),
])
def test_bad_closure_input_is_refused_with_a_message_and_nothing_written(client, admin, overrides, message):
    response = client.post("/admin/closures/new", data=_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_admin_deletes_a_closure(client, admin):
    client.post("/admin/closures/new", data=_form())
    closure = db.session.scalar(select(Closure))
    assert client.post(f"/admin/closures/{closure.id}/delete").status_code == 302
    assert _count() == 0
    assert client.post(f"/admin/closures/{closure.id}/delete").status_code == 404


def test_the_list_filters_by_resource_and_separates_past_closures(client, admin, make):
    room, van = make.resource(name="Salle"), make.resource(name="Kangoo", kind="vehicle")
    for data in (_form(resource_id=str(room.id), reason="Peinture"),
                 _form(resource_id=str(van.id), reason="Révision"),
                 _form(start_date="2020-01-06", end_date="2020-01-07", reason="Inventaire")):
        # following the redirect shows (and so clears) the flash naming the closure
        assert client.post("/admin/closures/new", data=data, follow_redirects=True).status_code == 200
    page = client.get(f"/admin/closures?resource_id={room.id}").get_data(as_text=True)
    assert "Peinture" in page and "Révision" not in page and "Inventaire" not in page
    past = client.get("/admin/closures?when=past").get_data(as_text=True)
    assert "Inventaire" in past and "Peinture" not in past


def test_choosing_french_holidays_in_the_settings_closes_them(client, admin):
    response = client.post("/admin/settings", data={
        "name": "Réseau", "timezone": "Europe/Paris", "currency": "EUR", "default_locale": "en",
        "public_holidays": "france"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(NetworkSettings, 1).public_holidays == "france"
    assert _count() == 22  # this year and next
    page = client.get("/admin/closures").get_data(as_text=True)
    assert "Christmas Day" in page and "public holiday" in page


def test_admin_brings_back_a_deleted_holiday(client, admin):
    client.post("/admin/settings", data={"name": "Réseau", "timezone": "Europe/Paris", "currency": "EUR",
                                         "default_locale": "en", "public_holidays": "alsace_moselle"})
    assert _count() == 26
    closure = db.session.scalar(select(Closure).where(Closure.holiday_code.like("%:st_stephen")))
    client.post(f"/admin/closures/{closure.id}/delete")
    response = client.post("/admin/closures/holidays", follow_redirects=True)
    assert "1 public holiday added." in response.get_data(as_text=True)
    assert _count() == 26


def test_regenerating_holidays_while_they_are_off_says_so(client, admin):
    response = client.post("/admin/closures/holidays", follow_redirects=True)
    assert "Public holidays are turned off in the network settings." in response.get_data(as_text=True)
    assert _count() == 0


def test_an_unknown_holiday_choice_is_refused(client, admin):
    response = client.post("/admin/settings", data={"name": "Réseau", "timezone": "Europe/Paris",
                                                    "currency": "EUR", "default_locale": "en",
                                                    "public_holidays": "belgium"})
    assert response.status_code == 422
    assert _count() == 0
