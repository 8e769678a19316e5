"""50 clients racing for one slot against gunicorn: one booking, conflicts for the rest, every answer fast.

Same set-up as booking_create.py (a fresh SQLite file, or PostgreSQL; gunicorn with 2 workers): each
round, every client (own bearer token, own connection already open) is released by a barrier to POST the
same slot of the same room. Prints, per worker class, the answers and the slowest one over all rounds;
the target is that every client hears back within 1 s.

    .venv/bin/python bench/booking_race.py [--clients 50] [--rounds 5] [--worker-class sync gthread]
                                           [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from booking_create import call, database, gunicorn, next_monday, prepare

TARGET_SECONDS = 1.0


def race(address: str, tokens: list[str], body: dict) -> list[tuple[int, float]]:
    """Every token POSTs `body` at once; (status, seconds from release to answer) for each."""
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client(token: str) -> None:
        connection = http.client.HTTPConnection(address, timeout=30)
        connection.connect()
        barrier.wait()
        started = time.perf_counter()
        try:
            status, _ = call(connection, token, "POST", "/api/v1/bookings", body)
        except OSError:
            status = 0
        with lock:
            answers.append((status, time.perf_counter() - started))
        connection.close()

    threads = [threading.Thread(target=client, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", nargs="+", default=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    for worker_class in args.worker_class:
        with database(args.backend) as (folder, url):
            instance = prepare(folder, url, people=args.clients, resources=1)
            monday = next_monday(instance.zone) + timedelta(days=7)
            threads = args.threads if worker_class == "gthread" else 1
            with gunicorn(instance, workers=args.workers, worker_class=worker_class,
                          threads=threads) as server:
                slowest, outcomes = 0.0, []
                for round_number in range(args.rounds):
                    start = datetime.combine(monday, datetime.min.time(), tzinfo=instance.zone)
                    start += timedelta(hours=8 + round_number)
                    body = {"resource_id": instance.resource_ids[0],
                            "structure_id": instance.structure_ids[0], "start": start.isoformat(),
                            "end": (start + timedelta(hours=1)).isoformat(), "title": "Race"}
                    answers = race(server.address, instance.tokens, body)
                    outcomes.append(dict(sorted(Counter(status for status, _ in answers).items())))
                    slowest = max(slowest, max(seconds for _, seconds in answers))
            label = f"{worker_class} x {threads} threads" if worker_class == "gthread" else worker_class
            verdict = "within" if slowest <= TARGET_SECONDS else "OVER"
            print(f"{args.backend}, gunicorn {args.workers} workers, {label}: {args.clients} racers x "
                  f"{args.rounds} rounds, answers per round {outcomes}; slowest answer "
                  f"{slowest * 1000:.0f} ms ({verdict} {TARGET_SECONDS * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
