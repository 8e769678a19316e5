"""The booking service: rules, closures, stock, series, quotas, approvals, cancellation, vehicles."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Closure, QuotaRule
from mutualise.services import booking_actions
from mutualise.services.bookings import BookingInput, create_booking, update_booking
from mutualise.services.errors import (
    BookingConflict,
    Forbidden,
    QuotaExceeded,
    RuleViolation,
    ValidationError,
)

PARIS = ZoneInfo("Europe/Paris")
# `now` is 2026-03-03 09:00 UTC (a Tuesday); the week after starts on Monday 9 March.
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)


@pytest.fixture
def people(make):
    structure = make.structure()
    other = make.structure()
    return {
        "structure": structure,
        "other": other,
        "member": make.user(structures=[structure]),
        "manager": make.user(structures=[structure], role="manager"),
        "stranger": make.user(structures=[other]),
        "admin": make.user(is_admin=True),
    }


def book(actor, now, resource, structure, start, hours=1.0, **extra):
    result = create_booking(db.session, actor, now, BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=start,
        end=start + timedelta(hours=hours), **extra))
    db.session.commit()
    return result


def booking_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def refused(error_type, actor, now, resource, structure, start, hours=1.0, **extra):
    with pytest.raises(error_type) as caught:
        book(actor, now, resource, structure, start, hours, **extra)
    db.session.rollback()
    return caught.value


def test_booking_is_confirmed_and_stored_in_utc(make, people, now):
    room = make.resource()
    booking = book(people["member"], now, room, people["structure"], MONDAY).bookings[0]
    assert booking.status == "confirmed"
    assert booking.start_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert booking.title == people["structure"].name


def test_overlapping_booking_is_refused_with_the_conflicting_slot(make, people, now):
    room = make.resource()
    first = book(people["member"], now, room, people["structure"], MONDAY).bookings[0]
    error = refused(BookingConflict, people["stranger"], now, room, people["other"],
                    MONDAY + timedelta(minutes=30))
    conflicts = error.details["conflicts"]
    assert [(c["start"], c["end"]) for c in conflicts] == [(first.start_at, first.end_at)]
    assert "booking_id" not in conflicts[0]  # another structure's booking: its id stays hidden
    assert booking_count() == 1


def test_touching_bookings_do_not_conflict(make, people, now):
    room = make.resource()
    book(people["member"], now, room, people["structure"], MONDAY)
    book(people["member"], now, room, people["structure"], MONDAY + timedelta(hours=1))
    assert booking_count() == 2


def test_buffer_keeps_bookings_apart_whichever_comes_first(make, people, now):
    room = make.resource(buffer_minutes=30)
    book(people["member"], now, room, people["structure"], MONDAY)
    refused(BookingConflict, people["member"], now, room, people["structure"], MONDAY + timedelta(hours=1))
    refused(BookingConflict, people["member"], now, room, people["structure"], MONDAY - timedelta(hours=1))
    book(people["member"], now, room, people["structure"], MONDAY + timedelta(hours=1, minutes=30))
    assert booking_count() == 2


def test_stock_is_counted_over_the_whole_interval(make, people, now):
    tables = make.resource(kind="equipment", quantity=20)
    book(people["member"], now, tables, people["structure"], MONDAY, quantity=15)
    book(people["member"], now, tables, people["structure"], MONDAY + timedelta(hours=1), quantity=15)
    # 5 more over both hours fits (peak 20), 6 does not
    book(people["member"], now, tables, people["structure"], MONDAY, hours=2, quantity=5)
    refused(BookingConflict, people["member"], now, tables, people["structure"], MONDAY, hours=2, quantity=1)
    assert booking_count() == 3


@pytest.mark.parametrize(("overrides", "start", "hours", "rule"), [
    ({}, datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), 1, "past"),
    ({"min_notice_minutes": 48 * 60}, datetime(2026, 3, 4, 10, 0, tzinfo=PARIS), 1, "min_notice"),
    ({"max_advance_days": 30}, datetime(2026, 5, 4, 10, 0, tzinfo=PARIS), 1, "max_advance"),
    ({"min_duration_minutes": 120}, MONDAY, 1, "min_duration"),
    ({"max_duration_minutes": 60}, MONDAY, 2, "max_duration"),
    ({"step_minutes": 30}, MONDAY + timedelta(minutes=15), 1, "step"),
    ({"opening_hours": {"mon": [["08:00", "10:30"]]}}, MONDAY, 1, "opening_hours"),
])
def test_each_rule_refuses_with_its_name(make, people, now, overrides, start, hours, rule):
    room = make.resource(**overrides)
    error = refused(RuleViolation, people["member"], now, room, people["structure"], start, hours)
    assert error.details["rule"] == rule
    assert booking_count() == 0


def test_closure_refuses_the_slot(make, people, now):
    room = make.resource()
    db.session.add(Closure(resource_id=None, start_at=MONDAY - timedelta(hours=2),
                           end_at=MONDAY + timedelta(hours=8), reason="Inventaire", created_at=now))
    db.session.commit()
    error = refused(BookingConflict, people["member"], now, room, people["structure"], MONDAY)
    assert error.details["conflicts"][0]["closure"] == "Inventaire"


def test_bad_input_is_reported_field_by_field_and_writes_nothing(make, people, now):
    room = make.resource()
    with pytest.raises(ValidationError) as caught:
        create_booking(db.session, people["member"], now, BookingInput(
            resource_id=room.id, structure_id=999_999, start=MONDAY.replace(tzinfo=None),
            end=MONDAY - timedelta(hours=1), quantity=0))
    assert set(caught.value.fields) == {"structure_id", "start", "quantity"}
    with pytest.raises(ValidationError) as caught:
        create_booking(db.session, people["member"], now, BookingInput(
            resource_id=room.id, structure_id=people["structure"].id, start=MONDAY,
            end=MONDAY - timedelta(hours=1)))
    assert set(caught.value.fields) == {"end"}
    db.session.rollback()
    assert booking_count() == 0


def test_booking_for_a_structure_one_does_not_belong_to_is_forbidden(make, people, now):
    room = make.resource()
    # network readers see every structure, so they are told they may not book for it
    treasurer = make.user(is_treasurer=True, structures=[people["other"]])
    refused(Forbidden, treasurer, now, room, people["structure"], MONDAY)
    # others do not even learn that it exists
    error = refused(ValidationError, people["stranger"], now, room, people["structure"], MONDAY)
    assert "structure_id" in error.fields
    assert booking_count() == 0


def test_weekly_series_keeps_local_time_across_dst(make, people, now):
    room = make.resource()
    start = datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)
    result = book(people["member"], now, room, people["structure"], start, rrule="FREQ=WEEKLY;COUNT=35")
    assert len(result.bookings) == 35 and result.series is not None
    for booking in result.bookings:
        local = booking.start_at.astimezone(PARIS)
        assert (local.hour, local.minute) == (10, 0)
        assert booking.end_at - booking.start_at == timedelta(hours=1)
    utc_hours = {b.start_at.date().isoformat(): b.start_at.hour for b in result.bookings}
    assert utc_hours["2026-03-23"] == 9 and utc_hours["2026-03-30"] == 8
    assert utc_hours["2026-10-19"] == 8 and utc_hours["2026-10-26"] == 9


def test_series_fails_as_a_whole_or_skips_the_taken_dates(make, people, now):
    room = make.resource()
    taken = book(people["stranger"], now, room, people["other"], MONDAY + timedelta(weeks=2)).bookings[0]
    error = refused(BookingConflict, people["member"], now, room, people["structure"], MONDAY,
                    rrule="FREQ=WEEKLY;COUNT=4")
    assert error.details["occurrence"]["start"] == taken.start_at
    assert booking_count() == 1
    result = book(people["member"], now, room, people["structure"], MONDAY, rrule="FREQ=WEEKLY;COUNT=4",
                  on_conflict="skip")
    assert len(result.bookings) == 3
    assert [(s["start"], s["reason"]) for s in result.skipped] == [(taken.start_at, "conflict")]


@pytest.mark.parametrize("rrule", ["FREQ=DAILY;COUNT=100000", "FREQ=WEEKLY", "FREQ=HOURLY;COUNT=3",
                                   "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31;COUNT=3", "nonsense"])
def test_impossible_or_enormous_series_is_refused(make, people, now, rrule):
    error = refused(ValidationError, people["member"], now, make.resource(), people["structure"], MONDAY,
                    rrule=rrule)
    assert "recurrence" in error.fields
    assert booking_count() == 0


def hours_per_week(structure, limit, **extra):
    rule = QuotaRule(structure_id=structure.id if structure else None, unit="hours", window="week",
                     limit=limit, created_at=datetime(2026, 1, 1, tzinfo=UTC), **extra)
    db.session.add(rule)
    db.session.commit()
    return rule


def test_quota_is_shared_by_the_structure_across_its_people(make, people, now):
    hours_per_week(people["structure"], 3)
    rooms = [make.resource(), make.resource()]
    book(people["member"], now, rooms[0], people["structure"], MONDAY, hours=2)
    error = refused(QuotaExceeded, people["manager"], now, rooms[1], people["structure"], MONDAY, hours=2)
    assert error.details["used"] == 2 and error.details["limit"] == 3 and error.details["requested"] == 2
    assert error.details["window"]["start"] == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    # another structure is not affected by this structure's rule
    book(people["stranger"], now, rooms[1], people["other"], MONDAY, hours=2)


def test_rule_for_every_structure_counts_each_on_its_own(make, people, now):
    hours_per_week(None, 2)
    room = make.resource()
    book(people["member"], now, room, people["structure"], MONDAY, hours=2)
    book(people["stranger"], now, room, people["other"], MONDAY + timedelta(hours=2), hours=2)
    refused(QuotaExceeded, people["member"], now, room, people["structure"], MONDAY + timedelta(days=1))


def test_booking_across_a_window_edge_counts_only_its_part_inside(make, people, now):
    hours_per_week(people["structure"], 10)
    van = make.resource(kind="vehicle", step_minutes=60)
    sunday_evening = datetime(2026, 3, 15, 20, 0, tzinfo=PARIS)
    # 4 h on Sunday (week of 9 March) + 6 h on Monday (week of 16 March)
    book(people["member"], now, van, people["structure"], sunday_evening, hours=10)
    book(people["member"], now, van, people["structure"], datetime(2026, 3, 10, 10, 0, tzinfo=PARIS), hours=6)
    error = refused(QuotaExceeded, people["member"], now, van, people["structure"],
                    datetime(2026, 3, 11, 10, 0, tzinfo=PARIS), hours=1)
    assert error.details["used"] == 10


def test_series_is_checked_as_a_whole_against_the_quota(make, people, now):
    db.session.add(QuotaRule(structure_id=people["structure"].id, unit="bookings", window="month", limit=3,
                             created_at=now))
    db.session.commit()
    room = make.resource()
    refused(QuotaExceeded, people["member"], now, room, people["structure"], MONDAY,
            rrule="FREQ=DAILY;COUNT=4")
    result = book(people["member"], now, room, people["structure"], MONDAY, rrule="FREQ=DAILY;COUNT=4",
                  on_conflict="skip")
    assert len(result.bookings) == 3 and result.skipped[0]["reason"] == "quota"


def test_cap_on_open_future_bookings(make, people, now):
    db.session.add(QuotaRule(structure_id=people["structure"].id, unit="bookings", window="week",
                             max_open_future=2, created_at=now))
    db.session.commit()
    room = make.resource()
    book(people["member"], now, room, people["structure"], MONDAY)
    book(people["member"], now, room, people["structure"], MONDAY + timedelta(days=10))
    refused(QuotaExceeded, people["member"], now, room, people["structure"], MONDAY + timedelta(days=20))


def test_admin_override_of_a_quota_is_recorded_and_others_cannot_override(make, people, now):
    hours_per_week(people["structure"], 1)
    room = make.resource()
    error = refused(ValidationError, people["member"], now, room, people["structure"], MONDAY, hours=2,
                    override_quota=True, override_reason="AG")
    assert "override_quota" in error.fields
    booking = book(people["admin"], now, room, people["structure"], MONDAY, hours=2, override_quota=True,
                   override_reason="Assemblée générale").bookings[0]
    assert booking.quota_override_by_id == people["admin"].id
    assert booking.quota_override_reason == "Assemblée générale"


def test_pending_booking_holds_its_slot_until_rejected(make, people, now):
    referent = make.user()
    room = make.resource(requires_approval=True, referents=[referent])
    pending = book(people["member"], now, room, people["structure"], MONDAY).bookings[0]
    assert pending.status == "pending"
    refused(BookingConflict, people["stranger"], now, room, people["other"], MONDAY)
    with pytest.raises(Forbidden):
        booking_actions.reject_booking(db.session, people["member"], now, pending.id)
    booking_actions.reject_booking(db.session, referent, now, pending.id, reason="Travaux")
    db.session.commit()
    assert book(people["stranger"], now, room, people["other"], MONDAY).bookings[0].status == "pending"


def test_referent_approves_a_pending_booking(make, people, now):
    referent = make.user()
    room = make.resource(requires_approval=True, referents=[referent])
    pending = book(people["member"], now, room, people["structure"], MONDAY).bookings[0]
    assert [b.id for b in booking_actions.pending_approvals(db.session, referent, now)] == [pending.id]
    booking_actions.approve_booking(db.session, referent, now, pending.id)
    db.session.commit()
    assert pending.status == "confirmed" and pending.decided_by_id == referent.id


def test_moving_a_booking_rechecks_it_without_conflicting_with_itself(make, people, now):
    room = make.resource()
    booking = book(people["member"], now, room, people["structure"], MONDAY, hours=2).bookings[0]
    other = book(people["member"], now, room, people["structure"], MONDAY + timedelta(hours=3)).bookings[0]
    update_booking(db.session, people["member"], now, booking.id,
                   BookingInput(start=MONDAY + timedelta(hours=1), end=MONDAY + timedelta(hours=3)))
    db.session.commit()
    assert booking.sequence == 1
    with pytest.raises(BookingConflict):
        update_booking(db.session, people["member"], now, booking.id,
                       BookingInput(end=other.end_at))
    db.session.rollback()
    with pytest.raises(Forbidden):  # a treasurer sees every booking but does not move them
        update_booking(db.session, make.user(is_treasurer=True), now, booking.id, BookingInput(title="x"))


def test_cancellation_after_the_deadline_is_marked_late(make, people, now):
    room = make.resource(cancel_deadline_minutes=48 * 60)
    early = book(people["member"], now, room, people["structure"], MONDAY + timedelta(days=7)).bookings[0]
    late = book(people["member"], now, room, people["structure"], datetime(2026, 3, 4, 10, 0, tzinfo=PARIS))
    booking_actions.cancel_booking(db.session, people["manager"], now, early.id)
    booking_actions.cancel_booking(db.session, people["member"], now, late.bookings[0].id, reason="Grève")
    db.session.commit()
    assert (early.status, early.cancelled_late) == ("cancelled", False)
    assert (late.bookings[0].cancelled_late, late.bookings[0].reason) == (True, "Grève")


def test_cancel_this_following_or_all_occurrences(make, people, now):
    room = make.resource()
    series = book(people["member"], now, room, people["structure"], MONDAY, rrule="FREQ=WEEKLY;COUNT=5")
    ids = [b.id for b in series.bookings]
    assert len(booking_actions.cancel_booking(db.session, people["member"], now, ids[1])) == 1
    assert len(booking_actions.cancel_booking(db.session, people["member"], now, ids[3],
                                              scope="following")) == 2
    assert len(booking_actions.cancel_booking(db.session, people["member"], now, ids[0], scope="all")) == 2
    db.session.commit()
    assert {b.status for b in series.bookings} == {"cancelled"}
    with pytest.raises(Forbidden):
        booking_actions.cancel_booking(db.session, make.user(is_auditor=True), now, ids[0])


def test_vehicle_check_out_and_in_with_odometer(make, people, now):
    van = make.resource(kind="vehicle")
    first = book(people["member"], now, van, people["structure"], MONDAY).bookings[0]
    second = book(people["member"], now, van, people["structure"], MONDAY + timedelta(days=1)).bookings[0]
    booking_actions.check_out(db.session, people["member"], now, first.id, 12_000)
    booking_actions.check_in(db.session, people["member"], now, first.id, 12_085)
    db.session.commit()
    assert first.distance_km == 85
    with pytest.raises(ValidationError) as caught:
        booking_actions.check_out(db.session, people["member"], now, second.id, 12_050)
    assert "12085" in str(caught.value.fields["odometer"]).replace("\u202f", "").replace(" ", "")
    db.session.rollback()
    assert second.odometer_out is None


def test_vehicle_never_checked_out_becomes_a_no_show(make, people, now):
    van = make.resource(kind="vehicle")
    booking = book(people["member"], now, van, people["structure"], MONDAY).bookings[0]
    assert booking_actions.mark_no_shows(db.session, MONDAY + timedelta(hours=2)) == 1
    assert booking_actions.mark_no_shows(db.session, MONDAY + timedelta(hours=2)) == 0
    db.session.commit()
    db.session.refresh(booking)
    assert booking.no_show
