"""The feed URLs over real HTTP (issue 5): content type, caching headers, each conditional-GET path, ETag
and Last-Modified as bookings change, 404 at once for revoked or unknown secrets, and what a busy feed
must never say. Bookings are made through the booking service on the real clock (Mondays ahead)."""

import logging
from datetime import timedelta

import pytest
from api_helpers import monday
from ical_readers import parsed
from icalendar import Calendar
from werkzeug.http import http_date, parse_date

from mutualise.blueprints import feeds as feeds_blueprint
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import booking_actions, structures
from mutualise.services.bookings import BookingInput, create_booking, update_booking
from mutualise.services.feeds import FeedInput, create_feed, revoke_feed

ICS = "text/calendar; charset=utf-8"


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


@pytest.fixture
def other(make):
    return make.structure(name="Régie Nord")


@pytest.fixture
def member(make, coop):
    return make.user(structures=[coop], name="Camille Dufour", locale="en")


@pytest.fixture
def stranger(make, other):
    return make.user(structures=[other], name="Dominique Martin", locale="en")


@pytest.fixture
def room(make):
    return make.resource(name="Salle Jaurès", site=make.site(name="Maison des associations"))


def _book(actor, resource, structure, start, title):
    booking = create_booking(db.session, actor, utcnow(), BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=start, end=start + timedelta(hours=2),
        title=title)).bookings[0]
    db.session.commit()
    return booking


def _feed(owner, scope, target_id=None, detail="busy") -> tuple[int, str]:
    token, secret = create_feed(db.session, owner, utcnow(), FeedInput(scope=scope, target_id=target_id,
                                                                       detail=detail))
    db.session.commit()
    return token.id, secret


def _unfolded(response) -> str:
    """The body with folded lines joined again, so a name cut by a fold is still found."""
    return response.get_data(as_text=True).replace("\r\n ", "")


@pytest.fixture
def booked(member, stranger, coop, other, room):
    """Two bookings of the room: one by the member's structure, one by another structure."""
    return (_book(member, room, coop, monday(10), "Assemblée générale"),
            _book(stranger, room, other, monday(14), "Conseil confidentiel"))


# The answer

@pytest.mark.parametrize("accept", [None, "text/html", "application/json"])
def test_a_feed_is_text_calendar_whatever_the_accept_header(client, member, room, booked, accept):
    _, secret = _feed(member, "resource", room.id)
    response = client.get(f"/feeds/{secret}.ics", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ICS
    assert response.headers["Content-Disposition"] == 'inline; filename="salle-jaures-mutualise.ics"'
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["ETag"].startswith('"') and not response.headers["ETag"].startswith('W/')
    assert parse_date(response.headers["Last-Modified"]) is not None
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert {str(e["UID"]) for e in events} == {f"booking-{b.id}@127.0.0.1" for b in booked}


def test_an_empty_feed_is_a_valid_calendar(client, member):
    _, secret = _feed(member, "user")
    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 200
    assert Calendar.from_ical(response.data).walk("VEVENT") == []


def test_unknown_and_revoked_secrets_get_404_at_once(client, member, room):
    feed_id, secret = _feed(member, "resource", room.id)
    assert client.get(f"/feeds/{secret}.ics").status_code == 200
    for wrong in ("nothing-here-at-all-0123456789abcdef", "x"):
        response = client.get(f"/feeds/{wrong}.ics")
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/plain")
    revoke_feed(db.session, member, utcnow(), feed_id)
    db.session.commit()
    for path in (f"/feeds/{secret}.ics", f"/feeds/{secret}/freebusy.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


def test_someone_who_leaves_the_structure_loses_its_feed(client, make, member, coop, room, booked):
    _, secret = _feed(member, "structure", coop.id, detail="full")
    assert client.get(f"/feeds/{secret}.ics").status_code == 200
    structures.remove_member(db.session, make.user(is_admin=True), coop.id, member.id)
    db.session.commit()
    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 404
    assert "Assemblée" not in response.get_data(as_text=True)


# Conditional requests

def _first(client, secret):
    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 200
    return response.headers["ETag"], response.headers["Last-Modified"]


def test_if_none_match_with_the_etag_gets_304_and_another_gets_200(client, member, room, booked):
    _, secret = _feed(member, "resource", room.id)
    etag, _ = _first(client, secret)
    same = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.data == b""
    assert same.headers["ETag"] == etag  # (Werkzeug drops Last-Modified from a 304, as RFC 9110 allows)
    assert same.headers["Cache-Control"] == "private, max-age=3600"
    listed = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    other = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.headers["Content-Type"] == ICS
    assert b"BEGIN:VCALENDAR" in other.data


def test_if_modified_since_at_or_after_last_modified_gets_304_and_before_gets_200(client, member, room,
                                                                                   booked):
    _, secret = _feed(member, "resource", room.id)
    _, last_modified = _first(client, secret)
    moment = parse_date(last_modified)
    for since in (last_modified, http_date(moment + timedelta(hours=1))):
        assert client.get(f"/feeds/{secret}.ics", headers={"If-Modified-Since": since}).status_code == 304
    before = http_date(moment - timedelta(seconds=1))
    older = client.get(f"/feeds/{secret}.ics", headers={"If-Modified-Since": before})
    assert older.status_code == 200
    assert b"BEGIN:VEVENT" in older.data


def test_if_none_match_takes_precedence_over_if_modified_since(client, member, room, booked):
    _, secret = _feed(member, "resource", room.id)
    etag, last_modified = _first(client, secret)
    stale_tag = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": '"old"',
                                                             "If-Modified-Since": last_modified})
    assert stale_tag.status_code == 200
    old_date = http_date(parse_date(last_modified) - timedelta(days=1))
    fresh_tag = client.get(f"/feeds/{secret}.ics",
                           headers={"If-None-Match": etag, "If-Modified-Since": old_date})
    assert fresh_tag.status_code == 304


