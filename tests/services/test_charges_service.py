"""Shared charges and payments through their services: exact splits, the journal they post, reversals,
closed periods, who may do what, and bad input that writes nothing."""

from datetime import UTC, date, datetime

import pytest
from factories import make_key
from sqlalchemy import func, select, text

from mutualise.extensions import db
from mutualise.models import (
    AllocationKey,
    Charge,
    JournalEntry,
    JournalLine,
    Payment,
    Period,
)
from mutualise.services.charges import (
    ChargeInput,
    create_charge,
    get_charge,
    list_charges,
    preview_charge,
    reverse_charge,
)
from mutualise.services.errors import Conflict, Forbidden, NotFound, PeriodClosed, ValidationError
from mutualise.services.payments import PaymentInput, list_payments, record_payment

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def key_of(method: str, weights: dict) -> AllocationKey:
    """A key with one version valid from January, named after its method (tests/factories.make_key)."""
    return make_key(method, weights, name=f"Clé {method}", valid_from=date(2026, 1, 1))


def charge(treasurer, key, amount=10000, **fields):
    values = {"label": "Loyer mars", "category": "rent", "amount_cents": amount, "date": date(2026, 3, 5),
              "key_id": key.id if key is not None else None}
    values.update(fields)
    created = create_charge(db.session, treasurer, NOW, ChargeInput(**values))
    db.session.commit()
    return created


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Charge, JournalEntry, JournalLine, Payment))


def structure_balance(structure) -> int:
    owed = func.coalesce(func.sum(JournalLine.debit_cents - JournalLine.credit_cents), 0)
    return db.session.scalar(select(owed).where(JournalLine.structure_id == structure.id))


def test_equal_split_sums_exactly_and_posts_a_balanced_entry(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    posted = charge(treasurer, key, amount=10000)
    amounts = sorted(a.amount_cents for a in posted.allocations)
    assert amounts == [3333, 3333, 3334]
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.charge_id == posted.id))
    assert entry.number == 1 and entry.kind == "charge"
    debits = sum(line.debit_cents for line in entry.lines)
    assert debits == sum(line.credit_cents for line in entry.lines) == 10000
    credit = [(line.account, line.credit_cents, line.structure_id)
              for line in entry.lines if line.credit_cents]
    assert credit == [("791000", 10000, None)]
    assert sorted(structure_balance(s) for s in three) == [3333, 3333, 3334]


