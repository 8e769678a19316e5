"""In-process figures of bench/booking_create.py (`--profile`, `--cpu`): one app, the Flask test client,
no HTTP server, so that CPU time and statements per request can be compared on a busy machine.

`folder`: the prepared instance folder; `token`: a bearer token; `booking_body()`: the JSON of the next
booking, each on a free slot.
"""

from __future__ import annotations

import cProfile
import pstats
import time


def profile(folder: str, token: str, booking_body, count: int) -> None:
    """Where one process spends a booking request: cProfile over `count` bookings (Flask test client)."""
    from mutualise import create_app

    app = create_app({"INSTANCE_PATH": folder})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    for _ in range(20):  # warm up: imports, compiled templates, first connections
        client.post("/api/v1/bookings", json=booking_body(), headers=headers)
    profiler = cProfile.Profile(time.process_time)  # CPU time: other jobs on the box do not count
    started = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        response = client.post("/api/v1/bookings", json=booking_body(), headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"in-process, profiled: {count / elapsed:.0f} bookings/s ({elapsed / count * 1000:.2f} ms each); "
          f"the times below are CPU seconds")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def cpu(folder: str, token: str, booking_body, rounds: int, per_round: int) -> None:
    """CPU time (time.process_time, immune to the other jobs on the box) and SQL statements per request,
    in one process through the Flask test client: `rounds` rounds of `per_round` bookings then as many
    GET /api/v1/me, so the two are compared on the same data and under the same load. Also the e-mail's
    share of a booking's CPU, and how long (wall clock, one process) SQLite's write lock is held: from
    BEGIN IMMEDIATE to the end of the commit, which caps the bookings one database can take per second."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from mutualise import create_app
    from mutualise.extensions import db

    app = create_app({"INSTANCE_PATH": folder})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    spent = {"statements": 0, "locked": 0.0}
    locked_at = [0.0]

    def count_statement(connection, cursor, statement, *args) -> None:
        spent["statements"] += 1
        if statement == "BEGIN IMMEDIATE":
            locked_at[0] = time.perf_counter()

    def unlocked(session) -> None:
        if locked_at[0]:
            spent["locked"] += time.perf_counter() - locked_at[0]
            locked_at[0] = 0.0

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count_statement)
    # first in line, so that what runs after the commit (sending the mail) is not counted as locked
    event.listen(Session, "after_commit", unlocked, insert=True)
    event.listen(Session, "after_rollback", unlocked, insert=True)
    mail_cpu = _time_mail()

    def run(method: str, path: str, body_of, status: int, count: int) -> dict[str, float]:
        spent.update(statements=0, locked=0.0)
        mail_cpu[0] = 0.0
        started, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            response = client.open(path, method=method, json=body_of(), headers=headers)
            assert response.status_code == status, response.get_data(as_text=True)
        return {"cpu": (time.process_time() - started) / count * 1000,
                "wall": (time.perf_counter() - wall) / count * 1000,
                "statements": spent["statements"] / count, "mail": mail_cpu[0] / count * 1000,
                "locked": spent["locked"] / count * 1000}

    run("POST", "/api/v1/bookings", booking_body, 201, 20)  # warm up
    run("GET", "/api/v1/me", lambda: None, 200, 20)
    results = []
    for number in range(rounds):
        booking = run("POST", "/api/v1/bookings", booking_body, 201, per_round)
        me = run("GET", "/api/v1/me", lambda: None, 200, per_round)
        results.append((booking, me))
        print(f"round {number + 1}: booking {booking['cpu']:5.2f} ms CPU ({booking['mail']:4.2f} of it "
              f"e-mail), {booking['statements']:4.1f} statements, write lock held {booking['locked']:4.2f} "
              f"of {booking['wall']:5.2f} ms; GET /me {me['cpu']:5.2f} ms CPU, {me['statements']:4.1f} "
              f"statements")

    def median(key: str, of: int = 0) -> float:
        values = sorted(result[of][key] for result in results)
        return values[len(values) // 2]

    booking_cpu = [b["cpu"] for b, _ in results]
    me_cpu = [m["cpu"] for _, m in results]
    print(f"median of {rounds} x {per_round}: booking {median('cpu'):.2f} ms CPU "
          f"({min(booking_cpu):.2f}-{max(booking_cpu):.2f}; e-mail {median('mail'):.2f}; write lock held "
          f"{median('locked'):.2f} ms), GET /me {median('cpu', of=1):.2f} ms "
          f"({min(me_cpu):.2f}-{max(me_cpu):.2f})")


def _time_mail() -> list[float]:
    """Wrap what the booking e-mail costs: reading what it says (booking_mail.bookings_made, in the
    transaction), rendering and writing it out (mail._Draft.render) and sending it (mail.send), both after
    the commit, so that their CPU seconds add up in the returned one-item list; what they do is unchanged."""
    from mutualise import mail
    from mutualise.services import booking_mail

    spent = [0.0]

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started
        return wrapper

    booking_mail.bookings_made = timed(booking_mail.bookings_made)
    mail._Draft.render = timed(mail._Draft.render)
    mail.send = timed(mail.send)
    return spent
