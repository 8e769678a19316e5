"""Booking requests take SQLite's write lock late, in locks.lock_for_booking, and every other write request
takes it first (services/locks.py, web._writers_first). These tests pin the order of the statements on
SQLite and what begin_writing may and may not do to a transaction; the racing tests of
test_booking_concurrency.py show that the late lock still serialises the checks (invariants 1 and 2).

Through HTTP the real clock runs, so bookings are made next week.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from mutualise.extensions import db
from mutualise.models import ApiToken, Structure
from mutualise.services.accounts import create_api_token, user_for_api_token
from mutualise.services.locks import begin_writing
from mutualise.services.settings import get_settings

pytestmark = pytest.mark.sqlite_only(
    "PostgreSQL serialises bookings with row locks, not with the transaction's start")


@pytest.fixture
def statements(app):
    """Every SQL statement the app sends, in order, on one line each (see Statements.watch)."""
    seen = Statements()

    def record(connection, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def people(make):
    structure = make.structure()
    return structure, make.user(structures=[structure], locale="en")


class Statements(list):
    def watch(self) -> None:
        """Forget what came before, and end the test's own transaction: the requests share its session
        and would otherwise go on with it."""
        db.session.rollback()
        self.clear()


def bearer(user, *, used_now: bool) -> dict:
    """The Authorization header of a new token; `used_now`: its last use is too recent to be noted again."""
    token, secret = create_api_token(db.session, user, datetime.now(UTC), "test")
    if used_now:
        token.last_used_at = datetime.now(UTC)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def next_week_at_ten() -> datetime:
    zone = ZoneInfo(get_settings(db.session).timezone)
    today = datetime.now(zone).date()
    return datetime.combine(today + timedelta(days=7 - today.weekday()), time(10), tzinfo=zone)


def booking_body(resource, structure) -> dict:
    start = next_week_at_ten()
    return {"resource_id": resource.id, "structure_id": structure.id, "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat()}


def position(statements: list[str], start: str) -> int:
    return next(i for i, statement in enumerate(statements) if statement.startswith(start))


def test_a_booking_request_is_authenticated_and_read_before_it_waits_for_the_write_lock(
        client, make, people, statements):
    structure, member = people
    room = make.resource()
    headers, body = bearer(member, used_now=True), booking_body(room, structure)
    statements.watch()

    response = client.post("/api/v1/bookings", json=body, headers=headers)

    assert response.status_code == 201, response.get_json()
    assert statements[0] == "BEGIN"
    lock = statements.index("BEGIN IMMEDIATE")
    assert position(statements, "SELECT api_tokens.") < lock
    assert position(statements, "SELECT resources.") < lock
    assert position(statements, "SELECT structures.") < lock
    assert position(statements, "SELECT 0 AS is_closure") > lock  # bookings and closures: under the lock
    assert position(statements, "INSERT INTO bookings") > lock
    # the token's owner, the resource and the structure are not read again once the lock is held
    assert not [s for s in statements[lock:] if s.startswith(("SELECT users.", "SELECT resources.",
                                                               "SELECT structures.", "SELECT api_tokens."))]


def test_the_web_booking_form_takes_the_write_lock_late_too(client, make, people, login,
                                                            statements):
    structure, member = people
    room = make.resource()
    login(member)
    day = next_week_at_ten().date()
    form = {"resource_id": str(room.id), "structure_id": str(structure.id), "date": day.isoformat(),
            "start_time": "10:00", "end_time": "11:00", "title": "Réunion"}
    statements.watch()

    response = client.post("/bookings/new", data=form)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert statements[0] == "BEGIN"
    lock = statements.index("BEGIN IMMEDIATE")
    assert position(statements, "SELECT users.") < lock  # the signed-in person
    assert position(statements, "SELECT 0 AS is_closure") > lock
    assert not [s for s in statements[lock:] if s.startswith(("SELECT users.", "SELECT resources."))]


def test_other_write_requests_still_begin_as_writers(client, make, people, statements):
    structure, member = people
    room = make.resource()
    headers = bearer(member, used_now=True)
    booking = client.post("/api/v1/bookings", json=booking_body(room, structure), headers=headers).get_json()
    statements.watch()

    response = client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=headers)

    assert response.status_code == 200, response.get_json()
    assert statements[0] == "BEGIN IMMEDIATE"


def test_a_token_due_for_its_last_use_note_makes_the_request_a_writer_before_it_writes(
        client, make, people, statements):
    structure, member = people
    room = make.resource()
    headers, body = bearer(member, used_now=False), booking_body(room, structure)
    statements.watch()

    response = client.post("/api/v1/bookings", json=body, headers=headers)

    assert response.status_code == 201, response.get_json()
    lock = statements.index("BEGIN IMMEDIATE")
    assert lock == position(statements, "SELECT api_tokens.") + 2  # COMMIT of the read, then the lock
    assert position(statements, "UPDATE api_tokens") > lock
    assert statements.count("BEGIN IMMEDIATE") == 1  # lock_for_booking finds the writer already there


def test_a_read_transaction_cannot_write_once_another_writer_has_committed(make):
    """What begin_writing is for: SQLite refuses at once the first write of a transaction whose snapshot
    another writer has moved past (SQLITE_BUSY_SNAPSHOT), so waiting would not help."""
    structure = make.structure(name="Before")
    db.session.commit()
    assert db.session.scalar(select(Structure.name).where(Structure.id == structure.id))  # snapshot starts
    other_writer_commits(structure.id, "Elsewhere")

    with pytest.raises(OperationalError, match="database is locked"):
        db.session.execute(text("UPDATE structures SET email = 'x@example.org' WHERE id = :id"),
                           {"id": structure.id})
    db.session.rollback()


def test_begin_writing_moves_a_read_transaction_past_other_writers_and_keeps_its_objects(make, statements):
    structure = make.structure(name="Before")
    db.session.commit()
    loaded = db.session.get(Structure, structure.id)
    assert loaded.name == "Before"  # read before the other writer commits
    other_writer_commits(structure.id, "Elsewhere")
    statements.clear()

    begin_writing(db.session, keep_loaded=True)
    assert loaded.name == "Before"  # kept as loaded: no statement, the caller reads again what it checks
    db.session.execute(text("UPDATE structures SET email = 'x@example.org' WHERE id = :id"),
                       {"id": structure.id})
    db.session.commit()

    assert statements[:2] == ["COMMIT", "BEGIN IMMEDIATE"]
    assert db.session.scalar(select(Structure.name).where(Structure.id == structure.id)) == "Elsewhere"


def test_begin_writing_expires_what_was_read_unless_told_to_keep_it(make):
    structure = make.structure(name="Before")
    db.session.commit()
    loaded = db.session.get(Structure, structure.id)
    assert loaded.name == "Before"  # read before the other writer commits
    other_writer_commits(structure.id, "Elsewhere")

    begin_writing(db.session)

    assert loaded.name == "Elsewhere"  # read again, under the lock
    db.session.rollback()


def test_begin_writing_never_commits_a_write_made_outside_the_orm(make):
    structure = make.structure(name="Before")
    db.session.commit()
    db.session.execute(text("UPDATE structures SET name = 'Half done' WHERE id = :id"), {"id": structure.id})

    begin_writing(db.session)  # the transaction holds the write lock already: nothing to restart
    db.session.rollback()

    assert db.session.scalar(select(Structure.name).where(Structure.id == structure.id)) == "Before"


def test_noting_a_tokens_use_on_an_old_snapshot_waits_for_the_lock_instead_of_failing(make,
                                                                                   people):
    structure, member = people
    token, secret = create_api_token(db.session, member, datetime.now(UTC), "test")
    db.session.commit()
    assert db.session.scalar(select(Structure.name).where(Structure.id == structure.id))  # snapshot starts
    other_writer_commits(structure.id, "Elsewhere")

    assert user_for_api_token(db.session, secret, datetime.now(UTC)).id == member.id
    db.session.commit()

    assert db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token.id)) is not None


def other_writer_commits(structure_id: int, name: str) -> None:
    """Another connection (another request) renames the structure and commits."""
    with db.engine.connect() as connection:
        connection.execute(text("UPDATE structures SET name = :name WHERE id = :id"),
                           {"name": name, "id": structure_id})
        connection.commit()