def test_rounding_cent_rotates_between_structures_across_charges(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    winners = []
    for _ in range(3):
        posted = charge(treasurer, key, amount=100)
        winners.append(next(a.structure_id for a in posted.allocations if a.amount_cents == 34))
    assert sorted(winners) == sorted(s.id for s in three)


def test_parts_are_combined_into_one_exact_apportionment(treasurer, three):
    equal = key_of("equal", {s: 1 for s in three})
    weighted = key_of("weights", {three[0]: 45500, three[1]: 54500})
    posted = charge(treasurer, None, amount=100001, key_id=None,
                    parts=[{"key_id": equal.id, "share_bp": 5000}, {"key_id": weighted.id, "share_bp": 5000}])
    by_id = {a.structure_id: a for a in posted.allocations}
    assert sum(a.amount_cents for a in posted.allocations) == 100001
    # exact: 50000.5/3 + 50000.5 × 0.455 ; 50000.5/3 + 50000.5 × 0.545 ; 50000.5/3
    assert abs(by_id[three[0].id].amount_cents - (50000.5 / 3 + 50000.5 * 0.455)) < 1
    assert abs(by_id[three[2].id].amount_cents - 50000.5 / 3) < 1
    assert len(by_id[three[0].id].basis) == 2


def test_a_month_of_charges_is_listed_without_reading_every_split(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    charge(treasurer, key, amount=300)
    db.session.expire_all()
    listed = list_charges(db.session, treasurer, "2026-03", with_allocations=False)
    assert [c.amount_cents for c in listed] == [300]
    assert "allocations" in db.inspect(listed[0]).unloaded
    db.session.expire_all()
    full = list_charges(db.session, treasurer, "2026-03")
    assert "allocations" not in db.inspect(full[0]).unloaded
    assert [a.amount_cents for a in full[0].allocations] == [100, 100, 100]


def test_charge_paid_by_a_structure_credits_it(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    charge(treasurer, key, amount=30000, paid_by_structure_id=three[1].id)
    assert [structure_balance(s) for s in three] == [10000, -20000, 10000]


def test_refund_is_split_like_a_charge_with_the_opposite_sign(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    posted = charge(treasurer, key, amount=-100)
    assert sorted(a.amount_cents for a in posted.allocations) == [-34, -33, -33]
    assert sum(structure_balance(s) for s in three) == -100


def test_preview_writes_nothing_and_matches_the_posted_split(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    before = counts()
    plan = preview_charge(db.session, treasurer, NOW, ChargeInput(label="Assurance", category="insurance",
                                                                  amount_cents=1000, date=date(2026, 3, 1),
                                                                  key_id=key.id))
    db.session.commit()
    assert counts() == before
    posted = charge(treasurer, key, amount=1000, label="Assurance", category="insurance")
    assert ({a.structure.id: a.amount_cents for a in plan.allocations}
            == {a.structure_id: a.amount_cents for a in posted.allocations})


def test_reversal_negates_every_allocation_and_cites_the_original(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    posted = charge(treasurer, key, amount=10000)
    reversal = reverse_charge(db.session, treasurer, NOW, posted.id)
    db.session.commit()
    assert reversal.reverses_id == posted.id and reversal.amount_cents == -10000
    assert all(structure_balance(s) == 0 for s in three)
    original_entry = db.session.scalar(select(JournalEntry).where(JournalEntry.charge_id == posted.id))
    reversal_entry = db.session.scalar(select(JournalEntry).where(JournalEntry.charge_id == reversal.id))
    assert reversal_entry.reverses_id == original_entry.id and reversal_entry.kind == "reversal"
    assert reversal_entry.number == original_entry.number + 1
    with pytest.raises(Conflict):
        reverse_charge(db.session, treasurer, NOW, posted.id)
    db.session.rollback()
    with pytest.raises(Conflict):
        reverse_charge(db.session, treasurer, NOW, reversal.id)


def test_charge_in_a_closed_period_is_refused_and_writes_nothing(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    db.session.add(Period(month="2026-02", status="closed"))
    db.session.commit()
    before = counts()
    with pytest.raises(PeriodClosed) as refused:
        charge(treasurer, key, date=date(2026, 2, 10))
    db.session.rollback()
    assert refused.value.details == {"period": "2026-02"}
    assert counts() == before


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": 12.5}, "amount_cents"),
    ({"amount_cents": 10**13}, "amount_cents"),
    ({"label": " "}, "label"),
    ({"category": "party"}, "category"),
    ({"date": None}, "date"),
    ({"key_id": None}, "key_id"),
    ({"key_id": 999999}, "key_id"),
    ({"paid_by_structure_id": 999999}, "paid_by_structure_id"),
    ({"covers_from": date(2026, 3, 20), "covers_until": date(2026, 3, 10)}, "covers_until"),
])
def test_bad_charge_input_names_the_field_and_writes_nothing(treasurer, three, fields, field):
    key = key_of("equal", {s: 1 for s in three})
    before = counts()
    with pytest.raises(ValidationError) as refused:
        charge(treasurer, key, **fields)
    db.session.rollback()
    assert field in refused.value.fields
    assert counts() == before


def test_parts_not_summing_to_100_percent_are_refused(treasurer, three):
    equal = key_of("equal", {s: 1 for s in three})
    weighted = key_of("weights", {three[0]: 1000})
    with pytest.raises(ValidationError) as refused:
        charge(treasurer, None, key_id=None, parts=[{"key_id": equal.id, "share_bp": 5000},
                                                    {"key_id": weighted.id, "share_bp": 4500}])
    db.session.rollback()
    assert "95.00" in str(refused.value.fields["parts"])
    assert counts()[0] == 0


def test_usage_key_without_usage_cannot_split(treasurer, three):
    key = key_of("usage_hours", {s: 1 for s in three})
    with pytest.raises(ValidationError) as refused:
        charge(treasurer, key)
    db.session.rollback()
    assert "key_id" in refused.value.fields
    assert counts()[0] == 0


def test_only_treasurers_post_and_people_concerned_read(make, treasurer, three):
    key = key_of("weights", {three[0]: 1000, three[1]: 1000})
    auditor = make.user(is_auditor=True)
    with pytest.raises(Forbidden):
        charge(auditor, key)
    db.session.rollback()
    posted = charge(treasurer, key)
    manager_a = make.user(structures=[three[0]], role="manager")
    member_a = make.user(structures=[three[0]])
    manager_c = make.user(structures=[three[2]], role="manager")
    assert get_charge(db.session, auditor, posted.id).id == posted.id
    assert get_charge(db.session, manager_a, posted.id).id == posted.id
    for outsider in (member_a, manager_c):
        with pytest.raises(NotFound):
            get_charge(db.session, outsider, posted.id)


def test_payment_credits_the_structure_and_debits_the_bank(treasurer, three):
    payment = record_payment(db.session, treasurer, NOW, PaymentInput(
        structure_id=three[0].id, amount_cents=2500, date=date(2026, 3, 6), reference="VIR 123"))
    db.session.commit()
    assert structure_balance(three[0]) == -2500
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.payment_id == payment.id))
    assert {(line.account, line.debit_cents, line.credit_cents) for line in entry.lines} == {
        ("512000", 2500, 0), ("411000", 0, 2500)}
    refund = record_payment(db.session, treasurer, NOW, PaymentInput(
        structure_id=three[0].id, amount_cents=-500, date=date(2026, 3, 7)))
    db.session.commit()
    assert structure_balance(three[0]) == -2000
    assert [p.id for p in list_payments(db.session, treasurer, month="2026-03")] == [refund.id, payment.id]


@pytest.mark.parametrize(("fields", "field"), [
    ({"structure_id": 999999}, "structure_id"),
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": "12,50"}, "amount_cents"),
    ({"date": "2026-03-01"}, "date"),
])
def test_bad_payment_is_refused_and_writes_nothing(treasurer, three, fields, field):
    values = {"structure_id": three[0].id, "amount_cents": 100, "date": date(2026, 3, 1)}
    values.update(fields)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        record_payment(db.session, treasurer, NOW, PaymentInput(**values))
    db.session.rollback()
    assert field in refused.value.fields
    assert counts() == before


def test_journal_numbers_follow_each_other_across_kinds(treasurer, three):
    key = key_of("equal", {s: 1 for s in three})
    charge(treasurer, key)
    record_payment(db.session, treasurer, NOW, PaymentInput(structure_id=three[0].id, amount_cents=100,
                                                            date=date(2026, 3, 1)))
    charge(treasurer, key)
    db.session.commit()
    numbers = db.session.scalars(text("SELECT number FROM journal_entries ORDER BY number")).all()
    assert numbers == [1, 2, 3]
