"""Calendar feeds through their service: the secret, who may create and revoke, authorisation checked on
every fetch, what busy and full feeds say, the window, and the version the HTTP cache is keyed by."""

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import FeedToken, Membership
from mutualise.services import booking_actions, feeds
from mutualise.services.bookings import BookingInput, create_booking, update_booking
from mutualise.services.errors import NotFound, ValidationError
from mutualise.services.feeds import (
    FeedInput,
    create_feed,
    feed_events,
    feed_version,
    resolve_feed,
    revoke_feed,
)

PARIS = ZoneInfo("Europe/Paris")
# `now` is 2026-03-03 09:00 UTC; Monday 9 March is ahead of it.
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)


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
    site = make.site(name="Maison des associations", address="3 rue Jaurès")
    return make.resource(name="Salle Jaurès", site=site, colour="#1f6feb")


def _book(actor, now, resource, structure, start, title="Assemblée", hours=2):
    result = create_booking(db.session, actor, now, BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=start, end=start + timedelta(hours=hours),
        title=title))
    db.session.commit()
    return result.bookings[0]


def _feed(owner, now, scope, target_id=None, detail="busy", **extra):
    token, secret = create_feed(db.session, owner, now, FeedInput(scope=scope, target_id=target_id,
                                                                  detail=detail, **extra))
    db.session.commit()
    return token, secret


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(FeedToken))


# The secret

def test_the_secret_has_enough_entropy_and_only_its_hash_is_kept(member, room, now):
    token, secret = _feed(member, now, "resource", room.id)
    assert len(secret) >= 32  # 24 random bytes, URL-safe base64
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.name}
    assert (token.scope, token.target_id, token.detail, token.name) == (
        "resource", room.id, "busy", "Salle Jaurès")
    assert resolve_feed(db.session, secret).id == token.id
    assert _feed(member, now, "resource", room.id)[1] != secret


@pytest.mark.parametrize("data, field", [
    ({"scope": "planet", "detail": "busy"}, "scope"),
    ({"scope": "resource", "detail": "everything", "target_id": 1}, "detail"),
    ({"scope": "resource", "detail": "busy"}, "id"),
    ({"scope": "structure", "detail": "full", "target_id": "one"}, "id"),
    ({"scope": "user", "detail": "busy", "target_id": 3}, "id"),
    ({"scope": "network", "detail": "busy", "name": "x" * 121}, "name"),
])
def test_bad_input_is_refused_and_nothing_is_written(member, now, data, field):
    with pytest.raises(ValidationError) as caught:
        create_feed(db.session, member, now, FeedInput(**data))
    db.session.rollback()
    assert field in caught.value.fields
    assert _count() == 0


def test_a_structure_the_actor_cannot_see_or_an_unknown_resource_is_not_found(member, other, make, now):
    archived = make.resource(active=False)
    for scope, target in (("structure", other.id), ("resource", archived.id), ("resource", 999_999),
                          ("structure", 2**40)):
        with pytest.raises(NotFound):
            create_feed(db.session, member, now, FeedInput(scope=scope, target_id=target, detail="busy"))
        db.session.rollback()
    assert _count() == 0


def test_people_list_and_revoke_their_own_feeds_only(member, stranger, make, room, now):
    mine, _ = _feed(member, now, "user", name="Mon agenda")
    gone, _ = _feed(member, now, "network")
    theirs, _ = _feed(stranger, now, "resource", room.id)
    revoke_feed(db.session, member, now, gone.id)
    assert [f.id for f in feeds.list_feeds(db.session, member)] == [mine.id]
    with pytest.raises(NotFound):
        revoke_feed(db.session, member, now, theirs.id)
    revoke_feed(db.session, make.user(is_admin=True), now, theirs.id)
    assert theirs.revoked_at == now
    with pytest.raises(NotFound):
        revoke_feed(db.session, member, now, 10**12)


# Authorisation on every fetch

def test_unknown_and_revoked_secrets_are_not_found(member, room, now):
    token, secret = _feed(member, now, "resource", room.id)
    for wrong in ("", "x", secret[:-1] + ("A" if secret[-1] != "A" else "B"), secret + "x" * 200):
        with pytest.raises(NotFound):
            resolve_feed(db.session, wrong)
    revoke_feed(db.session, member, now, token.id)
    db.session.commit()
    with pytest.raises(NotFound):
        resolve_feed(db.session, secret)


def test_someone_who_leaves_the_structure_loses_its_feed(member, coop, now):
    _, secret = _feed(member, now, "structure", coop.id, detail="full")
    assert resolve_feed(db.session, secret)
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == member.id))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(NotFound):
        resolve_feed(db.session, secret)


def test_a_deactivated_owner_or_an_archived_resource_ends_the_feed(member, make, room, now):
    _, own = _feed(member, now, "user")
    _, resource_feed = _feed(make.user(), now, "resource", room.id)
    member.active = False
    room.active = False
    db.session.commit()
    for secret in (own, resource_feed):
        with pytest.raises(NotFound):
            resolve_feed(db.session, secret)


def test_a_network_reader_keeps_a_structure_feed_without_belonging_to_it(make, coop, now):
    auditor = make.user(is_auditor=True)
    _, secret = _feed(auditor, now, "structure", coop.id)
    assert resolve_feed(db.session, secret).target_id == coop.id


# Content

