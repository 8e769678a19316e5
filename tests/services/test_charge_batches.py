"""A month's charges posted at once (services/charge_batches): the same splits and entries as charges
posted one by one, all or nothing, every refusal named by its charge, usage weights read once."""

from datetime import UTC, date, datetime

import pytest
from factories import make_key
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import (
    Booking,
    Charge,
    ChargeAllocation,
    JournalEntry,
    JournalLine,
    Period,
)
from mutualise.services import charge_batches, key_weights
from mutualise.services.charge_batches import post_charges, preview_charges
from mutualise.services.charges import ChargeInput, create_charge
from mutualise.services.errors import Forbidden, PeriodClosed, ValidationError

NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Charge, ChargeAllocation, JournalEntry, JournalLine))


@pytest.fixture
def keys(make, three):
    """An equal key and an hours-used key over one room, used by two of the three in March."""
    room = make.resource(name="Grande salle")
    person = make.user()
    for day, structure, hours in ((10, three[0], 3), (11, three[1], 1)):
        start, end = datetime(2026, 3, day, 8, tzinfo=UTC), datetime(2026, 3, day, 8 + hours, tzinfo=UTC)
        db.session.add(Booking(resource_id=room.id, structure_id=structure.id, user_id=person.id,
                               title="Réunion", quantity=1, start_at=start, end_at=end, blocked_until=end,
                               exclusive=True, status="confirmed", created_at=NOW, updated_at=NOW))
    db.session.commit()
    return tuple(make_key(method, dict.fromkeys(three, 1), name=method, valid_from=date(2026, 1, 1))
                 for method in ("equal", "usage_hours"))


def month_of_charges(equal, hours) -> list[ChargeInput]:
    mixed = [{"key_id": equal.id, "share_bp": 5000}, {"key_id": hours.id, "share_bp": 5000}]
    return [ChargeInput(label=f"Charge {n}", category="rent", amount_cents=10_000 + n,
                        date=date(2026, 3, 1 + n), key_id=None if n % 2 else equal.id,
                        parts=mixed if n % 2 else None) for n in range(4)]


def posted_figures() -> list[tuple]:
    """What the ledger holds, whichever way it was posted: each entry with its lines, each split (by the
    charge's label: PostgreSQL does not give ids back on rollback)."""
    entries = db.session.execute(
        select(JournalEntry.number, JournalEntry.label, JournalLine.account, JournalLine.structure_id,
               JournalLine.debit_cents, JournalLine.credit_cents)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .order_by(JournalEntry.number, JournalLine.id)).all()
    splits = db.session.execute(
        select(Charge.label, ChargeAllocation.structure_id, ChargeAllocation.amount_cents,
               ChargeAllocation.rounding_cents, ChargeAllocation.basis)
        .join(Charge, Charge.id == ChargeAllocation.charge_id)
        .order_by(Charge.id, ChargeAllocation.structure_id)).all()
    return [tuple(row) for row in entries] + [tuple(row) for row in splits]


def test_charges_posted_at_once_are_posted_as_one_by_one(treasurer, keys):
    inputs = month_of_charges(*keys)
    for data in inputs:
        create_charge(db.session, treasurer, NOW, data)
    one_by_one = posted_figures()
    db.session.rollback()
    assert posted_figures() == []
    posted = post_charges(db.session, treasurer, NOW, inputs)
    db.session.commit()
    assert [c.label for c in posted] == [data.label for data in inputs]
    assert posted_figures() == one_by_one
    numbers = db.session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
    assert numbers == [1, 2, 3, 4]
    for charge in posted:
        assert sum(a.amount_cents for a in charge.allocations) == charge.amount_cents


def test_preview_at_once_writes_nothing_and_names_the_structures(treasurer, keys, three):
    before = counts()
    plans = preview_charges(db.session, treasurer, NOW, month_of_charges(*keys))
    db.session.commit()
    assert counts() == before
    assert [a.structure.name for a in plans[1].allocations] == ["Atelier", "Bascule", "Cocotte"]
    # half equal, half by hours used (3 h, 1 h, 0 h) of 10,001 cents
    assert [a.amount_cents for a in plans[1].allocations] == [5417, 2917, 1667]


def test_one_refused_charge_posts_none_and_each_refusal_names_its_charge(treasurer, keys):
    inputs = month_of_charges(*keys)
    inputs[1].amount_cents = 0
    inputs[3].label = " "
    before = counts()
    with pytest.raises(ValidationError) as refused:
        post_charges(db.session, treasurer, NOW, inputs)
    db.session.rollback()
    assert set(refused.value.fields) == {"charges.1.amount_cents", "charges.3.label"}
    assert counts() == before


def test_a_charge_in_a_closed_period_refuses_the_whole_import(treasurer, keys):
    db.session.add(Period(month="2026-02", status="closed"))
    db.session.commit()
    inputs = month_of_charges(*keys)
    inputs[2].date = date(2026, 2, 27)
    before = counts()
    with pytest.raises(PeriodClosed):
        post_charges(db.session, treasurer, NOW, inputs)
    db.session.rollback()
    assert counts() == before


def test_usage_weights_are_read_once_per_key_version_and_dates(treasurer, keys, monkeypatch):
    calls = []
    read = key_weights.key_weights

    def counting(session, version, covers_from, covers_until, zone):
        calls.append((version.id, covers_from, covers_until))
        return read(session, version, covers_from, covers_until, zone)

    monkeypatch.setattr(key_weights, "key_weights", counting)
    inputs = month_of_charges(*keys)
    inputs[3].covers_from, inputs[3].covers_until = date(2026, 3, 10), date(2026, 3, 10)
    post_charges(db.session, treasurer, NOW, inputs)
    # March: the equal key (charges 0 to 2), the hours key (charge 1); March 10: both (charge 3)
    assert len(calls) == len(set(calls)) == 4


def test_only_treasurers_post_at_once_and_an_empty_import_is_refused(make, treasurer, keys):
    with pytest.raises(Forbidden):
        post_charges(db.session, make.user(is_auditor=True), NOW, month_of_charges(*keys))
    db.session.rollback()
    with pytest.raises(ValidationError) as refused:
        post_charges(db.session, treasurer, NOW, [])
    assert "charges" in refused.value.fields
    db.session.rollback()
    with pytest.raises(ValidationError) as refused:
        too_many = month_of_charges(*keys) * (charge_batches.MAX_CHARGES // 4 + 1)
        post_charges(db.session, treasurer, NOW, too_many)
    assert "charges" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 0