def test_the_etag_is_stable_and_changes_when_a_booking_is_edited_or_cancelled(client, member, coop, room,
                                                                               booked):
    _, secret = _feed(member, "resource", room.id, detail="full")
    etag, last_modified = _first(client, secret)
    assert _first(client, secret) == (etag, last_modified)
    mine = booked[0]
    update_booking(db.session, member, utcnow(), mine.id, BookingInput(title="Assemblée extraordinaire"))
    db.session.commit()
    edited = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": etag})
    assert edited.status_code == 200
    assert "Assemblée extraordinaire" in _unfolded(edited)
    edited_tag, edited_date = edited.headers["ETag"], edited.headers["Last-Modified"]
    assert edited_tag != etag
    assert parse_date(edited_date) >= parse_date(last_modified)
    booking_actions.cancel_booking(db.session, member, utcnow(), mine.id)
    db.session.commit()
    cancelled = client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": edited_tag})
    assert cancelled.status_code == 200
    assert cancelled.headers["ETag"] not in (etag, edited_tag)
    # the cancelled booking is still there, as cancelled; Last-Modified did not go back
    assert parse_date(cancelled.headers["Last-Modified"]) >= parse_date(edited_date)
    event = next(e for e in Calendar.from_ical(cancelled.data).walk("VEVENT")
                 if str(e["UID"]) == f"booking-{mine.id}@127.0.0.1")
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_an_unchanged_feed_is_answered_from_the_cache_without_rendering(client, member, room, booked,
                                                                       monkeypatch):
    _, secret = _feed(member, "resource", room.id)
    rendered = []
    real = feeds_blueprint.render_feed
    monkeypatch.setattr(feeds_blueprint, "render_feed", lambda *a: rendered.append(1) or real(*a))
    first = client.get(f"/feeds/{secret}.ics")
    second = client.get(f"/feeds/{secret}.ics")
    assert first.data == second.data
    assert len(rendered) == 1
    _book(member, room, booked[0].structure, monday(17), "Atelier")
    assert client.get(f"/feeds/{secret}.ics").data != first.data
    assert len(rendered) == 2


# What a feed says

def test_a_busy_feed_names_no_person_no_structure_and_no_title(client, member, stranger, coop, room, booked):
    for scope, target in (("resource", room.id), ("user", None), ("network", None)):
        _, secret = _feed(member, scope, target)
        body = _unfolded(client.get(f"/feeds/{secret}.ics"))
        assert "Salle Jaurès — Busy" in body
        for absent in ("Assemblée", "Conseil confidentiel", "Coop Vélo", "Régie Nord", "Camille Dufour",
                       "Dominique Martin", member.email, stranger.email):
            assert absent not in body, (scope, absent)


def test_a_full_feed_shows_the_owners_structure_and_busy_for_the_others(client, member, room, booked):
    _, secret = _feed(member, "resource", room.id, detail="full")
    body = _unfolded(client.get(f"/feeds/{secret}.ics"))
    assert "SUMMARY:Assemblée générale" in body
    assert "Coop Vélo" in body and "Camille Dufour" in body
    assert "SUMMARY:Salle Jaurès — Busy" in body
    for absent in ("Conseil confidentiel", "Régie Nord", "Dominique Martin"):
        assert absent not in body


