"""Serialising the writers that check before they write (bookings and quotas, invariants 1 and 2).

PostgreSQL: row locks (SELECT ... FOR UPDATE) on the resource, then the structure, always in that order
so two bookings never wait on each other in a cycle. SQLite has one writer at a time: the transaction must
have begun IMMEDIATE, which makes the checks and the write one indivisible step.
"""

from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from mutualise.db_types import SQLITE_CHANGES_AT_BEGIN, SQLITE_IMMEDIATE
from mutualise.models import Resource, Structure
from mutualise.sqlite_writers import begin_immediate

_WROTE = "mutualise_wrote"


def begin_writing(session: Session, *, keep_loaded: bool = False) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE); no-op on PostgreSQL or when
    the transaction already is one. Write requests and CLI commands call it before anything else; the
    booking service calls it late, once the request is authenticated and parsed (lock_for_booking).

    A transaction that has only read is ended and begun again on the same connection, so the SQLAlchemy
    transaction goes on. The objects it loaded are expired (read again under the lock) unless
    `keep_loaded`: the caller then reads again, under the lock, everything its checks depend on."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if not session.in_transaction():
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
        return
    connection = session.connection()
    if not _is_writer(session, connection):
        # Only read so far: end that snapshot and wait for the write lock (BEGIN IMMEDIATE queues on the
        # busy handler, where a deferred transaction's first write would fail at once on a stale snapshot).
        connection.exec_driver_sql("COMMIT")
        begin_immediate(connection)
        connection.info[SQLITE_IMMEDIATE] = True
        if not keep_loaded:
            session.expire_all()
    # changes made since the last query are written now, under the lock
    if session.new or session.dirty or session.deleted:
        session.flush()


def _is_writer(session: Session, connection) -> bool:
    """Whether the SQLite transaction holds the write lock: begun IMMEDIATE, or it has written (through
    the ORM or not: rows changed since BEGIN), which SQLite keeps locked until the transaction ends."""
    info = connection.info
    if info.get(SQLITE_IMMEDIATE) or session.info.get(_WROTE):
        return True
    changes = connection.connection.dbapi_connection.total_changes
    return changes != info.get(SQLITE_CHANGES_AT_BEGIN, changes)


def lock_for_booking(session: Session, resource_id: int, structure_id: int) -> None:
    """Take the locks under which a booking of `resource_id` for `structure_id` is checked and written.

    What the booking checks depend on (bookings, stock in use, closures, quota rules and usage) is read
    after this call; the resource, structure and booker loaded before stay loaded, as on PostgreSQL (READ
    COMMITTED), and the database's booking guards check the stock at the write."""
    if session.get_bind().dialect.name == "sqlite":
        begin_writing(session, keep_loaded=True)
        return
    session.execute(select(Resource.id).where(Resource.id == resource_id).with_for_update())
    session.execute(select(Structure.id).where(Structure.id == structure_id).with_for_update())


@event.listens_for(Session, "after_flush")
def _note_write(session, flush_context):
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction):
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
