"""Usage of ended bookings priced from the resource's tariff into the journal (issue 4, item 1): rounding
to the tariff's step, a daily cap per local day, kilometres, fees, free bookings; once per booking."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, BookingUsage, JournalEntry, JournalLine, NetworkSettings, Period
from mutualise.services.usage_pricing import price_ended_bookings

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def english(app):
    """Labels in English: the French wording comes from the catalogue, maintained apart."""
    db.session.add(NetworkSettings(id=1, default_locale="en"))
    db.session.commit()


@pytest.fixture
def coop(make):
    structure = make.structure(name="Coop Lilas")
    return structure, make.user(structures=[structure])


def book(resource, people, start: datetime, end: datetime, **overrides) -> Booking:
    structure, user = people
    values = {"resource_id": resource.id, "structure_id": structure.id, "user_id": user.id,
              "title": "Réunion", "start_at": start, "end_at": end, "blocked_until": end,
              "status": "confirmed", "created_at": start - timedelta(days=7),
              "updated_at": start - timedelta(days=7)}
    booking = Booking(**{**values, **overrides})
    db.session.add(booking)
    db.session.commit()
    return booking


def usage(booking) -> BookingUsage:
    return db.session.get(BookingUsage, booking.id)


def line_of(booking) -> JournalLine:
    return db.session.scalar(select(JournalLine).where(JournalLine.booking_id == booking.id))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_hours_are_rounded_up_to_the_step_and_the_line_explains_the_price(make, coop, now, english):
    room = make.resource(name="Salle Jaurès", hourly_cents=1200, tariff_step_minutes=30,
                         booking_fee_cents=200)
    booking = book(room, coop, paris(2, 10), paris(2, 12, 10))  # 2 h 10 -> 2 h 30

    assert price_ended_bookings(db.session, now) == 1
    db.session.commit()

    assert usage(booking).amount_cents == 3000 + 200
    line = line_of(booking)
    assert (line.account, line.structure_id, line.category, line.debit_cents) == ("411000", coop[0].id,
                                                                                  "usage", 3200)
    assert line.label == ("Salle Jaurès, 3/2 10:00\u202fAM–12:10\u202fPM: "
                          "2 h 30 × €12.00/h = €30.00 + booking fee €2.00")
    entry = db.session.get(JournalEntry, line.entry_id)
    assert (entry.kind, entry.number, entry.period.month, usage(booking).entry_id) == ("usage", 1, "2026-03",
                                                                                       entry.id)
    assert [(x.account, x.debit_cents, x.credit_cents) for x in entry.lines] == [
        ("411000", 3200, 0), ("706000", 0, 3200)]


def test_labels_are_written_in_the_networks_language(make, coop):
    room = make.resource(name="Salle Jaurès", hourly_cents=1200, tariff_step_minutes=30,
                         booking_fee_cents=200)
    booking = book(room, coop, paris(12, 10), paris(12, 12, 30))

    price_ended_bookings(db.session, datetime(2026, 3, 13, tzinfo=UTC))

    assert line_of(booking).label == ("Salle Jaurès, 12/03 10:00–12:30 : 2 h 30 × 12,00\xa0€/h = 30,00\xa0€ "
                                      "+ frais de réservation 2,00\xa0€")


def test_the_daily_cap_applies_to_each_local_day(make, coop, now, english):
    van = make.resource(kind="vehicle", name="Kangoo", hourly_cents=1000, tariff_step_minutes=60,
                        daily_cap_cents=5000)
    # 21:00 to 09:00 in Paris: 3 h on the first local day, 9 h capped on the second (in UTC: 4 h and 8 h)
    booking = book(van, coop, paris(1, 21, month=2), paris(2, 9, month=2))

    price_ended_bookings(db.session, now)

    assert usage(booking).amount_cents == 3000 + 5000
    assert line_of(booking).label.endswith("12 h × €10.00/h = €80.00 (daily cap €50.00 on 1 day)")
    assert db.session.get(JournalEntry, line_of(booking).entry_id).period.month == "2026-02"


def test_kilometres_between_the_odometer_readings_are_charged(make, coop, now, english):
    van = make.resource(kind="vehicle", name="Kangoo", per_km_cents=30)
    booking = book(van, coop, paris(2, 8), paris(2, 18), odometer_out=12_000, odometer_in=12_120,
                   checked_out_at=paris(2, 8), checked_in_at=paris(2, 18))

    price_ended_bookings(db.session, now)

    assert usage(booking).amount_cents == 120 * 30
    assert line_of(booking).label.endswith(": 120 km × €0.30/km = €36.00")


def test_several_units_multiply_the_time(make, coop, now, english):
    chairs = make.resource(kind="equipment", name="Chaises", quantity=50, hourly_cents=50)
    booking = book(chairs, coop, paris(2, 14), paris(2, 16), quantity=20, exclusive=False)

    price_ended_bookings(db.session, now)

    assert usage(booking).amount_cents == 2 * 50 * 20
    assert line_of(booking).label.endswith("2 h × €0.50/h × 20 units = €20.00")


def test_a_late_cancellation_pays_only_its_fee_and_one_in_time_nothing(make, coop, now, english):
    room = make.resource(hourly_cents=1200, booking_fee_cents=200, late_cancel_fee_cents=1500)
    late = book(room, coop, paris(2, 10), paris(2, 12), status="cancelled", cancelled_late=True)
    in_time = book(room, coop, paris(2, 14), paris(2, 16), status="cancelled")

    assert price_ended_bookings(db.session, now) == 2

    assert usage(late).amount_cents == 1500
    assert line_of(late).label.endswith(": late cancellation fee €15.00")
    assert (usage(in_time).amount_cents, usage(in_time).entry_id, line_of(in_time)) == (0, None, None)


def test_free_bookings_are_recorded_at_zero_without_any_entry(make, coop, now):
    priced_room = make.resource(hourly_cents=1200)
    free_room = make.resource()
    bookings = [book(priced_room, coop, paris(2, 8), paris(2, 9), status="pending"),
                book(priced_room, coop, paris(2, 10), paris(2, 11), status="rejected"),
                book(priced_room, coop, paris(2, 12), paris(2, 13), status="cancelled"),
                book(free_room, coop, paris(2, 14), paris(2, 15))]

    assert price_ended_bookings(db.session, now) == 4

    assert [(usage(b).amount_cents, usage(b).entry_id) for b in bookings] == [(0, None)] * 4
    assert count(JournalEntry) == count(JournalLine) == 0


def test_a_second_run_prices_nothing_and_posts_nothing(make, coop, now):
    room = make.resource(hourly_cents=1200)
    book(room, coop, paris(2, 10), paris(2, 12))
    assert price_ended_bookings(db.session, now) == 1
    db.session.commit()

    assert price_ended_bookings(db.session, now + timedelta(hours=1)) == 0
    db.session.commit()
    assert (count(JournalEntry), count(JournalLine), count(BookingUsage)) == (1, 2, 1)


def test_one_entry_per_structure_and_period_with_a_line_per_booking(make, coop, now):
    other = make.structure()
    other_people = (other, make.user(structures=[other]))
    room = make.resource(hourly_cents=1000)
    mine = [book(room, coop, paris(2, 8), paris(2, 9)), book(room, coop, paris(2, 10), paris(2, 12))]
    theirs = book(room, other_people, paris(2, 14), paris(2, 15))
    february = book(room, coop, paris(27, 10, month=2), paris(27, 11, month=2))

    assert price_ended_bookings(db.session, now) == 4

    entries = db.session.scalars(select(JournalEntry).order_by(JournalEntry.number)).all()
    assert [(e.period.month, [line.booking_id for line in e.lines]) for e in entries] == [
        ("2026-02", [february.id, None]),
        ("2026-03", [mine[0].id, mine[1].id, None]),
        ("2026-03", [theirs.id, None])]
    assert [e.lines[-1].credit_cents for e in entries] == [1000, 3000, 1000]


def test_a_booking_ending_at_midnight_belongs_to_the_month_it_ran_in(make, coop, now):
    room = make.resource(hourly_cents=1000)
    booking = book(room, coop, paris(28, 22, month=2), paris(1, 0))

    price_ended_bookings(db.session, now)

    assert db.session.get(Period, usage(booking).period_id).month == "2026-02"


def test_bookings_not_ended_or_ended_after_the_limit_wait(make, coop, now):
    room = make.resource(hourly_cents=1000)
    running = book(room, coop, now - timedelta(hours=1), now + timedelta(hours=1))
    earlier = book(room, coop, paris(1, 8), paris(1, 9))
    later = book(room, coop, paris(2, 8), paris(2, 9))

    assert price_ended_bookings(db.session, now, ended_before=paris(2, 0)) == 1

    assert usage(earlier) is not None
    assert usage(later) is None and usage(running) is None


def test_a_vehicle_still_out_waits_for_its_check_in_until_its_period_closes(make, coop, now):
    van = make.resource(kind="vehicle", per_km_cents=30)
    out = book(van, coop, paris(2, 8), paris(2, 18), odometer_out=500, checked_out_at=paris(2, 8))

    assert price_ended_bookings(db.session, now) == 0
    out.odometer_in, out.checked_in_at = 600, paris(2, 19)
    db.session.commit()
    assert price_ended_bookings(db.session, now) == 1
    assert usage(out).amount_cents == 3000

    never_back = book(van, coop, paris(2, 20), paris(2, 21), odometer_out=600, checked_out_at=paris(2, 20))
    assert price_ended_bookings(db.session, now, ended_before=paris(3, 0)) == 1
    assert usage(never_back).amount_cents == 0


def test_a_booking_of_a_closed_period_goes_into_todays_period_citing_it(make, coop, now, english):
    db.session.add(Period(month="2026-02", status="closed", closed_at=now))
    db.session.commit()
    room = make.resource(name="Salle", hourly_cents=1000)
    booking = book(room, coop, paris(20, 10, month=2), paris(20, 11, month=2))

    price_ended_bookings(db.session, now)

    entry = db.session.get(JournalEntry, line_of(booking).entry_id)
    assert (entry.period.month, entry.date.isoformat()) == ("2026-03", "2026-03-03")
    assert db.session.get(Period, usage(booking).period_id).month == "2026-03"
    assert line_of(booking).label.startswith(f"Booking #{booking.id}, period 2026-02 closed: Salle, 2/20 ")


def test_tick_prices_ended_bookings_once(app, make, coop):
    room = make.resource(hourly_cents=1000)
    # 10:00-12:00 two days ago on the network's clock: ended, and within one local day whatever the hour
    start = datetime.combine(datetime.now(PARIS).date() - timedelta(days=2), time(10), PARIS)
    book(room, coop, start, start + timedelta(hours=2))

    first = app.test_cli_runner().invoke(args=["tick"])
    assert first.exit_code == 0, first.output
    assert "1 ended booking(s) priced" in first.output
    second = app.test_cli_runner().invoke(args=["tick"])
    assert "0 ended booking(s) priced" in second.output
    assert (count(BookingUsage), count(JournalEntry)) == (1, 1)
    assert db.session.scalar(select(BookingUsage.amount_cents)) == 2000
