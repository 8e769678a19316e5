"""Usage weights read by the database (services/key_weights): what the sum counts at the edges of the
dates covered, now that it reads bookings through their end of held time (migration 0006)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mutualise.extensions import db
from mutualise.models import AllocationKey, AllocationKeyVersion, AllocationWeight, Booking
from mutualise.services.key_weights import key_weights

PARIS = ZoneInfo("Europe/Paris")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def hours_key(make):
    """An hours-used key of every resource, two participants."""
    a, b = make.structure(name="Atelier"), make.structure(name="Bascule")
    key = AllocationKey(name="Heures", method="usage_hours", created_at=NOW)
    db.session.add(key)
    db.session.flush()
    version = AllocationKeyVersion(key_id=key.id, number=1, valid_from=date(2026, 1, 1), created_at=NOW)
    db.session.add(version)
    db.session.flush()
    db.session.add_all([AllocationWeight(version_id=version.id, structure_id=s.id, weight=1) for s in (a, b)])
    db.session.commit()
    return version, a, b


def book(make, structure, start: datetime, end: datetime, *, buffer: timedelta = timedelta(0)) -> None:
    resource = make.resource()
    db.session.add(Booking(resource_id=resource.id, structure_id=structure.id, user_id=make.user().id,
                           title="Réunion", quantity=1, start_at=start, end_at=end,
                           blocked_until=end + buffer, exclusive=True, status="confirmed", created_at=NOW,
                           updated_at=NOW))
    db.session.commit()


def test_a_booking_whose_buffer_alone_reaches_the_dates_counts_nothing(make, hours_key):
    version, a, b = hours_key
    # ends at midnight on March 1st (Paris), its one-hour buffer runs into March
    book(make, a, datetime(2026, 2, 28, 22, tzinfo=PARIS), datetime(2026, 3, 1, 0, tzinfo=PARIS),
         buffer=timedelta(hours=1))
    book(make, b, datetime(2026, 2, 10, 9, tzinfo=PARIS), datetime(2026, 2, 10, 12, tzinfo=PARIS))
    book(make, b, datetime(2026, 3, 10, 9, tzinfo=PARIS), datetime(2026, 3, 10, 10, tzinfo=PARIS))
    assert key_weights(db.session, version, *MARCH, PARIS) == {a.id: 0, b.id: 60}


def test_usage_counts_whole_minutes_of_each_booking(make, hours_key):
    version, a, b = hours_key
    start = datetime(2026, 3, 10, 9, tzinfo=PARIS)
    # each booking counts its whole minutes, on both databases (summing fractions of minutes first
    # would give 93 here)
    book(make, a, start, start + timedelta(minutes=1, seconds=59))
    book(make, a, start, start + timedelta(minutes=1, seconds=59))
    book(make, a, start, start + timedelta(minutes=90))
    book(make, b, start, start + timedelta(seconds=59))
    assert key_weights(db.session, version, *MARCH, PARIS) == {a.id: 92, b.id: 0}
