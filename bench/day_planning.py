"""The day planning of 1,000 resources with a day of bookings each: the page, and the service alone.

A fresh database (SQLite file, then a throwaway PostgreSQL cluster from tests/pg_cluster.py) with ten
structures, 1,000 rooms created through the services and, for each room, eight one-hour bookings of the
same day spread over the structures (rows written in bulk: 8,000 of them). A member of one structure
signs in through the login form; the script times GET /calendar/day?date=... through the Flask test
client (median of 20, after a warm-up; the page must hold every resource and every booking) and
services.availability.day_planning alone (median of 20, each in a fresh transaction), each with its CPU
time in this process (`time.process_time`: steadier than the wall clock on a shared machine; PostgreSQL's
own work is not in it). Most bookings belong to other structures, so the page shows them as busy only.

    .venv/bin/python bench/day_planning.py [--resources 1000] [--per-day 8] [--runs 20]
                                           [--backend sqlite postgresql]
"""

from __future__ import annotations

import argparse
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
from sqlalchemy import insert  # noqa: E402

from mutualise import create_app  # noqa: E402
from mutualise.extensions import db  # noqa: E402
from mutualise.models import Booking, User  # noqa: E402
from mutualise.services import structures, users  # noqa: E402
from mutualise.services.availability import day_planning  # noqa: E402
from mutualise.services.resources import ResourceInput, create_resource  # noqa: E402
from mutualise.services.settings import get_settings  # noqa: E402

TARGET_MS = 300
PASSWORD = "bench-password"
STRUCTURES = 10


def load(args, day: date) -> int:
    """People, structures, rooms and a day of bookings for each room; returns the viewer's id."""
    now = datetime.now(UTC)
    admin = users.create_user(db.session, None, now, users.UserInput(
        email="admin@bench.example", name="Admin", password=PASSWORD, roles=["admin"]))
    structure_ids = [structures.create_structure(db.session, admin, now, structures.StructureInput(
        name=f"Structure {n}")).id for n in range(STRUCTURES)]
    viewer = users.create_user(db.session, admin, now, users.UserInput(
        email="member@bench.example", name="Member", password=PASSWORD))
    structures.set_member(db.session, admin, now, structure_ids[0], viewer.id, "member")
    started = time.perf_counter()
    resource_ids = [create_resource(db.session, admin, now, ResourceInput(kind="room", name=f"Room {n:04d}"))
                    .id for n in range(args.resources)]
    print(f"  {args.resources} resources through the services in {time.perf_counter() - started:.1f} s")
    zone = ZoneInfo(get_settings(db.session).timezone)
    eight = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=8)
    rows = []
    for n, resource_id in enumerate(resource_ids):
        for k in range(args.per_day):
            start = (eight + timedelta(hours=1.5 * k)).astimezone(UTC)
            end = start + timedelta(hours=1)
            rows.append({"resource_id": resource_id, "structure_id": structure_ids[(n + k) % STRUCTURES],
                         "user_id": admin.id, "title": f"Meeting {k}", "quantity": 1, "start_at": start,
                         "end_at": end, "blocked_until": end, "exclusive": True, "status": "confirmed",
                         "sequence": 0, "created_at": now, "updated_at": now, "cancelled_late": False,
                         "no_show": False})
    started = time.perf_counter()
    db.session.execute(insert(Booking), rows)
    db.session.commit()
    print(f"  {len(rows):,} bookings written in bulk in {time.perf_counter() - started:.1f} s")
    return viewer.id


def median_ms(run, runs: int) -> tuple[float, float, float]:
    """Median and slowest wall time, and median CPU time of this process, in milliseconds."""
    timings, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        run()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return statistics.median(timings), max(timings), statistics.median(cpu)


def bench(url: str, folder: str, args) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    today = datetime.now(UTC).date()
    day = today + timedelta(days=8 - today.weekday())  # Tuesday of next week
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        viewer_id = load(args, day)
        zone = ZoneInfo(get_settings(db.session).timezone)

        def service_alone():
            db.session.rollback()  # a fresh transaction and identity map, as each request has
            found = day_planning(db.session, db.session.get(User, viewer_id), day, zone)
            assert sum(len(slots) for slots in found.slots.values()) == args.resources * args.per_day

        middle, worst, cpu = median_ms(service_alone, args.runs)
        print(f"  day_planning() alone: median {middle:.0f} ms (slowest {worst:.0f} ms), CPU {cpu:.0f} ms")
        db.session.remove()

    client = app.test_client()
    signed_in = client.post("/login", data={"email": "member@bench.example", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    path = f"/calendar/day?date={day.isoformat()}"

    def page():
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    body = page().data  # warm-up: templates compiled, connections opened
    # every resource is on the page, each booking a block: the target is not met by showing fewer
    assert body.count(b'<div class="planning-row" data-resource=') == args.resources
    assert body.count(b"<li class=\"c") == args.resources * args.per_day
    size = len(body)
    middle, worst, cpu = median_ms(page, args.runs)
    verdict = "met" if middle < TARGET_MS else "MISSED"
    print(f"  GET {path}: median {middle:.0f} ms (slowest {worst:.0f} ms), CPU {cpu:.0f} ms, "
          f"{size / 1e3:,.0f} kB of HTML; target < {TARGET_MS} ms: {verdict}")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=8)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.backend:
        print(f"{backend}: {args.resources} resources x {args.per_day} bookings")
        with database(backend) as (folder, url):
            bench(url, folder, args)


if __name__ == "__main__":
    main()
