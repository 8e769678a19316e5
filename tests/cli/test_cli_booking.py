"""`booking create` goes through the booking service; `tick` does the periodic work once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Closure, NetworkSettings

PARIS = ZoneInfo("Europe/Paris")


def _next_monday() -> datetime:
    today = datetime.now(PARIS).date()
    return datetime.combine(today + timedelta(days=7 + 7 - today.weekday()), datetime.min.time(), PARIS)


def _bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_booking_create_books_a_weekly_series_in_local_time(app, make):
    structure = make.structure()
    member = make.user(structures=[structure])
    room = make.resource()
    start = _next_monday().replace(hour=10)
    result = app.test_cli_runner().invoke(args=[
        "booking", "create", member.email, "--resource", str(room.id), "--structure", str(structure.id),
        "--start", start.strftime("%Y-%m-%dT%H:%M"), "--end", start.strftime("%Y-%m-%dT11:%M"),
        "--rrule", "FREQ=WEEKLY;COUNT=3", "--title", "Permanence"])
    assert result.exit_code == 0, result.output
    assert result.output.count("confirmed") == 3
    hours = {b.start_at.astimezone(PARIS).hour for b in db.session.scalars(select(Booking))}
    assert hours == {10}


def test_booking_create_meets_the_same_rules_and_writes_nothing_when_refused(app, make):
    structure = make.structure()
    member = make.user(structures=[structure])
    room = make.resource(step_minutes=60)
    start = _next_monday().replace(hour=10, minute=30)
    result = app.test_cli_runner().invoke(args=[
        "booking", "create", member.email, "--resource", str(room.id), "--structure", str(structure.id),
        "--start", start.isoformat(), "--end", (start + timedelta(hours=1)).isoformat()])
    assert result.exit_code != 0
    assert "60" in result.output
    assert _bookings() == 0


def test_tick_marks_no_shows_and_creates_holidays_once(app, make):
    db.session.add(NetworkSettings(id=1, public_holidays="france"))
    structure = make.structure()
    member = make.user(structures=[structure])
    van = make.resource(kind="vehicle")
    start = datetime.now(UTC) - timedelta(days=2)
    end = start + timedelta(hours=2)
    db.session.add(Booking(resource_id=van.id, structure_id=structure.id, user_id=member.id, title="Tournée",
                           start_at=start, end_at=end, blocked_until=end, created_at=start, updated_at=start))
    db.session.commit()
    first = app.test_cli_runner().invoke(args=["tick"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 no-show(s) marked, 22 holiday closure(s)")
    second = app.test_cli_runner().invoke(args=["tick"])
    assert second.output.startswith("0 no-show(s) marked, 0 holiday closure(s)")
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 22
    assert db.session.scalar(select(Booking.no_show))
