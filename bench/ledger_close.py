"""Closing a busy month of the ledger: 100 structures, 50,000 bookings and 200 charges (issue 4).

A fresh database (SQLite file by default; `--backend postgresql` for a throwaway cluster from
tests/pg_cluster.py). Structures, the treasurer and the allocation keys are created through the services,
resources and the month's bookings written in bulk: rooms, vehicles (with odometer readings) and stocked
equipment, each with a tariff; about 1 booking in 20 cancelled late, others cancelled, pending or
rejected. Then the script times, each in its own transaction:

1. 200 charges through services.charges.create_charge (3 in 4 by an equal key, 1 in 4 split 50 % equal,
   50 % by hours used), one call each (each splits on weights of its own), committed together; with
   --at-once, the same 200 charges through services.charge_batches.post_charges (the import of a month's
   charges: same rules, all or nothing, weights read once per key version and dates), committed;
2. pricing the month's usage alone (services.usage_pricing.price_ended_bookings), rolled back;
3. closing the month (services.periods.close_period: the same pricing, then the period frozen), committed;
4. a structure's statement page for that month, and the month's dashboard (median of --runs requests
   through the test client).

    .venv/bin/python bench/ledger_close.py [--structures 100] [--bookings 50000] [--charges 200]
                                           [--at-once] [--backend sqlite postgresql]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from databases import database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from mutualise import create_app  # noqa: E402
from mutualise.domain.accounts import month_of  # noqa: E402
from mutualise.extensions import db  # noqa: E402
from mutualise.models import Booking, BookingUsage, JournalLine, Resource, User  # noqa: E402
from mutualise.services import periods, structures, users  # noqa: E402
from mutualise.services.allocation_keys import KeyInput, create_key  # noqa: E402
from mutualise.services.charge_batches import post_charges  # noqa: E402
from mutualise.services.charges import ChargeInput, create_charge  # noqa: E402
from mutualise.services.usage_pricing import price_ended_bookings  # noqa: E402

TARGET_S = 2.0
STATEMENT_TARGET_MS = 100
# local start (hour, minute) and length in minutes of the day's four slots on every resource
SLOTS = ((8, 0, 120), (10, 30, 135), (14, 0, 150), (17, 0, 100))
CATEGORIES = ("rent", "insurance", "maintenance", "fuel", "cleaning", "energy")


def last_month(zone: ZoneInfo) -> date:
    """The first day of the month before the current one: over, so it can be closed."""
    first_of_this = datetime.now(zone).date().replace(day=1)
    return (first_of_this - timedelta(days=1)).replace(day=1)


def load(args, first: date, zone: ZoneInfo) -> int:
    """Structures, the treasurer, keys, resources and the month's bookings; returns the treasurer's id."""
    now = datetime.now(UTC)
    admin = users.create_user(db.session, None, now, users.UserInput(
        email="treasurer@bench.example", name="Trésorière", password="bench-password",
        roles=["admin", "treasurer"]))
    structure_ids = [structures.create_structure(db.session, admin, now, structures.StructureInput(
        name=f"Structure {n:03d}")).id for n in range(args.structures)]
    days = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - first
    resources = math.ceil(args.bookings / (days.days * len(SLOTS)))
    rows = []
    for n in range(resources):
        kind = "vehicle" if n % 10 == 0 else "equipment" if n % 10 == 1 else "room"
        rows.append({"kind": kind, "name": f"{kind.title()} {n:04d}",
                     "quantity": 5 if kind == "equipment" else 1, "attributes": {}, "created_at": now,
                     "hourly_cents": 500 if kind == "vehicle" else 1200,
                     "tariff_step_minutes": 30, "daily_cap_cents": 4000 if kind == "vehicle" else None,
                     "per_km_cents": 30 if kind == "vehicle" else 0, "booking_fee_cents": 200,
                     "late_cancel_fee_cents": 1500})
    db.session.execute(insert(Resource), rows)
    resource_rows = db.session.execute(select(Resource.id, Resource.kind).order_by(Resource.id)).all()
    bookings = []
    for index in range(args.bookings):
        resource_id, kind = resource_rows[index % resources]
        slot = index // resources
        day, (hour, minute, length) = first + timedelta(days=slot // len(SLOTS)), SLOTS[slot % len(SLOTS)]
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
        end = start + timedelta(minutes=length)
        status = {0: "cancelled", 1: "cancelled", 2: "pending", 3: "rejected"}.get(index % 20, "confirmed")
        driven = kind == "vehicle" and status == "confirmed"
        bookings.append({
            "resource_id": resource_id, "structure_id": structure_ids[index % len(structure_ids)],
            "user_id": admin.id, "title": "Bench", "quantity": 2 if kind == "equipment" else 1,
            "start_at": start, "end_at": end, "blocked_until": end, "exclusive": kind != "equipment",
            "status": status, "sequence": 0, "created_at": now, "updated_at": now,
            "cancelled_late": index % 20 == 0, "no_show": False,
            "odometer_out": 1000 * slot if driven else None,
            "odometer_in": 1000 * slot + 20 + index % 130 if driven else None})
    started = time.perf_counter()
    db.session.execute(insert(Booking), bookings)
    usage_key = create_key(db.session, admin, now, KeyInput(
        name="Heures de salle", method="usage_hours", valid_from=first,
        resource_ids=[r for r, kind in resource_rows if kind == "room"]))
    equal_key = create_key(db.session, admin, now, KeyInput(name="À parts égales", method="equal",
                                                            valid_from=first))
    db.session.commit()
    print(f"  {args.structures} structures, {resources} resources, {len(bookings):,} bookings written in "
          f"{time.perf_counter() - started:.1f} s")
    return admin.id, equal_key.id, usage_key.id


def timed(label: str, work) -> float:
    """Wall-clock time of `work`, printed with the CPU time of this process (the database is SQLite in
    the same process; on a busy machine the CPU time is the steadier figure)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  {label}: {elapsed:.2f} s (CPU {cpu:.2f} s){f', {result}' if result is not None else ''}")
    return elapsed


