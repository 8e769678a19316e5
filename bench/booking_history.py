"""A booking's CPU on a resource with a long history, beside one on a new resource (SQLite, in process).

A fresh SQLite database as bench/booking_create.py prepares it, then `--history` past bookings of one room
written in one INSERT (two-hour steps from 2020); rounds of bookings through the Flask test client on that
room and on a room without history, one after the other, on slots to come.

    .venv/bin/python bench/booking_history.py [--history 20000] [--rounds 3] [--per-round 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from booking_create import next_monday, prepare  # noqa: E402
from databases import database  # noqa: E402

PAST = datetime(2020, 1, 1, 8, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=100)
    args = parser.parse_args()
    with database("sqlite") as (folder, url):
        instance = prepare(folder, url, people=1, resources=2)
        from sqlalchemy import insert

        from mutualise import create_app
        from mutualise.extensions import db
        from mutualise.models import Booking

        app = create_app({"INSTANCE_PATH": folder})
        used, new = instance.resource_ids
        structure = instance.structure_ids[0]
        with app.app_context():
            db.session.execute(insert(Booking), [
                {"resource_id": used, "structure_id": structure, "user_id": 1, "title": "Past", "quantity": 1,
                 "start_at": PAST + timedelta(hours=2 * n), "end_at": PAST + timedelta(hours=2 * n + 1),
                 "blocked_until": PAST + timedelta(hours=2 * n + 1), "exclusive": True,
                 "status": "confirmed", "created_at": PAST, "updated_at": PAST} for n in range(args.history)])
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {instance.tokens[0]}", "Accept-Language": "en"}
        first = datetime.combine(next_monday(instance.zone), datetime.min.time(), tzinfo=instance.zone)
        slots = (first + timedelta(days=7, hours=n) for n in range(10**6))

        def book(resource_id: int) -> float:
            """CPU milliseconds per booking of `resource_id` over one round."""
            started = time.process_time()
            for _ in range(args.per_round):
                start = next(slots)
                response = client.post("/api/v1/bookings", headers=headers, json={
                    "resource_id": resource_id, "structure_id": structure, "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat()})
                assert response.status_code == 201, response.get_data(as_text=True)
            return (time.process_time() - started) / args.per_round * 1000

        book(new)  # warm up
        for number in range(args.rounds):
            print(f"round {number + 1}: {book(used):5.2f} ms per booking with {args.history} past bookings, "
                  f"{book(new):5.2f} ms without")


if __name__ == "__main__":
    main()
