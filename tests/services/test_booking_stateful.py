"""Random sequences of bookings, cancellations, moves and quota changes never break invariants 1 and 2.

A Hypothesis state machine drives the services directly (fixed clock, one commit per successful step,
rollback on refusal) on both backends. After every step the database rows are checked with plain Python,
independent of the services: no resource is ever loaded beyond its stock over [start, blocked_until),
and no structure uses more of its daily hours than its quota allows, unless the quota was lowered after
the bookings were made. Each service answer is also checked against an oracle computed from the rows:
a refusal must have its reason, and an acceptance must have none.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from mutualise.extensions import db
from mutualise.models import Booking, QuotaRule, Series
from mutualise.services.booking_actions import cancel_booking
from mutualise.services.bookings import BookingInput, create_booking, update_booking
from mutualise.services.errors import BookingConflict, QuotaExceeded, RuleViolation, ValidationError
from mutualise.services.quota_rules import QuotaRuleInput, create_quota_rule, update_quota_rule
from mutualise.services.settings import get_settings

STEP = timedelta(minutes=15)
SLOTS_IN_A_WEEK = 7 * 24 * 4
INITIAL_LIMIT_HOURS = 3
# Starts anywhere in the week, or often within the first two hours, where bookings meet and quotas fill.
OFFSETS = st.one_of(st.integers(0, 8), st.integers(0, SLOTS_IN_A_WEEK - 1))
DURATIONS = st.integers(1, 16)
REFUSALS = (ValidationError, RuleViolation, BookingConflict, QuotaExceeded)
ACTIVE = ("pending", "confirmed")


@dataclass(frozen=True)
class Row:
    id: int
    resource_id: int
    structure_id: int
    quantity: int
    start: datetime
    end: datetime
    blocked_until: datetime


def active_rows() -> list[Row]:
    query = select(Booking.id, Booking.resource_id, Booking.structure_id, Booking.quantity, Booking.start_at,
                   Booking.end_at, Booking.blocked_until).where(Booking.status.in_(ACTIVE))
    return [Row(*values) for values in db.session.execute(query)]


def peak(rows: list[Row], start: datetime, end: datetime) -> int:
    """Highest number of units the rows hold at once within [start, end), over [start, blocked_until).

    The load only rises where a row starts, so the instants to look at are `start` and the later starts.
    """
    instants = {start} | {r.start for r in rows if start < r.start < end}
    return max((sum(r.quantity for r in rows if r.start <= t < r.blocked_until) for t in instants), default=0)


def minutes_inside(start: datetime, end: datetime, window: tuple[datetime, datetime]) -> int:
    inside = min(end, window[1]) - max(start, window[0])
    return max(inside // timedelta(minutes=1), 0)


class BookingMachine(RuleBasedStateMachine):
    """Two resources (one unit with a 15-minute buffer; three units), two structures each with a daily
    quota in hours (every resource), one person belonging to both, an admin changing the quotas."""

    def __init__(self, world: dict):
        super().__init__()
        self.w = world
        self.now: datetime = self.w["now"]
        self.tz: ZoneInfo = self.w["tz"]
        self.first_start = self.now + timedelta(hours=1)
        self.limits = {s.id: INITIAL_LIMIT_HOURS for s in self.w["structures"]}
        self.reset_database()
        self.known_ids: list[int] = []  # every booking made, active or not
        self.active_ids: set[int] = set()
        # windows already above a lowered limit: window -> minutes used when the limit was lowered
        self.grandfathered: dict[int, dict[tuple[datetime, datetime], int]] = {s: {} for s in self.limits}

    def reset_database(self) -> None:
        db.session.rollback()
        db.session.execute(delete(Booking))
        db.session.execute(delete(Series))
        for structure_id, rule_id in self.w["rules"].items():
            db.session.get(QuotaRule, rule_id).limit = self.limits[structure_id]
        db.session.commit()

    def teardown(self):
        self.reset_database()

    # Oracles, from the rows only

    def day_windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The local days (as UTC bounds) that [start, end) touches."""
        first = start.astimezone(self.tz).date()
        last = (end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return [self.day_bounds(first + timedelta(days=n)) for n in range((last - first).days + 1)]

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        def midnight(d: date) -> datetime:
            return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

        return midnight(day), midnight(day + timedelta(days=1))

    def touched(self, rows: list[Row], structure_id: int) -> set[tuple[datetime, datetime]]:
        """The local days in which the structure has some booking."""
        return {w for r in rows if r.structure_id == structure_id for w in self.day_windows(r.start, r.end)}

    def used(self, rows: list[Row], structure_id: int, window) -> int:
        return sum(minutes_inside(r.start, r.end, window) for r in rows if r.structure_id == structure_id)

    def expected_outcome(self, resource, structure_id: int, start: datetime, end: datetime, quantity: int,
                         moving: int | None = None):
        """What the service must answer: None (accepted) or the refusal's class."""
        if quantity > resource.quantity:
            return ValidationError
        rows = [r for r in active_rows() if r.id != moving]
        blocked_until = end + timedelta(minutes=resource.buffer_minutes)
        same_resource = [r for r in rows if r.resource_id == resource.id]
        if peak(same_resource, start, blocked_until) + quantity > resource.quantity:
            return BookingConflict
        for window in self.day_windows(start, end):
            asked = minutes_inside(start, end, window)
            if asked and self.used(rows, structure_id, window) + asked > self.limits[structure_id] * 60:
                return QuotaExceeded
        return None

    def slot(self, offset: int, duration: int) -> tuple[datetime, datetime]:
        start = self.first_start + offset * STEP
        return start, start + duration * STEP

    def attempt(self, expected, action):
        """Run a service call; commit what it made, roll back a refusal; the answer must be the oracle's."""
        try:
            result = action()
        except REFUSALS as refusal:
            db.session.rollback()
            assert expected is not None and isinstance(refusal, expected), (expected, refusal.details)
            return None
        db.session.commit()
        assert expected is None, f"accepted although {expected.__name__} was due"
        return result

    # Steps

    @rule(resource=st.integers(0, 1), structure=st.integers(0, 1), offset=OFFSETS, duration=DURATIONS,
          quantity=st.sampled_from([1, 1, 1, 1, 2, 3]))
    def book(self, resource, structure, offset, duration, quantity):
        resource, structure = self.w["resources"][resource], self.w["structures"][structure]
        start, end = self.slot(offset, duration)
        expected = self.expected_outcome(resource, structure.id, start, end, quantity)
        result = self.attempt(expected, lambda: create_booking(
            db.session, self.w["booker"], self.now,
            BookingInput(resource_id=resource.id, structure_id=structure.id, start=start, end=end,
                         quantity=quantity)))
        if result is not None:
            ids = [b.id for b in result.bookings]
            self.known_ids += ids
            self.active_ids.update(ids)

    @precondition(lambda self: self.active_ids)
    @rule(pick=st.integers(min_value=0))
    def cancel(self, pick):
        booking_id = sorted(self.active_ids)[pick % len(self.active_ids)]
        self.attempt(None, lambda: cancel_booking(db.session, self.w["booker"], self.now, booking_id))
        self.active_ids.discard(booking_id)

    @precondition(lambda self: self.active_ids)
    @rule(pick=st.integers(min_value=0), offset=OFFSETS, duration=DURATIONS)
    def move(self, pick, offset, duration):
        booking_id = sorted(self.active_ids)[pick % len(self.active_ids)]
        booking = db.session.get(Booking, booking_id)
        start, end = self.slot(offset, duration)
        if (start, end) == (booking.start_at, booking.end_at):
            expected = None  # nothing moves, nothing is checked again
        else:
            expected = self.expected_outcome(booking.resource, booking.structure_id, start, end,
                                             booking.quantity, moving=booking_id)
        self.attempt(expected, lambda: update_booking(db.session, self.w["booker"], self.now, booking_id,
                                                      BookingInput(start=start, end=end)))

    @precondition(lambda self: len(self.known_ids) > len(self.active_ids))
    @rule(pick=st.integers(min_value=0), move=st.booleans())
    def touch_a_cancelled_booking(self, pick, move):
        cancelled = sorted(set(self.known_ids) - self.active_ids)
        booking_id = cancelled[pick % len(cancelled)]
        if move:
            self.attempt(ValidationError, lambda: update_booking(
                db.session, self.w["booker"], self.now, booking_id, BookingInput(start=self.first_start)))
        else:
            self.attempt(ValidationError, lambda: cancel_booking(db.session, self.w["booker"], self.now,
                                                                 booking_id))

    @rule(structure=st.integers(0, 1), hours=st.integers(0, 6))
    def change_quota(self, structure, hours):
        structure_id = self.w["structures"][structure].id
        update_quota_rule(db.session, self.w["admin"], self.w["rules"][structure_id],
                          QuotaRuleInput(limit=hours))
        db.session.commit()
        self.limits[structure_id] = hours
        # bookings already made stay: note the windows they now keep above the new limit
        rows = active_rows()
        usage = {w: self.used(rows, structure_id, w) for w in self.touched(rows, structure_id)}
        self.grandfathered[structure_id] = {w: used for w, used in usage.items() if used > hours * 60}

    # Invariants

    @invariant()
    def the_database_holds_exactly_the_active_bookings_made(self):
        assert {r.id for r in active_rows()} == self.active_ids

    @invariant()
    def no_resource_is_ever_loaded_beyond_its_stock(self):
        rows = active_rows()
        for resource in self.w["resources"]:
            mine = [r for r in rows if r.resource_id == resource.id]
            for r in mine:
                assert peak(mine, r.start, r.blocked_until) <= resource.quantity, (resource.name, mine)

    @invariant()
    def no_structure_uses_more_than_its_quota_unless_lowered_after_booking(self):
        rows = active_rows()
        for structure_id, hours in self.limits.items():
            for window in self.touched(rows, structure_id):
                used = self.used(rows, structure_id, window)
                allowed = max(hours * 60, self.grandfathered[structure_id].get(window, 0))
                assert used <= allowed, (structure_id, window, used, hours)


def test_random_bookings_never_exceed_stock_or_quota(make, now):
    structures = [make.structure(), make.structure()]
    resources = [make.resource(name="Van", kind="vehicle", quantity=1, buffer_minutes=15),
                 make.resource(name="Projectors", kind="equipment", quantity=3)]
    admin = make.user(is_admin=True)
    rules = {s.id: create_quota_rule(db.session, admin, now, QuotaRuleInput(
        structure_id=s.id, unit="hours", window="day", limit=INITIAL_LIMIT_HOURS)).id for s in structures}
    db.session.commit()
    world = {
        "now": now, "tz": ZoneInfo(get_settings(db.session).timezone), "structures": structures,
        "resources": resources, "booker": make.user(structures=structures), "admin": admin, "rules": rules}

    run_state_machine_as_test(lambda: BookingMachine(world), settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