def test_a_busy_feed_says_busy_and_nothing_about_who(member, stranger, coop, other, room, now):
    _book(member, now, room, coop, MONDAY, title="Assemblée générale")
    _book(stranger, now, room, other, MONDAY + timedelta(hours=3), title="Conseil secret")
    token, _ = _feed(member, now, "resource", room.id)
    calendar, events = feed_events(db.session, token, now)
    assert calendar.name == "Salle Jaurès — Mutualise"
    assert (calendar.colour, calendar.timezone) == ("#1f6feb", "Europe/Paris")
    assert [e.summary for e in events] == ["Salle Jaurès — Busy"] * 2
    assert {e.description for e in events} == {None}
    assert events[0].location == "Salle Jaurès, Maison des associations, 3 rue Jaurès"
    text = repr((calendar, events))
    for absent in ("Assemblée", "Conseil", "Coop", "Régie", "Camille", "Dominique"):
        assert absent not in text


def test_a_full_feed_shows_what_the_owner_may_see_and_busy_for_the_rest(member, stranger, coop, other, room,
                                                                        now):
    mine = _book(member, now, room, coop, MONDAY, title="Assemblée générale")
    theirs = _book(stranger, now, room, other, MONDAY + timedelta(hours=3), title="Conseil secret")
    token, _ = _feed(member, now, "resource", room.id, detail="full")
    _, events = feed_events(db.session, token, now)
    by_uid = {e.uid: e for e in events}
    shown = by_uid[f"booking-{mine.id}@127.0.0.1"]
    hidden = by_uid[f"booking-{theirs.id}@127.0.0.1"]
    assert shown.summary == "Assemblée générale"
    assert "Coop Vélo" in shown.description and "Camille Dufour" in shown.description
    assert (hidden.summary, hidden.description) == ("Salle Jaurès — Busy", None)


def test_statuses_sequence_and_times_follow_the_bookings(member, coop, make, now):
    room = make.resource(name="Salle B")
    approval = make.resource(name="Camion", requires_approval=True)
    confirmed = _book(member, now, room, coop, MONDAY)
    pending = _book(member, now, approval, coop, MONDAY)
    cancelled = _book(member, now, room, coop, MONDAY + timedelta(days=1))
    booking_actions.cancel_booking(db.session, member, now, cancelled.id)
    db.session.commit()
    token, _ = _feed(member, now, "user")
    _, events = feed_events(db.session, token, now)
    by_uid = {e.uid.split("@")[0]: e for e in events}
    assert by_uid[f"booking-{confirmed.id}"].status == "CONFIRMED"
    assert by_uid[f"booking-{pending.id}"].status == "TENTATIVE"
    gone = by_uid[f"booking-{cancelled.id}"]
    assert (gone.status, gone.sequence) == ("CANCELLED", 1)
    assert by_uid[f"booking-{confirmed.id}"].start == MONDAY.astimezone(UTC)
    assert by_uid[f"booking-{confirmed.id}"].start.utcoffset() == timedelta(0)


def test_the_window_and_how_long_cancelled_bookings_stay(member, coop, room, now):
    near = _book(member, now, room, coop, MONDAY)
    far = _book(member, now, room, coop, MONDAY + timedelta(days=600))
    cancelled = _book(member, now, room, coop, MONDAY + timedelta(days=2))
    booking_actions.cancel_booking(db.session, member, now, cancelled.id)
    db.session.commit()
    token, _ = _feed(member, now, "structure", coop.id)

    def ids(at):
        _, events = feed_events(db.session, token, at)
        return {int(e.uid.split("@")[0].removeprefix("booking-")) for e in events}

    assert ids(now) == {near.id, cancelled.id}
    assert cancelled.id in ids(now + timedelta(days=29))
    assert ids(now + timedelta(days=31)) == {near.id}
    assert near.id not in ids(now + timedelta(days=100))  # over for more than 90 days
    assert far.id in ids(now + timedelta(days=100))


def test_an_empty_feed_is_still_a_calendar(member, now):
    token, _ = _feed(member, now, "network")
    calendar, events = feed_events(db.session, token, now)
    assert events == []
    assert calendar.name == "All bookings — Mutualise"


# The version the HTTP cache is keyed by

def test_the_version_moves_with_every_change_and_last_modified_never_goes_back(member, coop, room, now):
    token, _ = _feed(member, now, "resource", room.id)
    empty = feed_version(db.session, token, now)
    booking = _book(member, now, room, coop, MONDAY)
    booked = feed_version(db.session, token, now)
    assert booked.key != empty.key
    assert feed_version(db.session, token, now) == booked  # stable while nothing changes
    later = now + timedelta(minutes=5)
    update_booking(db.session, member, later, booking.id, BookingInput(title="Autre titre"))
    db.session.commit()
    edited = feed_version(db.session, token, later)
    assert edited.key != booked.key
    booking_actions.cancel_booking(db.session, member, later + timedelta(minutes=5), booking.id)
    db.session.commit()
    cancelled = feed_version(db.session, token, later)
    assert cancelled.key != edited.key
    assert empty.last_modified <= booked.last_modified < edited.last_modified < cancelled.last_modified
    assert feed_version(db.session, token, now + timedelta(days=1)).key != cancelled.key  # the window slid


def test_free_busy_of_a_resource(member, coop, room, now):
    booking = _book(member, now, room, coop, MONDAY)
    token, _ = _feed(member, now, "resource", room.id)
    view = feeds.feed_freebusy(db.session, token, now)
    assert view.busy == [(booking.start_at, booking.end_at)]
    assert view.start < now < view.end
    user_token, _ = _feed(member, now, "user")
    with pytest.raises(NotFound):
        feeds.feed_freebusy(db.session, user_token, now)
