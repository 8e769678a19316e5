"""Mutualise: pooling rooms, vehicles and equipment across the structures of a network."""

import os
import secrets
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from mutualise.config import Defaults, database_uri_default
from mutualise.db_types import SQLITE_CHANGES_AT_BEGIN, SQLITE_IMMEDIATE
from mutualise.extensions import api, babel, csrf, db, limiter, login_manager, migrate
from mutualise.sqlite_writers import begin_immediate, engine_options


class MutualiseFlask(Flask):
    """Flask with the request's single commit point (DESIGN.md: one commit per request)."""

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        # A view that answers with an error status has refused the input: nothing it flushed may stay.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def create_app(test_config: dict | None = None) -> Flask:
    # Tests give their own instance folder so nothing they write lands in the developer's.
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = MutualiseFlask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(Defaults)
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MUTUALISE")
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_uri_default(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app.config["SECRET_KEY"] == Defaults.SECRET_KEY and not app.testing:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)

    _init_extensions(app)

    from mutualise import cli, errors, mail, web

    mail.init_app(app)
    web.register(app)
    errors.register(app)
    cli.register(app)
    return app


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so a fresh install is never run on a public default."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def _init_extensions(app: Flask) -> None:
    from mutualise import models  # noqa: F401  (registers the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from mutualise.web import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    api.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        # pysqlite's own BEGIN comes late and is always DEFERRED; _sqlite_begin emits it instead.
        dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """Begin SQLite transactions ourselves, IMMEDIATE when asked (execution option `sqlite_immediate`).

    A deferred transaction that reads and then writes cannot wait for another writer (SQLite answers
    "database is locked" at once); an IMMEDIATE one takes the write lock first and queues on it, so
    booking checks run on data no other writer can change before commit (invariants 1 and 2).
    """
    if connection.dialect.name == "sqlite":
        immediate = bool(connection.get_execution_options().get(SQLITE_IMMEDIATE))
        if immediate:
            begin_immediate(connection)
        else:
            connection.exec_driver_sql("BEGIN")
        connection.info[SQLITE_IMMEDIATE] = immediate
        # services/locks.begin_writing compares: rows changed since, by the ORM or not, mean a writer
        connection.info[SQLITE_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes
