"""Shared fixtures. Every test that uses `app` runs once on a real SQLite file and once on a throwaway
PostgreSQL cluster; the schema comes from the Alembic migrations, so they are tested too."""

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import text

sys.path.insert(0, os.path.dirname(__file__))  # tests/pg_cluster.py and tests/factories.py

from factories import Factories  # noqa: E402
from pg_cluster import start_or_reuse  # noqa: E402

from mutualise import create_app  # noqa: E402
from mutualise.extensions import db  # noqa: E402

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server():
    with start_or_reuse() as server:
        yield server


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """One migrated database per backend for the whole run."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.db")
    else:
        url = request.getfixturevalue("postgres_server").create_database("mutualise_test")
    app = create_app(_test_config(url, str(tmp_path_factory.mktemp("instance"))))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
    yield url


def _test_config(url: str, instance_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": instance_path,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "console",
        "SERVER_NAME": None,
    }


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_test_config(database_url, str(tmp_path / "instance")))
    # This app context spans the test, so Flask lets every request reuse it and its `g`, where
    # Flask-Login keeps the signed-in user and Flask-Babel the locale. Production gives each request a
    # fresh `g`; so do the tests, or one client's sign-in would leak into the next request.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_globals)
    app.teardown_request(lambda error: _fresh_globals())
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _fresh_globals() -> None:
    g.__dict__.clear()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # The ledger's append-only triggers refuse DELETE (TRUNCATE skips them on PostgreSQL): lift
            # them for the clean-up and put the same ones back.
            triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                               "AND sql LIKE '%ledger_posted%'")).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            # rows citing rows of their own table (reversals) go in one statement: check keys at commit
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for _name, sql in triggers:
                connection.execute(text(sql))


@pytest.fixture
def backend(app) -> str:
    return db.engine.dialect.name


@pytest.fixture(autouse=True)
def _sqlite_only(request):
    """`@pytest.mark.sqlite_only(reason)`: the test is skipped on PostgreSQL, saying why."""
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None and request.getfixturevalue("backend") != "sqlite":
        pytest.skip(marker.args[0])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    """A fixed clock for services."""
    return datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def make(app) -> Factories:
    """Factories: make.user(...), make.structure(...), make.site(...), make.resource(...)."""
    return Factories(db.session, count(1))


@pytest.fixture
def three(make) -> list:
    """Three structures, for the ledger's splits."""
    return [make.structure(name=name) for name in ("Atelier", "Bascule", "Cocotte")]


@pytest.fixture
def outbox(app) -> list:
    return app.extensions["mutualise_outbox"]


@pytest.fixture
def login(client):
    """Sign a person in through the real login form."""

    def _login(user, password: str = Factories.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return _login


@pytest.fixture
def api(client):
    """A JSON client authenticated with a freshly created bearer token of the given user."""
    from mutualise.services.accounts import create_api_token

    class ApiClient:
        def __init__(self, user=None, language: str = "fr"):
            self.headers = {"Accept-Language": language}
            if user is not None:
                _, secret = create_api_token(db.session, user, datetime.now(UTC), "test")
                db.session.commit()
                self.headers["Authorization"] = f"Bearer {secret}"

        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {**self.headers, **kwargs.pop("headers", {})}
                return getattr(client, method)(path, headers=headers, **kwargs)

            return call

    return ApiClient


class SmtpCollector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list:
        from email import message_from_bytes, policy

        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def to(self, address: str) -> list:
        return [m for m in self.messages() if m["To"] == address]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on a free loopback port, the app sending to it; yields what arrives."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    collector = SmtpCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    yield collector
    controller.stop()
