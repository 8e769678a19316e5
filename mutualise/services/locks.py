"""Serialising the writers that check before they write (bookings and quotas, invariants 1 and 2).

PostgreSQL: row locks (SELECT ... FOR UPDATE) on the resource, then the structure, always in that order
so two bookings never wait on each other in a cycle. SQLite has one writer at a time: the transaction must
have begun IMMEDIATE, which makes the checks and the write one indivisible step.
"""

from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from mutualise.db_types import SQLITE_IMMEDIATE
from mutualise.models import Resource, Structure

_WROTE = "mutualise_wrote"


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE); no-op on PostgreSQL or when
    the transaction already is one. Called before anything else by write requests and CLI commands."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            session.flush()
        # A transaction that has written holds SQLite's write lock until it ends: it is the writer.
        if session.connection().info.get(SQLITE_IMMEDIATE) or session.info.get(_WROTE):
            return
        # only reads so far: end that snapshot and start again as the writer
        session.rollback()
    session.connection(execution_options={SQLITE_IMMEDIATE: True})


def lock_for_booking(session: Session, resource_id: int, structure_id: int) -> None:
    """Take the locks under which a booking of `resource_id` for `structure_id` is checked and written."""
    if session.get_bind().dialect.name == "sqlite":
        begin_writing(session)
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