def test_free_busy_view_of_a_resource_feed(client, member, room, booked):
    _, secret = _feed(member, "resource", room.id)
    response = client.get(f"/feeds/{secret}/freebusy.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ICS
    assert 'filename="salle-jaures-mutualise-freebusy.ics"' in response.headers["Content-Disposition"]
    freebusy = Calendar.from_ical(response.data).walk("VFREEBUSY")
    assert len(freebusy) == 1
    assert "Assemblée" not in _unfolded(response)
    etag = response.headers["ETag"]
    assert client.get(f"/feeds/{secret}/freebusy.ics", headers={"If-None-Match": etag}).status_code == 304
    _, user_secret = _feed(member, "user")
    assert client.get(f"/feeds/{user_secret}/freebusy.ics").status_code == 404


def test_the_secret_never_reaches_the_log(client, member, room, booked, caplog, monkeypatch):
    # Alembic's fileConfig (migrations/env.py) disabled the loggers that existed when the test database
    # was migrated; production runs migrations in another process, so turn them back on for this test.
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.disabled:
            monkeypatch.setattr(logger, "disabled", False)
    feed_id, secret = _feed(member, "resource", room.id)
    with caplog.at_level(logging.DEBUG):
        etag = client.get(f"/feeds/{secret}.ics").headers["ETag"]
        client.get(f"/feeds/{secret}.ics", headers={"If-None-Match": etag})
        revoke_feed(db.session, member, utcnow(), feed_id)
        db.session.commit()
        assert client.get(f"/feeds/{secret}.ics").status_code == 404
    assert {r.name for r in caplog.records} >= {"mutualise.blueprints.feeds"}  # the log was captured
    assert secret not in caplog.text
    assert secret[:12] not in caplog.text


# Pages

def test_the_help_page_explains_each_application(client):
    page = client.get("/help/calendars", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for name in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird", "On a phone",
                 "8 to 24 hours"):
        assert name in page


def test_my_calendars_creates_shows_the_link_once_and_revokes(client, login, member, room, booked):
    login(member)
    form = client.get(f"/profile/calendars?scope=resource&id={room.id}").get_data(as_text=True)
    assert f'<option selected value="{room.id}">Salle Jaurès</option>' in form
    response = client.post("/profile/calendars", data={"scope": "resource", "resource_id": str(room.id),
                                                       "structure_id": "", "detail": "busy", "name": ""})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    assert url.startswith("http://127.0.0.1:5000/feeds/") and url.endswith(".ics") and len(url) < 200
    assert "webcal://127.0.0.1:5000/feeds/" in page
    path = url.removeprefix("http://127.0.0.1:5000")
    assert client.get(path).status_code == 200
    listing = client.get("/profile/calendars").get_data(as_text=True)
    assert "Salle Jaurès" in listing and url not in listing
    feed_id = int(listing.split("/profile/calendars/")[1].split("/revoke")[0])
    assert client.post(f"/profile/calendars/{feed_id}/revoke").status_code == 302
    assert client.get(path).status_code == 404


def test_my_calendars_refuses_a_missing_resource_and_writes_nothing(client, login, member):
    login(member)
    response = client.post("/profile/calendars", data={"scope": "resource", "resource_id": "",
                                                       "detail": "busy"})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert "You have no calendar link yet." in response.get_data(as_text=True)


def test_resource_and_structure_pages_lead_to_the_prefilled_form(client, login, member, coop, room):
    login(member)
    assert f"/profile/calendars?scope=resource&amp;id={room.id}" in client.get(
        f"/resources/{room.id}").get_data(as_text=True)
    assert f"/profile/calendars?scope=structure&amp;id={coop.id}" in client.get(
        f"/bookings/structure/{coop.id}").get_data(as_text=True)


@pytest.mark.parametrize("detail", ["busy", "full"])
def test_every_kind_of_feed_is_read_by_icalendar_vobject_and_icaljs(client, make, member, coop, room, booked,
                                                                     detail):
    admin = make.user(is_admin=True, locale="en")
    feeds = {"resource": _feed(member, "resource", room.id, detail)[1],
             "structure": _feed(member, "structure", coop.id, detail)[1],
             "user": _feed(member, "user", None, detail)[1],
             "network": _feed(admin, "network", None, detail)[1]}
    for scope, secret in feeds.items():
        response = client.get(f"/feeds/{secret}.ics")
        assert response.status_code == 200, (scope, response.status_code)
        calendar, _vobject, icaljs = parsed(response.get_data())
        expected = {"resource": 2, "structure": 1, "user": 1, "network": 2}[scope]
        assert len(calendar.walk("VEVENT")) == icaljs["event_count"] == expected, scope
    free_busy = client.get(f"/feeds/{feeds['resource']}/freebusy.ics")
    assert free_busy.status_code == 200
    parsed(free_busy.get_data())
