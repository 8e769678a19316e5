"""Throughput of authenticated API reads, the baseline later booking benchmarks compare against.

Runs the app in-process (Flask test client, no HTTP server) on a fresh SQLite file loaded with the demo
network, and prints requests per second for a few endpoints.

    .venv/bin/python bench/api_read.py [--requests 2000]
"""

import argparse
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from mutualise import create_app
from mutualise.clock import utcnow
from mutualise.demo import load_demo
from mutualise.extensions import db
from mutualise.models import User
from mutualise.services.accounts import create_api_token

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "INSTANCE_PATH": folder,
                          "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            load_demo(db.session, utcnow())
            admin = db.session.query(User).filter_by(is_admin=True).first()
            _, secret = create_api_token(db.session, admin, utcnow(), "bench")
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        for path in ("/api/v1/me", "/api/v1/resources", "/api/v1/structures"):
            assert client.get(path, headers=headers).status_code == 200
            started = time.perf_counter()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            print(f"{path:<22} {args.requests / elapsed:8.0f} requests/s  "
                  f"({elapsed / args.requests * 1000:.2f} ms each)")


if __name__ == "__main__":
    main()
