"""One resource's availability over a week, on PostgreSQL holding 1,000,000 bookings.

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py; or reuses MUTUALISE_TEST_PG_URL), migrates
it, creates 1,000 resources through the services, then 1,000 bookings per resource with one SQL
INSERT ... SELECT over generate_series: two hours each, one hour apart, so none overlap (one in ten is
cancelled). The stock trigger is switched off for the load only (the rows cannot overlap by
construction; the exclusion constraint stays on), then ANALYZE. Times
services.availability.availability for one resource over one week (median of 200 calls, each in a fresh
transaction as a request would be) and prints EXPLAIN (ANALYZE, BUFFERS) of the bookings query it runs.
With --what-if, also the plan and time of the same search through a GiST index on the periods.

    .venv/bin/python bench/availability_pg.py [--resources 1000] [--per-resource 1000] [--calls 200]
                                              [--profile] [--what-if]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from flask_migrate import upgrade  # noqa: E402
from pg_cluster import start_or_reuse  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from mutualise import create_app  # noqa: E402
from mutualise.extensions import db  # noqa: E402
from mutualise.services import structures, users  # noqa: E402
from mutualise.services.availability import availability  # noqa: E402
from mutualise.services.resources import ResourceInput, create_resource  # noqa: E402

TARGET_MS = 2.0
FIRST_START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
EVERY = timedelta(hours=3)  # two hours booked, one free

LOAD_BOOKINGS = """
    INSERT INTO bookings (resource_id, structure_id, user_id, title, quantity, start_at, end_at,
                          blocked_until, exclusive, status, sequence, created_at, updated_at, cancelled_late,
                          no_show)
    SELECT r.id, :structure_id, :user_id, 'Bench', 1,
           :first + i * interval '3 hours', :first + i * interval '3 hours' + interval '2 hours',
           :first + i * interval '3 hours' + interval '2 hours',
           true, CASE WHEN i % 10 = 9 THEN 'cancelled' ELSE 'confirmed' END, 0, :first, :first, false, false
    FROM resources r CROSS JOIN generate_series(0, :per_resource - 1) AS i
"""


def load(args) -> tuple[int, object]:
    """People, resources and bookings; returns (a resource id, the admin)."""
    now = datetime.now(UTC)
    admin = users.create_user(db.session, None, now, users.UserInput(
        email="admin@bench.example", name="Admin", password="bench-password", roles=["admin"]))
    structure = structures.create_structure(db.session, admin, now, structures.StructureInput(name="Bench"))
    started = time.perf_counter()
    resource_ids = [create_resource(db.session, admin, now, ResourceInput(kind="room", name=f"Room {n:04d}"))
                    .id for n in range(args.resources)]
    db.session.commit()
    print(f"{args.resources} resources through the services in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    db.session.execute(text("ALTER TABLE bookings DISABLE TRIGGER bookings_within_stock"))
    db.session.execute(text(LOAD_BOOKINGS), {"structure_id": structure.id, "user_id": admin.id,
                                             "first": FIRST_START, "per_resource": args.per_resource})
    db.session.execute(text("ALTER TABLE bookings ENABLE TRIGGER bookings_within_stock"))
    db.session.commit()
    elapsed = time.perf_counter() - started
    print(f"{args.resources * args.per_resource:,} bookings inserted in {elapsed:.1f} s")
    started = time.perf_counter()
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    print(f"ANALYZE in {time.perf_counter() - started:.1f} s")
    return resource_ids[len(resource_ids) // 2], admin


def measure(args, resource_id: int, admin_id: int) -> None:
    # a week in the middle of the resource's bookings
    start = FIRST_START + EVERY * (args.per_resource // 2)
    start = start.replace(hour=0)
    end = start + timedelta(days=7)
    from mutualise.models import User

    timings, found = [], None
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.calls):
        db.session.rollback()  # a fresh transaction and identity map, as each request has
        admin = db.session.get(User, admin_id)
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        found = availability(db.session, admin, resource_id, start, end)
        timings.append((time.perf_counter() - started) * 1000)
        if profiler:
            profiler.disable()
    median = statistics.median(timings)
    print(f"availability(one resource, one week): median {median:.2f} ms, p95 "
          f"{statistics.quantiles(timings, n=20)[-1]:.2f} ms over {args.calls} calls "
          f"({len(found['busy'])} busy, {len(found['free'])} free periods); target < {TARGET_MS} ms: "
          f"{'met' if median < TARGET_MS else 'MISSED'}")
    if profiler:
        pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(30)
    explain(resource_id, admin_id, start, end)
    if args.what_if:
        what_if_gist(resource_id, start, end)


def explain(resource_id: int, admin_id: int, start: datetime, end: datetime) -> None:
    """EXPLAIN ANALYZE of the very statement the service sends for the bookings (caught on the wire)."""
    from mutualise.models import User

    caught = []

    def catch(conn, cursor, statement, parameters, context, executemany):
        if "FROM bookings" in statement:
            caught.append((statement, parameters))

    db.session.rollback()
    admin = db.session.get(User, admin_id)
    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        availability(db.session, admin, resource_id, start, end)
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)
    statement, parameters = caught[0]
    print("\nThe bookings query:\n" + statement)
    connection = db.session.connection()
    plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    print("\n".join(row[0] for row in plan))
    time_query(lambda: connection.exec_driver_sql(statement, parameters).all())
    db.session.rollback()


def time_query(run) -> None:
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    print(f"the query alone: median {statistics.median(timings):.2f} ms over 200 runs (round trip included)")


WHAT_IF_INDEX = """
    CREATE INDEX ix_bookings_active_period ON bookings
    USING gist (resource_id, tstzrange(start_at, end_at, '[)')) WHERE status IN ('pending', 'confirmed')
"""
WHAT_IF_QUERY = """
    SELECT start_at, end_at, quantity FROM bookings
    WHERE resource_id = CAST(:resource_id AS integer) AND status IN ('pending', 'confirmed')
      AND tstzrange(start_at, end_at, '[)') && tstzrange(:start, :end, '[)')
"""


def what_if_gist(resource_id: int, start: datetime, end: datetime) -> None:
    """The same bookings found through a GiST index on the period of active bookings: what the query
    costs when it no longer walks the resource's whole past (not what the service does today)."""
    started = time.perf_counter()
    db.session.execute(text(WHAT_IF_INDEX))
    db.session.execute(text("ANALYZE bookings"))  # statistics of the indexed expression
    db.session.commit()
    built = time.perf_counter() - started
    print(f"\nWhat if (index built in {built:.1f} s):" + WHAT_IF_INDEX + WHAT_IF_QUERY)
    params = {"resource_id": resource_id, "start": start, "end": end}
    plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + WHAT_IF_QUERY), params)
    print("\n".join(row[0] for row in plan))
    time_query(lambda: db.session.execute(text(WHAT_IF_QUERY), params).all())
    db.session.execute(text("DROP INDEX ix_bookings_active_period"))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--per-resource", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="also print where the calls spend time")
    parser.add_argument("--what-if", action="store_true",
                        help="also explain the query through a GiST index on the active bookings' periods")
    args = parser.parse_args()
    with start_or_reuse() as server, tempfile.TemporaryDirectory(prefix="mutualise-bench-") as folder:
        url = server.create_database("mutualise_bench")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            resource_id, admin = load(args)
            measure(args, resource_id, admin.id)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
