"""Bookings per second through gunicorn on a SQLite file, beside the rate of an empty authenticated read.

A fresh SQLite database in a temporary instance folder (`flask db upgrade`, then people, one structure
and many resources created through the services), served by gunicorn (2 workers, sync then gthread).
Client threads, each with their own bearer token, POST /api/v1/bookings for distinct hourly slots that
never conflict (many resources x many slots) for a fixed time, then GET /api/v1/me for the same time.
Prints bookings/s, p50/p95/p99/max latency, the rate of /me and the ratio of the two.

    .venv/bin/python bench/booking_create.py [--seconds 10] [--clients 8] [--workers 2]
                                             [--worker-class sync gthread] [--threads 4]
                                             [--backend sqlite|postgresql] [--own-structures]
                                             [--mail immediate|deferred] [--client lean|http.client]
    .venv/bin/python bench/booking_create.py --profile 500   # cProfile of 500 bookings, in-process
    .venv/bin/python bench/booking_create.py --cpu 5         # CPU and statements per request, in-process

The clients run on the same machine as the server and take part of its CPU, as they would on a two-core
box; the figures are what one such box sustains, not the server alone. They write their requests on plain
sockets (bench/http_load.py), which takes half of http.client's CPU; `--client http.client` measures as
the figures before 2026-12-07 did.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from booking_inprocess import cpu, profile  # noqa: E402
from databases import database  # noqa: E402
from http_load import LeanConnection  # noqa: E402

TARGET_PER_SECOND = 300


# The instance: a fresh database with people, a structure and resources


@dataclass
class Instance:
    folder: str
    url: str
    structure_ids: list[int]  # the structure each person books for, in the order of the tokens
    resource_ids: list[int]
    tokens: list[str]
    zone: ZoneInfo

    @property
    def app_spec(self) -> str:
        """The app factory call gunicorn and flask import (the database comes from the environment)."""
        return f"mutualise:create_app({{'INSTANCE_PATH': {self.folder!r}}})"


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "MUTUALISE_SQLALCHEMY_DATABASE_URI": url}


def prepare(folder: str, url: str, *, people: int, resources: int, own_structures: bool = False) -> Instance:
    """Migrate a fresh database at `url` and create, through the services, `people` people (one API
    token each) members of one structure, or each of their own, and `resources` rooms."""
    spec = f"mutualise:create_app({{'INSTANCE_PATH': {folder!r}}})"
    subprocess.run([str(VENV_BIN / "flask"), "--app", spec, "db", "upgrade"], env=environment(url),
                   cwd=ROOT, check=True, capture_output=True)
    os.environ.update(environment(url))
    from mutualise import create_app
    from mutualise.clock import utcnow
    from mutualise.extensions import db
    from mutualise.services import accounts, structures, users
    from mutualise.services.resources import ResourceInput, create_resource
    from mutualise.services.settings import get_settings

    app = create_app({"INSTANCE_PATH": folder})
    now = utcnow()
    with app.app_context():
        admin = users.create_user(db.session, None, now, users.UserInput(
            email="admin@bench.example", name="Admin", password="bench-password", roles=["admin"]))
        structure_ids = [structures.create_structure(db.session, admin, now, structures.StructureInput(
            name=f"Structure {n}")).id for n in range(people if own_structures else 1)]
        tokens = []
        for n in range(people):
            person = users.create_user(db.session, admin, now, users.UserInput(
                email=f"person{n}@bench.example", name=f"Person {n}", password="bench-password"))
            structures.set_member(db.session, admin, now, structure_ids[n % len(structure_ids)], person.id,
                                  "member")
            tokens.append(accounts.create_api_token(db.session, person, now, "bench")[1])
        resource_ids = [create_resource(db.session, admin, now, ResourceInput(
            kind="room", name=f"Room {n:04d}")).id for n in range(resources)]
        zone = ZoneInfo(get_settings(db.session).timezone)
        db.session.commit()
        instance = Instance(folder, url, [structure_ids[n % len(structure_ids)] for n in range(people)],
                            resource_ids, tokens, zone)
        db.engine.dispose()
    return instance


def next_monday(zone: ZoneInfo) -> date:
    today = datetime.now(zone).date()
    return today + timedelta(days=7 - today.weekday())


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    address: str  # host:port
    pid: int  # gunicorn's master; its workers are its children

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (user + system, from /proc)."""
        ticks = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry}/stat") as handle:
                    # the command name may hold spaces: the fields that follow start after its ")"
                    fields = handle.read().rpartition(")")[2].split()
                if int(entry) == self.pid or int(fields[1]) == self.pid:
                    ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(instance: Instance, *, workers: int, worker_class: str, threads: int = 1):
    """gunicorn serving the instance on a free loopback port; yields the Server once it answers."""
    address = f"127.0.0.1:{free_port()}"
    command = [str(VENV_BIN / "gunicorn"), "--bind", address, "--workers", str(workers),
               "--worker-class", worker_class, "--threads", str(threads), "--log-level", "warning",
               instance.app_spec]
    process = subprocess.Popen(command, cwd=ROOT, env=environment(instance.url))
    try:
        wait_until_up(address, instance.tokens[0], process)
        yield Server(address, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(address: str, token: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if call(http.client.HTTPConnection(address, timeout=5), token, "GET", "/api/v1/me")[0] == 200:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not answer in time")


# The clients


def call(connection: http.client.HTTPConnection, token: str, method: str, path: str,
         body: dict | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


class StdlibConnection:
    """The same requests through http.client (`--client http.client`, the generator of the figures before
    2026-12-07): twice the client CPU of LeanConnection."""

    def __init__(self, address: str, token: str):
        self.connection, self.token = http.client.HTTPConnection(address, timeout=30), token

    def request(self, method: str, path: str, body: dict | None = None) -> int:
        return call(self.connection, self.token, method, path, body)[0]

    def close(self) -> None:
        self.connection.close()


CLIENTS = {"lean": LeanConnection, "http.client": StdlibConnection}


def hammer(address: str, tokens: list[str], seconds: float, next_request, client_kind: str = "lean") -> Tally:
    """Each token in its own thread sends `next_request(index of the token)` -> (method, path, body)
    until time is up."""
    tally = Tally()
    stop_at = time.monotonic() + seconds

    def client(index: int, token: str) -> None:
        connection = CLIENTS[client_kind](address, token)
        while time.monotonic() < stop_at:
            method, path, body = next_request(index)
            started = time.perf_counter()
            status = connection.request(method, path, body)
            tally.add(status, time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=client, args=pair) for pair in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def distinct_slots(instance: Instance, start: datetime):
    """Bookings that never conflict: every resource at `start`, then every resource an hour later..."""
    counter = itertools.count()
    lock = threading.Lock()
    resources = len(instance.resource_ids)

    def next_request(client: int):
        with lock:
            n = next(counter)
        slot_start = start + timedelta(hours=n // resources)
        body = {"resource_id": instance.resource_ids[n % resources],
                "structure_id": instance.structure_ids[client], "start": slot_start.isoformat(),
                "end": (slot_start + timedelta(hours=1)).isoformat(), "title": "Bench"}
        return "POST", "/api/v1/bookings", body

    return next_request


def booking_bodies(instance: Instance, start: datetime):
    """The JSON of one booking after another, each on a free slot (the in-process modes)."""
    next_request = distinct_slots(instance, start)
    return lambda: next_request(0)[2]


def cpu_per_request(server: Server, run) -> tuple[Tally, float, float]:
    """`run()`'s tally, and the CPU milliseconds per answer it cost the server and this client process:
    unlike requests/s, these do not depend on what else the machine runs at the time."""
    server_before, client_before = server.cpu_seconds(), time.process_time()
    tally = run()
    answers = max(len(tally.latencies), 1)
    return (tally, (server.cpu_seconds() - server_before) / answers * 1000,
            (time.process_time() - client_before) / answers * 1000)


def measure(instance: Instance, server: Server, args, start: datetime) -> None:
    clients, address = instance.tokens[:args.clients], server.address
    made, made_server, made_client = cpu_per_request(
        server, lambda: hammer(address, clients, args.seconds, distinct_slots(instance, start), args.client))
    reads, read_server, read_client = cpu_per_request(
        server, lambda: hammer(address, clients, args.seconds, lambda client: ("GET", "/api/v1/me", None),
                               args.client))
    created = made.statuses.get(201, 0)
    booking_rate, read_rate = created / args.seconds, sum(reads.statuses.values()) / args.seconds
    print(f"  POST /api/v1/bookings {booking_rate:7.0f} bookings/s  p50 {made.percentile(50):6.1f} ms  "
          f"p95 {made.percentile(95):6.1f} ms  p99 {made.percentile(99):6.1f} ms  "
          f"max {made.percentile(100):6.1f} ms  answers {dict(sorted(made.statuses.items()))}")
    print(f"    CPU per booking: server {made_server:.1f} ms, client {made_client:.1f} ms")
    print(f"  GET  /api/v1/me       {read_rate:7.0f} requests/s  p50 {reads.percentile(50):6.1f} ms  "
          f"p95 {reads.percentile(95):6.1f} ms  answers {dict(sorted(reads.statuses.items()))}")
    print(f"    CPU per request: server {read_server:.1f} ms, client {read_client:.1f} ms")
    verdict = "meets" if booking_rate >= TARGET_PER_SECOND else "below"
    print(f"  bookings/s / me/s = {booking_rate / read_rate:.2f}; {verdict} the target of "
          f"{TARGET_PER_SECOND} bookings/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", nargs="+", default=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="lean",
                        help="the load generator's HTTP client: bench/http_load.py or the standard library's")
    parser.add_argument("--profile", type=int, metavar="BOOKINGS", help="profile in-process instead")
    parser.add_argument("--cpu", type=int, metavar="ROUNDS",
                        help="CPU and statements per request in-process instead (rounds of --per-round)")
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--own-structures", action="store_true",
                        help="each client books for a structure of its own (else all for one)")
    parser.add_argument("--mail", choices=["immediate", "deferred"], default="immediate",
                        help="immediate (the default setting): the console backend writes each "
                             "confirmation to the instance's outbox after the commit; deferred "
                             "(MAIL_DEFERRED): each booking writes it to the database for tick to send")
    args = parser.parse_args()
    os.environ["MUTUALISE_MAIL_DEFERRED"] = "true" if args.mail == "deferred" else "false"
    for worker_class in ([None] if args.profile or args.cpu else args.worker_class):
        with database(args.backend) as (folder, url):
            instance = prepare(folder, url, people=max(args.clients, 1), resources=args.resources,
                               own_structures=args.own_structures)
            start = datetime.combine(next_monday(instance.zone), datetime.min.time(), tzinfo=instance.zone)
            start += timedelta(days=7)
            if args.profile or args.cpu:
                body = booking_bodies(instance, start)
                if args.profile:
                    profile(instance.folder, instance.tokens[0], body, args.profile)
                else:
                    cpu(instance.folder, instance.tokens[0], body, args.cpu, args.per_round)
                continue
            threads = args.threads if worker_class == "gthread" else 1
            print(f"gunicorn {args.workers} workers, {worker_class}"
                  f"{f' x {threads} threads' if worker_class == 'gthread' else ''}; {args.clients} clients "
                  f"({'a structure each' if args.own_structures else 'one structure'}), "
                  f"{args.seconds:.0f} s each; {args.backend}; mail {args.mail}; client {args.client}")
            with gunicorn(instance, workers=args.workers, worker_class=worker_class,
                          threads=threads) as server:
                measure(instance, server, args, start)


if __name__ == "__main__":
    main()
