"""Ledger periods through the JSON API: a treasurer closes a month that is over, nothing more is written
into it (409 period_closed), only an admin reopens it and the reopening is recorded."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import JournalEntry, Payment, Period, PeriodEvent

PARIS = ZoneInfo("Europe/Paris")
MONTH = "2025-06"  # long over on the real clock the HTTP requests run on


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def treasurer_user(make):
    return make.user(is_treasurer=True)


@pytest.fixture
def treasurer(api, treasurer_user):
    return api(treasurer_user, language="en")


def _close(client, month: str = MONTH) -> dict:
    response = client.post(f"/api/v1/periods/{month}/close")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_treasurer_closes_a_month_and_it_is_listed_closed(api, make, treasurer, treasurer_user):
    period = _close(treasurer)

    assert (period["month"], period["status"], period["closed_by"]) == (MONTH, "closed", treasurer_user.id)
    assert datetime.fromisoformat(period["closed_at"]).tzinfo is not None
    assert [(e["action"], e["user_id"], e["reason"]) for e in period["events"]] == [
        ("close", treasurer_user.id, None)]
    auditor = api(make.user(is_auditor=True))
    assert auditor.get(f"/api/v1/periods/{MONTH}").get_json() == period
    assert auditor.get("/api/v1/periods").get_json() == {"items": [period], "next": None}
    untouched = auditor.get("/api/v1/periods/2025-07").get_json()
    assert (untouched["status"], untouched["events"], untouched["closed_at"]) == ("open", [], None)
    _error(auditor.get("/api/v1/periods/2025-13"), 422, "validation")


@pytest.mark.parametrize("role", [{"is_auditor": True}, {"is_admin": True}, {}])
def test_only_treasurers_close_a_period(api, make, role):
    structure = make.structure()
    client = api(make.user(structures=[structure], role="manager", **role), language="en")

    _error(client.post(f"/api/v1/periods/{MONTH}/close"), 403, "forbidden")

    assert _count(Period) == _count(PeriodEvent) == 0


def test_members_cannot_read_the_periods(api, make):
    member = api(make.user(structures=[make.structure()]), language="en")

    _error(member.get("/api/v1/periods"), 403, "forbidden")
    _error(member.get(f"/api/v1/periods/{MONTH}"), 403, "forbidden")


def test_a_closed_period_refuses_a_second_closing_and_any_posting(make, treasurer):
    structure = make.structure()
    _close(treasurer)

    error = _error(treasurer.post(f"/api/v1/periods/{MONTH}/close"), 409, "period_closed")
    assert error["details"] == {"period": MONTH}
    response = treasurer.post("/api/v1/payments", json={"structure_id": structure.id, "amount_cents": 10_000,
                                                        "date": f"{MONTH}-15", "reference": "VIR-1"})
    _error(response, 409, "period_closed")

    assert (_count(Payment), _count(JournalEntry), _count(PeriodEvent)) == (0, 0, 1)


@pytest.mark.parametrize("month", ["2026-13", "2026-6", "june", datetime.now(PARIS).strftime("%Y-%m")])
def test_a_bad_month_or_one_not_over_is_refused(treasurer, month):
    error = _error(treasurer.post(f"/api/v1/periods/{month}/close"), 422, "validation")

    assert "month" in error["details"]["fields"]
    assert _count(Period) == 0


def test_an_admin_reopens_a_period_with_a_reason_that_is_recorded(api, make, treasurer, treasurer_user):
    _close(treasurer)
    admin_user = make.user(is_admin=True)
    admin = api(admin_user, language="en")

    _error(treasurer.post(f"/api/v1/periods/{MONTH}/reopen", json={"reason": "Oubli"}), 403, "forbidden")
    error = _error(admin.post(f"/api/v1/periods/{MONTH}/reopen", json={"reason": " "}), 422, "validation")
    assert error["details"]["fields"] == {"reason": "This field is required."}
    _error(admin.post(f"/api/v1/periods/{MONTH}/reopen", json={}), 422, "validation")
    assert _count(PeriodEvent) == 1

    response = admin.post(f"/api/v1/periods/{MONTH}/reopen", json={"reason": "Facture d'eau oubliée"})
    assert response.status_code == 200, response.get_data(as_text=True)
    period = response.get_json()
    assert (period["status"], period["closed_at"], period["closed_by"]) == ("open", None, None)
    assert [(e["action"], e["user_id"], e["reason"]) for e in period["events"]] == [
        ("close", treasurer_user.id, None), ("reopen", admin_user.id, "Facture d'eau oubliée")]
    _error(admin.post(f"/api/v1/periods/{MONTH}/reopen", json={"reason": "Encore"}), 409, "conflict")
    assert _close(treasurer)["status"] == "closed"  # and the treasurer can close it again
