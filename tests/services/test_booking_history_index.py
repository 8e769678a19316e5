"""A booking never reads the past bookings of its resource or structure on SQLite (migration 0008): the
slot check, the stock trigger and the quota checks find what overlaps a period through the indexes by
end. Counted in SQLite's virtual machine steps, which do not depend on the machine's speed: a resource
and a structure with two thousand bookings behind them cost what new ones do."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text

from mutualise.extensions import db
from mutualise.models import Booking, QuotaRule
from mutualise.services.bookings import BookingInput, create_booking

PAST = datetime(2024, 1, 1, 8, tzinfo=UTC)
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # `now` is 2026-03-03
STEP = 10  # SQLite instructions between two calls of the progress handler


pytestmark = pytest.mark.sqlite_only("PostgreSQL finds overlaps through the GiST index of migration 0002")


def add_history(resource, structure, user, count: int) -> None:
    db.session.execute(insert(Booking), [
        {"resource_id": resource.id, "structure_id": structure.id, "user_id": user.id, "title": "Past",
         "quantity": 1, "start_at": PAST + timedelta(hours=2 * n),
         "end_at": PAST + timedelta(hours=2 * n + 1), "blocked_until": PAST + timedelta(hours=2 * n + 1),
         "exclusive": True, "status": "confirmed", "created_at": PAST, "updated_at": PAST}
        for n in range(count)])
    db.session.commit()


def steps_to_book(resource, structure, user, now) -> int:
    """SQLite instructions run to book `resource` next Monday (checks, insert, trigger, commit)."""
    steps = [0]
    connection = db.session.connection().connection.dbapi_connection

    def count() -> int:
        steps[0] += STEP
        return 0  # go on

    connection.set_progress_handler(count, STEP)
    try:
        create_booking(db.session, user, now, BookingInput(
            resource_id=resource.id, structure_id=structure.id, start=MONDAY,
            end=MONDAY + timedelta(hours=1)))
        db.session.commit()
    finally:
        connection.set_progress_handler(None, STEP)
    return steps[0]


def test_a_long_history_costs_a_booking_nothing(make, now):
    old_hand, newcomer = make.structure(name="Since 2024"), make.structure(name="Since today")
    user = make.user(structures=[old_hand, newcomer])
    for structure in (old_hand, newcomer):  # each checked against hours per month and open bookings
        db.session.add(QuotaRule(structure_id=structure.id, unit="hours", window="month", limit=100,
                                 max_open_future=50, created_at=PAST))
    old, new, warm = (make.resource(name=name) for name in ("Used for years", "New", "Warm-up"))
    add_history(old, old_hand, user, 2000)
    steps_to_book(warm, newcomer, user, now)  # statements compiled, pages read
    with_history = steps_to_book(old, old_hand, user, now)
    without = steps_to_book(new, newcomer, user, now)
    # without the indexes, the slot check, the trigger and both quota queries walk the 2,000 past bookings
    assert with_history < 2 * without


def test_overlaps_are_found_by_their_end_and_ranges_of_starts_by_their_start(app):
    overlap = db.session.execute(text(
        "EXPLAIN QUERY PLAN SELECT id FROM bookings WHERE resource_id = 1 AND status IN ('pending', "
        "'confirmed') AND start_at < '2026-03-09' AND blocked_until > '2026-03-08'")).all()
    starts = db.session.execute(text(
        "EXPLAIN QUERY PLAN SELECT start_at FROM bookings WHERE resource_id = 1 AND status IN ('pending', "
        "'confirmed') AND start_at > '2026-03-08' AND start_at < '2026-03-09'")).all()
    assert "ix_bookings_resource_until" in overlap[-1][-1]
    assert "ix_bookings_resource_time" in starts[-1][-1]
