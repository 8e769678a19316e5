"""Charges and payments through the JSON API: exact allocations with explanations, previews, reversals,
closed periods and bad input (API.md codes, nothing written)."""

from datetime import UTC, date, datetime

import pytest
from api_helpers import api_error
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Charge, JournalEntry, Payment, Period
from mutualise.services.allocation_keys import KeyInput, create_key


@pytest.fixture
def structures(make):
    return [make.structure(name=name) for name in ("Atelier", "Bascule", "Cocotte")]


@pytest.fixture
def treasurer(api, make):
    return api(make.user(is_treasurer=True), language="en")


@pytest.fixture
def equal_key(make, structures):
    key = create_key(db.session, make.user(is_treasurer=True), datetime(2026, 1, 2, tzinfo=UTC),
                     KeyInput(name="Parts égales", method="equal", structure_ids=[s.id for s in structures],
                              valid_from=date(2026, 1, 1), decision_ref="AG 2026-01"))
    db.session.commit()
    return key


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Charge, JournalEntry, Payment))


def _charge(**fields) -> dict:
    body = {"label": "Loyer mars", "category": "rent", "amount_cents": 120000, "date": "2026-03-05"}
    body.update(fields)
    return body


def test_post_charge_returns_allocations_summing_exactly_with_explanations(treasurer, equal_key):
    response = treasurer.post("/api/v1/charges", json=_charge(amount_cents=100, key_id=equal_key.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["period"] == "2026-03" and body["amount_cents"] == 100
    assert sorted(a["amount_cents"] for a in body["allocations"]) == [33, 33, 34]
    extra = next(a for a in body["allocations"] if a["amount_cents"] == 34)
    assert extra["rounding_cents"] == 1
    assert extra["explanation"] == "Loyer mars: €1.00 × 1/3 = €0.33 (+€0.01 rounding)"
    fetched = treasurer.get(f"/api/v1/charges/{body['id']}").get_json()
    assert fetched["allocations"] == body["allocations"]


def test_explanations_follow_the_request_language(api, make, equal_key):
    treasurer_fr = api(make.user(is_treasurer=True), language="fr")
    body = treasurer_fr.post("/api/v1/charges", json=_charge(key_id=equal_key.id)).get_json()
    assert body["allocations"][0]["explanation"] == "Loyer mars : 1\u202f200,00\u00a0€ × 1/3 = 400,00\u00a0€"


def test_preview_writes_nothing(treasurer, equal_key):
    before = _counts()
    response = treasurer.post("/api/v1/charges/preview", json=_charge(key_id=equal_key.id))
    assert response.status_code == 200
    assert sum(a["amount_cents"] for a in response.get_json()["allocations"]) == 120000
    assert response.get_json()["id"] is None
    assert _counts() == before


def test_reverse_posts_the_opposite_charge_once(treasurer, equal_key):
    charge_id = treasurer.post("/api/v1/charges", json=_charge(key_id=equal_key.id)).get_json()["id"]
    response = treasurer.post(f"/api/v1/charges/{charge_id}/reverse")
    assert response.status_code == 201
    reversal = response.get_json()
    assert reversal["reverses_id"] == charge_id and reversal["amount_cents"] == -120000
    assert treasurer.get(f"/api/v1/charges/{charge_id}").get_json()["reversed_by_id"] == reversal["id"]
    api_error(treasurer.post(f"/api/v1/charges/{charge_id}/reverse"), 409, "conflict")


def test_charge_into_a_closed_period_answers_period_closed(treasurer, equal_key):
    db.session.add(Period(month="2026-02", status="closed"))
    db.session.commit()
    before = _counts()
    error = api_error(treasurer.post("/api/v1/charges", json=_charge(key_id=equal_key.id, date="2026-02-27")),
                      409, "period_closed")
    assert error["details"]["period"] == "2026-02"
    assert _counts() == before


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount_cents": 12.5}, "amount_cents"),
    ({"amount_cents": "1200"}, "amount_cents"),
    ({"amount_cents": 0}, "amount_cents"),
    ({"date": "05/03/2026"}, "date"),
    ({"category": "party"}, "category"),
    ({"key_id": 999999}, "key_id"),
    ({"paid_by_structure_id": 999999}, "paid_by_structure_id"),
])
def test_bad_charge_is_refused_with_the_field_named(treasurer, equal_key, fields, field):
    before = _counts()
    error = api_error(treasurer.post("/api/v1/charges", json=_charge(**{"key_id": equal_key.id, **fields})),
                      422, "validation")
    assert field in error["details"]["fields"]
    assert _counts() == before


def test_parts_not_summing_to_100_percent_are_refused(treasurer, equal_key):
    body = _charge(parts=[{"key_id": equal_key.id, "share_bp": 9000}])
    error = api_error(treasurer.post("/api/v1/charges", json=body), 422, "validation")
    assert error["details"]["fields"]["parts"] == "The parts add up to 90.00 %, not 100 %."
    assert _counts() == (0, 0, 0)


