"""Racing ledger writes keep the journal whole (DESIGN.md invariant 4): entry numbers run without gaps
whatever the concurrency, and nothing lands in a period once it is closed.

Same set-up as the booking races: a real threaded HTTP server on the test database (a SQLite file, then
PostgreSQL), clients released together by a barrier.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from factories import make_key
from sqlalchemy import func, select
from test_booking_concurrency import race, server_url  # noqa: F401 (server_url is a fixture)

from mutualise.extensions import db
from mutualise.models import Charge, JournalEntry, JournalLine, Payment, Period
from mutualise.services.accounts import create_api_token


def _today():
    """Today on the network's clock (Europe/Paris): the served app runs on the real clock."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def _tokens(make, n: int, **roles) -> list[str]:
    people = [make.user(**roles) for _ in range(n)]
    secrets = [create_api_token(db.session, person, datetime.now(UTC), "race")[1] for person in people]
    db.session.commit()
    return secrets


def test_racing_payments_get_consecutive_entry_numbers(make, server_url):  # noqa: F811
    structure = make.structure()
    today = _today().isoformat()
    requests = [(token, {"structure_id": structure.id, "amount_cents": 100 + i, "date": today})
                for i, token in enumerate(_tokens(make, 20, is_treasurer=True))]
    answers = race(server_url, requests, path="/api/v1/payments")
    assert [status for status, _body in answers] == [201] * 20, answers
    db.session.rollback()
    numbers = db.session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
    assert numbers == list(range(1, 21))
    owed = select(func.sum(JournalLine.credit_cents - JournalLine.debit_cents)).where(
        JournalLine.structure_id == structure.id)
    assert db.session.scalar(owed) == sum(100 + i for i in range(20))


def test_nothing_lands_in_a_period_closed_during_a_race(make, server_url):  # noqa: F811
    structure = make.structure()
    last_month = _today().replace(day=1) - timedelta(days=1)
    month = f"{last_month:%Y-%m}"
    tokens = _tokens(make, 11, is_treasurer=True)
    requests = [(token, {"structure_id": structure.id, "amount_cents": 500, "date": last_month.isoformat()})
                for token in tokens[:10]]
    requests.append((tokens[10], {}, f"/api/v1/periods/{month}/close"))
    answers = race(server_url, requests, path="/api/v1/payments")
    payment_answers, close_answer = answers[:10], answers[10]
    assert close_answer[0] == 200, close_answer
    kinds = {(status, (body.get("error") or {}).get("code")) for status, body in payment_answers}
    assert kinds <= {(201, None), (409, "period_closed")}, payment_answers
    db.session.rollback()
    period = db.session.scalar(select(Period).where(Period.month == month))
    assert period.status == "closed"
    accepted = sum(1 for status, _body in payment_answers if status == 201)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == accepted
    numbers = db.session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
    assert numbers == list(range(1, accepted + 1))


def test_racing_imports_and_payments_post_whole_batches_with_consecutive_numbers(make, server_url):  # noqa: F811
    """Charge imports (all or nothing, several entries each) racing single payments: every batch lands
    whole, and the journal numbers still run without a gap."""
    structures = [make.structure() for _ in range(3)]
    key = make_key("equal", {s: 1 for s in structures})
    today = _today().isoformat()
    tokens = _tokens(make, 12, is_treasurer=True)
    batch = [{"label": f"Charge {n}", "category": "rent", "amount_cents": 1000 + n, "date": today,
              "key_id": key.id} for n in range(5)]
    imports = [(token, {"charges": batch}, "/api/v1/charges/batch") for token in tokens[:6]]
    payments = [(token, {"structure_id": structures[0].id, "amount_cents": 700, "date": today})
                for token in tokens[6:]]
    answers = race(server_url, [item for pair in zip(imports, payments, strict=True) for item in pair],
                   path="/api/v1/payments")
    assert [status for status, _body in answers] == [201] * 12, answers
    assert all(len(body["items"]) == 5 for _status, body in answers[::2])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Charge)) == 30
    numbers = db.session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
    assert numbers == list(range(1, 37))
