"""SQLite writers queue on a flock beside the database before BEGIN IMMEDIATE (mutualise/sqlite_writers.py):
the turn is held until the transaction ends however it ends, the next writer goes as soon as it is free,
a thread never waits for itself, and the app's connections keep their pragmas."""

import fcntl
import os
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from mutualise.extensions import db
from mutualise.sqlite_writers import QueuedWriterConnection, engine_options

IMMEDIATE = {"sqlite_immediate": True}


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/writers.db", **engine_options({}))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def turn_is_taken(tmp_path) -> bool:
    """Whether some connection holds the writers' turn (a probe of our own cannot take it)."""
    probe = os.open(tmp_path / "writers.db-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(probe)
    return False


@pytest.mark.sqlite_only("the writer queue and these pragmas are SQLite's")
def test_the_app_connections_queue_and_keep_their_pragmas(app):
    with db.engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        assert isinstance(dbapi_connection, QueuedWriterConnection)
        pragmas = [connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("foreign_keys", "journal_mode", "busy_timeout")]
    assert pragmas == [1, "wal", 5000]


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_writer_holds_its_turn_until_its_transaction_ends(engine, tmp_path, end):
    connection = engine.connect().execution_options(**IMMEDIATE)
    transaction = connection.begin()
    connection.execute(text("INSERT INTO t (who) VALUES ('a')"))
    assert turn_is_taken(tmp_path)
    if end == "close":
        connection.close()
    else:
        getattr(transaction, end)()
        assert turn_is_taken(tmp_path) is False
        connection.close()
    assert turn_is_taken(tmp_path) is False


def test_a_reader_does_not_take_the_turn(engine, tmp_path):
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT count(*) FROM t"))
        assert turn_is_taken(tmp_path) is False


def test_the_next_writer_goes_once_the_holder_has_committed(engine):
    steps, asked = [], threading.Event()

    def second_writer():
        with engine.connect().execution_options(**IMMEDIATE) as connection:
            steps.append("b asks")
            asked.set()
            with connection.begin():
                connection.execute(text("INSERT INTO t (who) VALUES ('b')"))
                steps.append("b writes")

    with engine.connect().execution_options(**IMMEDIATE) as connection:
        with connection.begin():
            connection.execute(text("INSERT INTO t (who) VALUES ('a')"))
            steps.append("a holds")
            other = threading.Thread(target=second_writer)
            other.start()
            assert asked.wait(10)
            steps.append("a commits")
        other.join(10)
    assert not other.is_alive()
    assert steps == ["a holds", "b asks", "a commits", "b writes"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == ["a", "b"]


def test_a_second_connection_of_the_same_thread_is_refused_instead_of_waiting_for_itself(engine):
    outcome = []

    def nested_writers():
        with engine.connect().execution_options(**IMMEDIATE) as first, first.begin():
            first.execute(text("INSERT INTO t (who) VALUES ('a')"))
            with engine.connect() as second:
                second.exec_driver_sql("PRAGMA busy_timeout=50")
                second.commit()
                try:
                    second.execution_options(**IMMEDIATE).begin()
                except OperationalError as error:
                    outcome.append(str(error.orig))

    thread = threading.Thread(target=nested_writers)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()  # it would hang for ever on its own turn
    assert outcome == ["database is locked"]


def test_a_database_in_memory_has_no_queue():
    engine = create_engine("sqlite://", **engine_options({}))
    with engine.connect().execution_options(**IMMEDIATE) as connection, connection.begin():
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        assert connection.connection.dbapi_connection._writer_lock_path() is None