def test_a_batch_posts_every_charge_in_order_each_split_exactly(treasurer, equal_key):
    amounts = [100, 120000, -2501]
    response = treasurer.post("/api/v1/charges/batch", json={"charges": [
        _charge(label=f"Charge {n}", amount_cents=amount, key_id=equal_key.id)
        for n, amount in enumerate(amounts)]})
    assert response.status_code == 201, response.get_json()
    items = response.get_json()["items"]
    assert [item["label"] for item in items] == ["Charge 0", "Charge 1", "Charge 2"]
    for item, amount in zip(items, amounts, strict=True):
        assert sum(a["amount_cents"] for a in item["allocations"]) == amount
        assert treasurer.get(f"/api/v1/charges/{item['id']}").get_json()["allocations"] == item["allocations"]
    # the rounding cent goes to a different structure for consecutive charges of the same amount
    twins = treasurer.post("/api/v1/charges/batch", json={"charges": [
        _charge(amount_cents=100, key_id=equal_key.id) for _ in range(3)]}).get_json()["items"]
    receivers = {next(a["structure_id"] for a in item["allocations"] if a["rounding_cents"])
                 for item in twins}
    assert len(receivers) == 3
    assert _counts() == (6, 6, 0)


def test_a_batch_preview_writes_nothing(treasurer, equal_key):
    response = treasurer.post("/api/v1/charges/batch/preview",
                              json={"charges": [_charge(key_id=equal_key.id)] * 2})
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [None, None]
    assert _counts() == (0, 0, 0)


def test_one_bad_charge_refuses_the_whole_batch_naming_its_index(treasurer, equal_key):
    error = api_error(treasurer.post("/api/v1/charges/batch", json={"charges": [
        _charge(key_id=equal_key.id), _charge(key_id=equal_key.id, category="party"),
        _charge(key_id=999999)]}), 422, "validation")
    assert set(error["details"]["fields"]) == {"charges.1.category", "charges.2.key_id"}
    assert _counts() == (0, 0, 0)


def test_a_batch_touching_a_closed_period_posts_nothing(treasurer, equal_key):
    db.session.add(Period(month="2026-02", status="closed"))
    db.session.commit()
    closed = [_charge(key_id=equal_key.id), _charge(key_id=equal_key.id, date="2026-02-27")]
    api_error(treasurer.post("/api/v1/charges/batch", json={"charges": closed}), 409, "period_closed")
    api_error(treasurer.post("/api/v1/charges/batch", json={"charges": []}), 422, "validation")
    assert _counts() == (0, 0, 0)


def test_auditor_reads_but_cannot_post_and_members_cannot_read(api, make, treasurer, structures, equal_key):
    charge_id = treasurer.post("/api/v1/charges", json=_charge(key_id=equal_key.id)).get_json()["id"]
    auditor = api(make.user(is_auditor=True), language="en")
    assert auditor.get(f"/api/v1/charges/{charge_id}").status_code == 200
    assert len(auditor.get("/api/v1/charges?period=2026-03").get_json()["items"]) == 1
    api_error(auditor.post("/api/v1/charges", json=_charge(key_id=equal_key.id)), 403, "forbidden")
    api_error(auditor.post("/api/v1/charges/batch", json={"charges": [_charge(key_id=equal_key.id)]}),
              403, "forbidden")
    member = api(make.user(structures=[structures[0]]), language="en")
    api_error(member.get(f"/api/v1/charges/{charge_id}"), 404, "not_found")
    api_error(member.get("/api/v1/charges"), 403, "forbidden")
    manager = api(make.user(structures=[structures[0]], role="manager"), language="en")
    assert manager.get(f"/api/v1/charges/{charge_id}").status_code == 200


def test_payment_is_recorded_and_listed(treasurer, structures):
    response = treasurer.post("/api/v1/payments", json={
        "structure_id": structures[0].id, "amount_cents": 40000, "date": "2026-03-10",
        "reference": "VIR 2026-031"})
    assert response.status_code == 201
    assert response.get_json()["period"] == "2026-03"
    listed = treasurer.get(f"/api/v1/payments?period=2026-03&structure_id={structures[0].id}").get_json()
    assert [p["amount_cents"] for p in listed["items"]] == [40000]


@pytest.mark.parametrize(("fields", "field"), [
    ({"structure_id": 999999}, "structure_id"),
    ({"amount_cents": 10.25}, "amount_cents"),
    ({"date": "2026-02-30"}, "date"),
])
def test_bad_payment_is_refused_and_writes_nothing(treasurer, structures, fields, field):
    body = {"structure_id": structures[0].id, "amount_cents": 100, "date": "2026-03-10", **fields}
    error = api_error(treasurer.post("/api/v1/payments", json=body), 422, "validation")
    assert field in error["details"]["fields"]
    assert _counts() == (0, 0, 0)
