"""Racing requests never double-book nor exceed a quota (DESIGN.md invariants 1 and 2).

The app is served by a real threaded HTTP server on the test database (a SQLite file, then PostgreSQL),
and many clients, each with their own bearer token, are released together by a barrier to POST
/api/v1/bookings. Every one must get a clear answer (201, 409 or 422, never a 5xx), and the database
must then hold exactly what the stock or the quota allows.
"""

import http.client
import json
import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from mutualise import create_app
from mutualise.extensions import db
from mutualise.models import Booking
from mutualise.services.accounts import create_api_token
from mutualise.services.quota_rules import QuotaRuleInput, create_quota_rule
from mutualise.services.settings import get_settings

# Every racer holds a connection of its own at the same moment (the cluster allows 200).
POOL = {"pool_size": 60, "max_overflow": 0}
_SHARED_CONFIG = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED",
                  "MAIL_BACKEND")


@pytest.fixture
def server_url(app):
    """The app on a free loopback port, threaded, on the test database with a pool for every racer."""
    config = {key: app.config[key] for key in _SHARED_CONFIG}
    served = create_app({**config, "INSTANCE_PATH": app.instance_path, "SQLALCHEMY_ENGINE_OPTIONS": POOL})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with served.app_context():
        db.engine.dispose()  # so the fixture can empty the tables


@pytest.fixture
def racers(make):
    """`racers(structure, n)`: the bearer tokens of n people of the structure. New tokens make their
    first request note its use, which takes SQLite's write lock at authentication; `used_now=True` gives
    tokens just used, whose booking requests take it late, in the booking service (services/locks.py)."""

    def _racers(structure, n: int, *, used_now: bool = False) -> list[str]:
        people = [make.user(structures=[structure]) for _ in range(n)]
        secrets = []
        for person in people:
            token, secret = create_api_token(db.session, person, datetime.now(UTC), "race")
            token.last_used_at = datetime.now(UTC) if used_now else None
            secrets.append(secret)
        db.session.commit()
        return secrets

    return _racers


def next_week_at_ten() -> datetime:
    """10:00 (network time) on Monday of next week: the served app runs on the real clock."""
    zone = ZoneInfo(get_settings(db.session).timezone)
    today = datetime.now(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(10), tzinfo=zone)


def booking(resource, structure, start: datetime, hours: int = 1, **extra) -> dict:
    return {"resource_id": resource.id, "structure_id": structure.id, "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(), "title": "Race", **extra}


def race(server: str, requests: list[tuple[str, dict]], path: str | None = None) -> list[tuple[int, dict]]:
    """POST every (token, body) to /api/v1/bookings (or to `path`, or to a request's own path given as a
    third item) from its own thread, all released at once; the answers (status, JSON) in the order
    given."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(index: int, token: str, body: dict, own_path: str | None = None) -> None:
        connection = http.client.HTTPConnection(server, timeout=60)
        try:
            connection.connect()
            payload = json.dumps(body)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                       "Accept-Language": "en"}
            barrier.wait(timeout=30)
            connection.request("POST", own_path or path or "/api/v1/bookings", body=payload, headers=headers)
            response = connection.getresponse()
            answers[index] = (response.status, json.loads(response.read() or b"null"))
        except Exception as error:  # reported by the assertions below, not lost in the thread
            answers[index] = (0, {"exception": repr(error)})
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def codes(answers) -> Counter:
    """How many answers of each kind: 201, or the status and error code ("409 conflict"). A 409 counts
    as a conflict only when it names the slot taken: a busy database or a guard tripped by a lost race
    is not the service's answer, and would hide a lock that did not hold."""

    def kind(status: int, body) -> int | str:
        if status < 300:
            return status
        error = (body or {}).get("error", {})
        if error.get("code") == "conflict" and not error.get("details", {}).get("conflicts"):
            return f"{status} conflict without the slot: {error.get('message')}"
        return f"{status} {error.get('code')}"

    return Counter(kind(status, body) for status, body in answers)


def bookings_held(**where) -> int:
    db.session.rollback()  # a fresh snapshot, after the racers' commits
    query = select(func.count()).select_from(Booking).where(Booking.status.in_(("pending", "confirmed")))
    for column, value in where.items():
        query = query.where(getattr(Booking, column) == value)
    return db.session.scalar(query)


# used_now: tokens just used take SQLite's write lock late, in the booking service; new ones at
# authentication (see the racers fixture): both paths must serialise the racers.
@pytest.mark.parametrize("used_now", [False, True], ids=["lock-at-authentication", "lock-late"])
def test_fifty_clients_racing_for_one_slot_get_one_booking_and_forty_nine_conflicts(
        make, racers, server_url, used_now):
    structure = make.structure()
    room = make.resource(quantity=1)
    body = booking(room, structure, next_week_at_ten())

    answers = race(server_url, [(token, body) for token in racers(structure, 50, used_now=used_now)])

    assert codes(answers) == {201: 1, "409 conflict": 49}, answers
    assert bookings_held(resource_id=room.id) == 1


def test_thirty_clients_racing_for_three_units_get_three_bookings(make, racers, server_url):
    structure = make.structure()
    projectors = make.resource(kind="equipment", quantity=3)
    body = booking(projectors, structure, next_week_at_ten(), quantity=1)

    answers = race(server_url, [(token, body) for token in racers(structure, 30)])

    assert codes(answers) == {201: 3, "409 conflict": 27}, answers
    assert bookings_held(resource_id=projectors.id) == 3


@pytest.mark.parametrize(("racing", "unit", "limit", "used_now"), [
    (20, "hours", 10, False),  # twenty one-hour bookings against a ten-hour weekly quota
    (12, "bookings", 5, True),  # tokens just used: the racers take the write lock late
], ids=["hours-lock-at-authentication", "bookings-lock-late"])
def test_racing_bookings_stop_exactly_at_a_structure_quota(make, racers, server_url, racing, unit, limit,
                                                           used_now):
    structure = make.structure()
    rooms = [make.resource(quantity=1) for _ in range(racing)]
    admin = make.user(is_admin=True)
    create_quota_rule(db.session, admin, datetime.now(UTC), QuotaRuleInput(
        structure_id=structure.id, unit=unit, window="week", limit=limit))
    db.session.commit()
    start = next_week_at_ten()
    tokens = racers(structure, racing, used_now=used_now)

    requests = [(token, booking(room, structure, start)) for token, room in zip(tokens, rooms, strict=True)]
    answers = race(server_url, requests)

    assert codes(answers) == {201: limit, "422 quota_exceeded": racing - limit}, answers
    assert bookings_held(structure_id=structure.id) == limit
