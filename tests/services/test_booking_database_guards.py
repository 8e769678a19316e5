"""The database itself refuses double bookings (DESIGN.md invariant 1), whatever writes the rows.

These tests bypass the booking service and write Booking rows directly, on SQLite (trigger) and on
PostgreSQL (exclusion constraint on single-unit resources, trigger on the stock): the guards of
migrations/versions/0002_booking.py are the backstop when a service check is missing or wrong. The last
test shows the API answering such a refusal as a conflict, not as a server error.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from mutualise.extensions import db
from mutualise.models import Booking
from mutualise.services.booking_checks import SlotCheck
from mutualise.services.settings import get_settings

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


@pytest.fixture
def people(make):
    structure = make.structure()
    return structure, make.user(structures=[structure])


def row(resource, people, start: float, end: float, *, quantity: int = 1, status: str = "confirmed",
        buffer_minutes: int = 0) -> Booking:
    """A booking row as the service would write it, hours counted from DAY."""
    structure, user = people
    return Booking(resource_id=resource.id, structure_id=structure.id, user_id=user.id, title="Direct",
                   quantity=quantity, start_at=at(start), end_at=at(end),
                   blocked_until=at(end) + timedelta(minutes=buffer_minutes),
                   exclusive=resource.quantity == 1, status=status, created_at=DAY, updated_at=DAY)


def save(*bookings: Booking) -> None:
    db.session.add_all(bookings)
    db.session.commit()


def refused(booking: Booking) -> bool:
    """Whether the database refuses the row; the transaction is rolled back either way."""
    db.session.add(booking)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return True
    return False


def count_active(resource) -> int:
    db.session.rollback()  # a fresh snapshot, after other connections' commits
    return len(db.session.scalars(select(Booking.id).where(
        Booking.resource_id == resource.id, Booking.status.in_(("pending", "confirmed")))).all())


def test_overlapping_bookings_of_a_single_unit_are_refused(make, people):
    room = make.resource(quantity=1)
    save(row(room, people, 9, 11))

    assert refused(row(room, people, 10, 12))
    assert refused(row(room, people, 8, 9.5, status="pending"))
    assert refused(row(room, people, 9, 11))
    assert count_active(room) == 1


def test_a_booking_inside_the_buffer_of_another_is_refused(make, people):
    van = make.resource(kind="vehicle", quantity=1, buffer_minutes=30)
    save(row(van, people, 9, 11, buffer_minutes=30))

    assert refused(row(van, people, 11.25, 12, buffer_minutes=30))  # starts 15 minutes after the end
    # and the other way round: its own buffer runs into the next booking
    assert refused(row(van, people, 7, 8.75, buffer_minutes=30))
    assert count_active(van) == 1


def test_touching_bookings_are_accepted_including_after_the_buffer(make, people):
    room = make.resource(quantity=1)
    van = make.resource(kind="vehicle", quantity=1, buffer_minutes=30)
    save(row(room, people, 9, 11), row(van, people, 9, 11, buffer_minutes=30))

    assert not refused(row(room, people, 11, 12))
    assert not refused(row(room, people, 8, 9))
    assert not refused(row(van, people, 11.5, 12, buffer_minutes=30))
    assert not refused(row(van, people, 8, 8.5, buffer_minutes=30))
    assert count_active(room) == 3
    assert count_active(van) == 3


def test_stock_exceeded_at_the_peak_is_refused(make, people):
    chairs = make.resource(kind="equipment", quantity=3)
    save(row(chairs, people, 9, 12, quantity=2))

    assert not refused(row(chairs, people, 10, 11, quantity=1))  # 3 of 3 from 10 to 11
    assert refused(row(chairs, people, 10.5, 13, quantity=1))  # 4 from 10:30 to 11
    assert refused(row(chairs, people, 8, 10, quantity=2))  # 4 from 9 to 10
    assert not refused(row(chairs, people, 11, 13, quantity=1))  # 3 from 11 to 12
    assert count_active(chairs) == 3


def test_the_peak_reached_after_the_new_start_counts(make, people):
    vans = make.resource(kind="vehicle", quantity=2)
    save(row(vans, people, 9, 11), row(vans, people, 10, 12))

    # one unit taken at 9:30, but two from 10:00, inside the new booking
    assert refused(row(vans, people, 9.5, 10.5))
    assert count_active(vans) == 2


def test_two_bookings_apart_from_each_other_may_both_overlap_a_third_within_stock(make, people):
    vans = make.resource(kind="vehicle", quantity=2)
    save(row(vans, people, 9, 10), row(vans, people, 10, 11))

    # overlaps both, but never more than one of them at a time: the peak is 2 of 2
    assert not refused(row(vans, people, 9.5, 10.5))
    assert count_active(vans) == 3


def test_cancelled_and_rejected_bookings_never_block(make, people):
    room = make.resource(quantity=1)
    chairs = make.resource(kind="equipment", quantity=2)
    save(row(room, people, 9, 11, status="cancelled"), row(room, people, 9, 11, status="rejected"),
         row(chairs, people, 9, 11, quantity=2, status="cancelled"))

    assert not refused(row(room, people, 9, 11))
    assert not refused(row(chairs, people, 9, 11, quantity=2))
    # nor are rows written as cancelled or rejected checked against the active ones
    assert not refused(row(room, people, 10, 12, status="cancelled"))
    assert not refused(row(chairs, people, 10, 12, quantity=2, status="rejected"))
    assert count_active(room) == 1
    assert count_active(chairs) == 1


def test_moving_a_booking_onto_another_is_refused(make, people):
    room = make.resource(quantity=1)
    chairs = make.resource(kind="equipment", quantity=2)
    first, second = row(room, people, 9, 10), row(room, people, 14, 15)
    stocked = row(chairs, people, 9, 10, quantity=2)
    other_stocked = row(chairs, people, 14, 15, quantity=1)
    save(first, second, stocked, other_stocked)

    for booking, start in ((second, 9.5), (other_stocked, 9)):
        with pytest.raises(IntegrityError):
            db.session.execute(update(Booking).where(Booking.id == booking.id).values(
                start_at=at(start), end_at=at(start + 1), blocked_until=at(start + 1)))
        db.session.rollback()

    assert db.session.get(Booking, second.id).start_at == at(14)
    assert db.session.get(Booking, other_stocked.id).start_at == at(14)


def test_a_booking_may_be_moved_over_its_own_old_slot(make, people):
    chairs = make.resource(kind="equipment", quantity=2)
    booking = row(chairs, people, 9, 11, quantity=2)
    save(booking)

    booking.start_at, booking.end_at, booking.blocked_until = at(10), at(12), at(12)
    db.session.commit()

    assert db.session.get(Booking, booking.id).start_at == at(10)


def test_raising_the_quantity_beyond_the_stock_left_is_refused(make, people):
    chairs = make.resource(kind="equipment", quantity=3)
    booking = row(chairs, people, 9, 11, quantity=1)
    save(booking, row(chairs, people, 10, 12, quantity=1))

    with pytest.raises(IntegrityError):
        db.session.execute(update(Booking).where(Booking.id == booking.id).values(quantity=3))
    db.session.rollback()

    assert db.session.get(Booking, booking.id).quantity == 1


def test_reactivating_a_cancelled_booking_over_a_taken_slot_is_refused(make, people):
    room = make.resource(quantity=1)
    cancelled = row(room, people, 9, 11, status="cancelled")
    save(cancelled, row(room, people, 10, 12))

    with pytest.raises(IntegrityError):
        db.session.execute(update(Booking).where(Booking.id == cancelled.id).values(status="confirmed"))
    db.session.rollback()

    assert db.session.get(Booking, cancelled.id).status == "cancelled"


def test_a_second_writer_cannot_add_to_a_stocked_resource_beside_an_uncommitted_booking(
        make, people, backend):
    chairs = make.resource(kind="equipment", quantity=2)
    table = Booking.__table__
    first, second = row(chairs, people, 9, 11, quantity=2), row(chairs, people, 10, 12, quantity=1)
    # the rows' given values; the columns' defaults fill the rest
    values = [{c.name: getattr(b, c.key) for c in table.columns if getattr(b, c.key) is not None}
              for b in (first, second)]

    with db.engine.connect() as writer, db.engine.connect() as racer:
        writer.execute(insert(table).values(values[0]))  # not committed yet
        # the racer gives up waiting at once rather than after the application's timeout
        racer.exec_driver_sql("SET lock_timeout = '200ms'" if backend == "postgresql"
                              else "PRAGMA busy_timeout = 200")
        with pytest.raises((IntegrityError, OperationalError)):
            racer.execute(insert(table).values(values[1]))
            racer.commit()
        racer.rollback()
        writer.commit()

    assert count_active(chairs) == 1


def test_a_double_booking_missed_by_the_service_is_answered_409_by_the_api(make, api, monkeypatch):
    structure = make.structure()
    user = make.user(structures=[structure])
    room = make.resource(quantity=1)
    client = api(user, language="en")
    start = next_week_at_ten()
    body = {"resource_id": room.id, "structure_id": structure.id, "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(), "title": "Meeting"}
    assert client.post("/api/v1/bookings", json=body).status_code == 201
    # a service whose stock check lets everything through: only the database stands in the way
    waved_through = []
    monkeypatch.setattr(SlotCheck, "conflict", lambda self, *slot: waved_through.append(slot))

    overlapping = {**body, "start": (start + timedelta(hours=1)).isoformat()}
    response = client.post("/api/v1/bookings", json=overlapping)

    assert waved_through, "the service's own check was not bypassed"
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    db.session.rollback()
    assert count_active(room) == 1


def next_week_at_ten() -> datetime:
    """10:00 (network time) on Monday of next week: HTTP requests run on the real clock."""
    zone = ZoneInfo(get_settings(db.session).timezone)
    today = datetime.now(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(10), tzinfo=zone)
