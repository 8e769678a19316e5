"""Posting to the ledger: the one lock every ledger write takes, periods, and balanced journal entries.

Every write to the ledger (charge, payment, usage, reversal, closing or reopening a period) first calls
`lock_ledger`, so entry numbers follow each other without gaps and nothing slips into a period while it
is being closed. The database backs this up (migration 0003): entries out of sequence, rows added to a
closed period, and any UPDATE or DELETE of posted rows are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mutualise.domain.accounts import month_of
from mutualise.models import JournalEntry, JournalLine, Period, PeriodStatus
from mutualise.services.errors import PeriodClosed
from mutualise.services.locks import begin_writing

# Any constant identifies the ledger's PostgreSQL advisory lock; this one reads "LEDG".
_LEDGER_LOCK = 0x4C454447


def lock_ledger(session: Session) -> None:
    """Serialise ledger writers until the transaction ends (SQLite: the IMMEDIATE write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK})
    else:
        begin_writing(session)


def find_period(session: Session, month: str) -> Period | None:
    return session.scalar(select(Period).where(Period.month == month))


def open_period_for(session: Session, day: date) -> Period:
    """The period holding `day`, created open when nothing was written in that month yet; PeriodClosed
    when it is closed. Call under `lock_ledger`."""
    month = month_of(day)
    period = find_period(session, month)
    if period is None:
        period = Period(month=month, status=PeriodStatus.OPEN.value)
        session.add(period)
        session.flush()
    if period.is_closed:
        raise PeriodClosed(details={"period": month})
    return period


@dataclass(frozen=True)
class Line:
    """A line to post: exactly one of debit_cents and credit_cents is positive."""

    account: str
    label: str
    debit_cents: int = 0
    credit_cents: int = 0
    structure_id: int | None = None
    category: str | None = None
    booking_id: int | None = None


def post_entry(session: Session, now: datetime, *, period: Period, day: date, kind: str, label: str,
               lines: list[Line], actor_id: int | None, charge_id: int | None = None,
               payment_id: int | None = None, reverses_id: int | None = None) -> JournalEntry:
    """Write a balanced entry with the next number (see `insert_entry`) and return it."""
    return session.get(JournalEntry, insert_entry(
        session, now, period_id=period.id, day=day, kind=kind, label=label, lines=lines, actor_id=actor_id,
        charge_id=charge_id, payment_id=payment_id, reverses_id=reverses_id))


# Built once: a month's charges post a couple of hundred entries, and building the statements each
# time cost more than running them.
_LAST_NUMBER = select(func.max(JournalEntry.number))
_INSERT_ENTRY = JournalEntry.__table__.insert().returning(JournalEntry.__table__.c.id)


def insert_entry(session: Session, now: datetime, *, period_id: int, day: date, kind: str, label: str,
                 lines: list[Line], actor_id: int | None, charge_id: int | None = None,
                 payment_id: int | None = None, reverses_id: int | None = None) -> int:
    """Write a balanced entry with the next number and its lines; returns its id. Call under
    `lock_ledger`; raises ValueError on an unbalanced or empty entry (a programming error: every caller
    builds balanced lines). Plain inserts: a month's charges post a couple of hundred entries."""
    if not lines or any((line.debit_cents > 0) == (line.credit_cents > 0) or min(line.debit_cents,
                                                                                 line.credit_cents) < 0
                        for line in lines):
        raise ValueError("every line is either a debit or a credit")
    if sum(line.debit_cents for line in lines) != sum(line.credit_cents for line in lines):
        raise ValueError("an entry's debits and credits must balance")
    session.flush()  # what the entry cites (its charge, payment, period) is in the database first
    number = (session.scalar(_LAST_NUMBER) or 0) + 1
    entry_id = session.execute(_INSERT_ENTRY, dict(
        number=number, period_id=period_id, date=day, kind=kind, label=label[:JournalEntry.LABEL_MAX],
        charge_id=charge_id, payment_id=payment_id, reverses_id=reverses_id, created_by_id=actor_id,
        created_at=now)).scalar_one()
    insert_rows(session, JournalLine.__table__, LINE_COLUMNS, [
        (entry_id, period_id, line.account, line.structure_id, line.category, line.booking_id,
         line.debit_cents, line.credit_cents, line.label[:JournalLine.LABEL_MAX]) for line in lines])
    return entry_id


def reversed_lines(entry: JournalEntry, label_prefix: str) -> list[Line]:
    """The entry's lines with debit and credit swapped: posting them cancels the entry."""
    return [Line(account=line.account, label=f"{label_prefix}{line.label}", debit_cents=line.credit_cents,
                 credit_cents=line.debit_cents, structure_id=line.structure_id, category=line.category,
                 booking_id=line.booking_id)
            for line in entry.lines]


# Bulk writes. A charge writes a line per structure, a pricing run tens of thousands: rows handed to the
# driver in one executemany, already in the database's form, cost a fraction of SQLAlchemy's per-row
# parameter handling. Values go as the driver takes them: integers, text (JSON as its text), and
# `database_form` for the others (times).

LINE_COLUMNS = ("entry_id", "period_id", "account", "structure_id", "category", "booking_id", "debit_cents",
                "credit_cents", "label")


def database_form(session: Session, column, value):
    """`value` as the driver receives it for `column` (UTCDateTime: naive UTC on SQLite)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def insert_rows(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` (tuples of `columns`, in the database's form) with one executemany on the session's
    connection: same transaction, same triggers and constraints as any insert."""
    if not rows:
        return
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                               f"VALUES ({', '.join([mark] * len(columns))})", rows)
