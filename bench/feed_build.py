"""Building a calendar feed: domain.ical_feed.render_feed alone, for 1,000 and 10,000 events.

Cold is the first call in a fresh Python process (each size in its own child process, which also reports
how long importing the mutualise package, then the feed modules, took); warm is the median of further
calls in that process. The events look like real bookings: accented summaries with commas, a location,
some descriptions, a few cancelled ones, one-hour slots over a year in Europe/Paris (so the VTIMEZONE
covers two changes a year).

    .venv/bin/python bench/feed_build.py [--sizes 1000 10000] [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 1000  # 10,000 events, cold: "well under" this


def child(size: int, runs: int) -> dict:
    started = time.perf_counter()
    import mutualise  # noqa: F401  (the package imports Flask and the app: not the feed's cost)

    package = time.perf_counter()
    from mutualise.domain.ical_feed import FeedCalendar, FeedEvent, render_feed

    imported = time.perf_counter()
    first = datetime(2026, 1, 5, 8, tzinfo=UTC)
    created = datetime(2025, 12, 1, 9, tzinfo=UTC)
    events = [
        FeedEvent(
            uid=f"booking-{i}@mutualise.example",
            start=first + timedelta(hours=(i * 7) % 8760),
            end=first + timedelta(hours=(i * 7) % 8760 + 1),
            summary=f"Réunion du conseil, structure n° {i % 40}; ordre du jour",
            status="CANCELLED" if i % 50 == 0 else "CONFIRMED",
            sequence=i % 3,
            created=created,
            last_modified=created + timedelta(minutes=i),
            location="Salle Jaurès, 1er étage, 12 rue de la Coopération",
            description="Réservé par Camille Martin\nClé à l'accueil" if i % 4 == 0 else None,
        )
        for i in range(size)
    ]
    calendar = FeedCalendar(name="Salle Jaurès", timezone="Europe/Paris", colour="#3366cc")
    stamp = datetime(2026, 3, 1, 12, tzinfo=UTC)
    built = time.perf_counter()
    body = render_feed(calendar, events, stamp)
    cold = time.perf_counter() - built
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        render_feed(calendar, events, stamp)
        warm.append(time.perf_counter() - t)
    return {"size": size, "package_ms": (package - started) * 1000, "import_ms": (imported - package) * 1000,
            "cold_ms": cold * 1000, "warm_ms": statistics.median(warm) * 1000, "bytes": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=10, help="warm calls after the cold one")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args.child, args.runs)))
        return
    print(f"{'events':>7} {'mutualise import ms':>20} {'ical import ms':>15} {'cold ms':>9} {'warm ms':>9} "
          f"{'size KiB':>9}")
    for size in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--child", str(size), "--runs", str(args.runs)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        r = json.loads(done.stdout)
        print(f"{size:>7} {r['package_ms']:>20.1f} {r['import_ms']:>15.1f} {r['cold_ms']:>9.1f} "
              f"{r['warm_ms']:>9.1f} {r['bytes'] / 1024:>9.0f}")
    print(f"target: 10,000 events cold well under {TARGET_MS} ms")


if __name__ == "__main__":
    main()
