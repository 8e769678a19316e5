"""SQLite writers wait their turn in the kernel (flock) before BEGIN IMMEDIATE, not in SQLite's busy handler.

SQLite lets one writer in at a time and makes the others poll, sleeping 1, 2, 5, 10 ... ms between tries.
A booking holds the write lock about 2 ms, so a waiter often slept well past the moment the lock was free:
under load each gunicorn worker spent a fifth of its time asleep (docs/performance.md). An exclusive flock
on a file beside the database queues the writers of every process instead and wakes the next one as soon
as the holder commits or rolls back. SQLite's own lock stays the guarantee (a writer that does not queue,
such as the sqlite3 shell, is still kept out by it); the queue only orders who asks for it.
"""

import fcntl
import os
import sqlite3
import threading

from sqlalchemy.engine import Connection

_held = threading.local()  # lock files this thread holds, through any of its connections


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its turn in the writer queue (begin_immediate) and leaves it when
    its transaction ends, however it ends (commit, rollback, close)."""

    _lock_path: str | None = None
    _lock_fd: int | None = None
    _holding: set | None = None  # while holding: the holding thread's set of held lock files

    def queue_for_writing(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._holding is not None:
            return
        held = _held.__dict__.setdefault("paths", set())
        if path in held:
            # this thread already writes through another connection: waiting for our own turn would never
            # end; SQLite's busy handler decides (and gives up after busy_timeout) as before
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        held.add(path)
        self._holding = held

    def leave_writer_queue(self) -> None:
        if self._holding is not None:
            self._holding.discard(self._lock_path)
            self._holding = None
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_writer_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_writer_queue()

    def close(self) -> None:
        self.leave_writer_queue()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        super().close()

    def _writer_lock_path(self) -> str | None:
        """The lock file beside the database file; None for a database in memory."""
        if self._lock_path is None:
            files = {name: file for _, name, file in self.execute("PRAGMA database_list")}
            self._lock_path = f"{files['main']}-writers" if files.get("main") else ""
        return self._lock_path or None


def begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE on `connection` once its turn in the writer queue has come."""
    dbapi_connection = connection.connection.dbapi_connection
    queued = isinstance(dbapi_connection, QueuedWriterConnection)
    if queued:
        dbapi_connection.queue_for_writing()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if queued:
            dbapi_connection.leave_writer_queue()
        raise


def engine_options(options: dict) -> dict:
    """SQLAlchemy engine options for a SQLite database: `options` with connections that queue."""
    return {**options, "connect_args": {**options.get("connect_args", {}), "factory": QueuedWriterConnection}}
