"""A calendar feed over HTTP: GET /feeds/<secret>.ics of a 1,000-event feed, first fetch and cached.

A fresh database (SQLite file, then a throwaway PostgreSQL cluster from tests/pg_cluster.py) with four
structures, one room and 1,000 one-hour bookings of it spread over the feed's window (rows written in
bulk). A member of one structure owns a "full" feed of the room, so every event asks who may see it.
Through the Flask test client, in-process: the first fetch (rendered), then the median of `--runs`
fetches answered 200 from the cache, and of as many answered 304 (If-None-Match). Target: under 10 ms.

    .venv/bin/python bench/feed_http.py [--events 1000] [--runs 50] [--backend sqlite postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from databases import database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from mutualise import create_app  # noqa: E402
from mutualise.extensions import db  # noqa: E402
from mutualise.models import Booking  # noqa: E402
from mutualise.services import structures, users  # noqa: E402
from mutualise.services.feeds import FeedInput, create_feed  # noqa: E402
from mutualise.services.resources import ResourceInput, create_resource  # noqa: E402

TARGET_MS = 10
STRUCTURES = 4


def load(events: int) -> str:
    """People, structures, a room and its bookings; returns the secret of the member's full feed."""
    now = datetime.now(UTC)
    admin = users.create_user(db.session, None, now, users.UserInput(
        email="admin@bench.example", name="Admin", password="bench-password", roles=["admin"]))
    structure_ids = [structures.create_structure(db.session, admin, now, structures.StructureInput(
        name=f"Structure {n}")).id for n in range(STRUCTURES)]
    member = users.create_user(db.session, admin, now, users.UserInput(
        email="member@bench.example", name="Member", password="bench-password"))
    structures.set_member(db.session, admin, now, structure_ids[0], member.id, "member")
    room = create_resource(db.session, admin, now, ResourceInput(kind="room", name="Salle Jaurès"))
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=80)
    step = timedelta(days=600) / events  # inside the window: 90 days back to 548 ahead
    rows = []
    for n in range(events):
        start = first + n * step
        end = start + timedelta(hours=1)
        rows.append({"resource_id": room.id, "structure_id": structure_ids[n % STRUCTURES],
                     "user_id": admin.id, "title": f"Réunion n° {n}, ordre du jour", "quantity": 1,
                     "start_at": start, "end_at": end, "blocked_until": end, "exclusive": True,
                     "status": "confirmed", "sequence": 0, "created_at": now, "updated_at": now,
                     "cancelled_late": False, "no_show": False})
    db.session.execute(insert(Booking), rows)
    _, secret = create_feed(db.session, member, now, FeedInput(scope="resource", target_id=room.id,
                                                               detail="full"))
    db.session.commit()
    return secret


def median_ms(run, runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def bench(url: str, folder: str, args) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        secret = load(args.events)
        db.session.remove()
    client = app.test_client()
    path = f"/feeds/{secret}.ics"

    started = time.perf_counter()
    first = client.get(path)
    cold = (time.perf_counter() - started) * 1000
    assert first.status_code == 200, first.status_code
    assert first.data.count(b"BEGIN:VEVENT") == args.events
    etag = first.headers["ETag"]

    def fetch(status: int, headers: dict):
        def run():
            response = client.get(path, headers=headers)
            assert response.status_code == status, response.status_code
        return run

    cached, cached_worst = median_ms(fetch(200, {}), args.runs)
    unchanged, unchanged_worst = median_ms(fetch(304, {"If-None-Match": etag}), args.runs)
    print(f"  first fetch (rendered): {cold:.1f} ms, {len(first.data) / 1024:.0f} KiB")
    for label, middle, worst in (("200 from the cache", cached, cached_worst),
                                 ("304 (If-None-Match)", unchanged, unchanged_worst)):
        verdict = "met" if middle < TARGET_MS else "MISSED"
        print(f"  {label}: median {middle:.2f} ms (slowest {worst:.1f} ms); "
              f"target < {TARGET_MS} ms: {verdict}")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.backend:
        print(f"{backend}: a full feed of one room with {args.events} bookings")
        with database(backend) as (folder, url):
            bench(url, folder, args)


if __name__ == "__main__":
    main()