def bench(url: str, folder: str, args) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        zone = ZoneInfo("Europe/Paris")
        first = last_month(zone)
        month = month_of(first)
        treasurer_id, equal_key, usage_key = load(args, first, zone)
        now = datetime.now(UTC)

        def month_charges() -> list[ChargeInput]:
            inputs = []
            for n in range(args.charges):
                parts = ([{"key_id": equal_key, "share_bp": 5000}, {"key_id": usage_key, "share_bp": 5000}]
                         if n % 4 == 3 else None)
                inputs.append(ChargeInput(
                    label=f"Charge {n}", category=CATEGORIES[n % len(CATEGORIES)],
                    amount_cents=100_000 + 37 * n, date=first + timedelta(days=n % 28),
                    key_id=None if parts else equal_key, parts=parts))
            return inputs

        def charges():
            treasurer = db.session.get(User, treasurer_id)
            for data in month_charges():
                create_charge(db.session, treasurer, now, data)
            db.session.commit()
            return None

        def charges_at_once():
            posted = post_charges(db.session, db.session.get(User, treasurer_id), now, month_charges())
            db.session.commit()
            return f"{len(posted)} charges in one transaction"

        def pricing_alone():
            priced = price_ended_bookings(db.session, now, ended_before=now)
            lines = db.session.scalar(select(func.count()).select_from(JournalLine))
            db.session.rollback()
            return f"{priced:,} bookings priced, {lines:,} journal lines"

        def close():
            period = periods.close_period(db.session, db.session.get(User, treasurer_id), now, month)
            db.session.commit()
            usages = db.session.scalar(select(func.count()).select_from(BookingUsage))
            return f"{month} {period.status}, {usages:,} bookings priced"

        if args.at_once:
            allocation = timed(f"{args.charges} charges at once (import: allocation and posting)",
                               charges_at_once)
        else:
            allocation = timed(f"{args.charges} charges one by one (allocation and posting)", charges)
        timed("pricing the month alone (rolled back)", pricing_alone)
        closing = timed("closing the month (pricing included)", close)
        verdict = "met" if allocation + closing < TARGET_S else "MISSED"
        print(f"  charges + pricing + close: {allocation + closing:.2f} s, "
              f"target < {TARGET_S:.0f} s: {verdict}")
        statement_page(app, month, args.runs)
        db.engine.dispose()


def statement_page(app, month: str, runs: int) -> None:
    """Median server time of one structure's statement page for the closed month, through the Flask test
    client, signed in as the treasurer (target < 100 ms); then the month's dashboard (no target)."""
    client = app.test_client()
    client.post("/login", data={"email": "treasurer@bench.example", "password": "bench-password"})
    structure_id = db.session.scalar(select(func.min(JournalLine.structure_id)))
    median, page = _median_page(client, f"/ledger/statements/{structure_id}/{month}", runs)
    verdict = "met" if median < STATEMENT_TARGET_MS else "MISSED"
    print(f"  statement page ({page.count('<tr')} table rows): median {median:.1f} ms over {runs}, "
          f"target < {STATEMENT_TARGET_MS} ms: {verdict}")
    median, page = _median_page(client, f"/ledger/{month}", runs)
    print(f"  the month's dashboard (cost split, balances, settlement, {page.count('<tr')} table rows): "
          f"median {median:.1f} ms over {runs}")


def _median_page(client, url: str, runs: int) -> tuple[float, str]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000, response.get_data(as_text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=100)
    parser.add_argument("--bookings", type=int, default=50_000)
    parser.add_argument("--charges", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20, help="statement page requests")
    parser.add_argument("--at-once", action="store_true",
                        help="post the month's charges in one transaction (charge_batches.post_charges)")
    parser.add_argument("--backend", nargs="+", default=["sqlite"])
    args = parser.parse_args()
    for backend in args.backend:
        print(f"{backend}: {args.structures} structures, {args.bookings:,} bookings, {args.charges} charges")
        with database(backend) as (folder, url):
            bench(url, folder, args)


if __name__ == "__main__":
    main()
