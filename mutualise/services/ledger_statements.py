"""A structure's statement for a month, and the network's journal for the exports (CSV, Paheko, FEC).

Read-only; the conventions are those of services/ledger_reports.py. A statement's lines run in entry
number order from the opening balance, so the last running balance is the closing balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from mutualise.domain.ledger_exports import JournalRow, StatementLine
from mutualise.models import Charge, EntryKind, JournalEntry, JournalLine, Payment, Period, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.errors import NotFound, ValidationError
from mutualise.services.ledger_reports import Balance, opening_sums, period_id
from mutualise.services.settings import network_zone

BAD_PERIOD = _l("Give a month as YYYY-MM or a year as YYYY, for example 2026-03 or 2026.")


@dataclass(frozen=True)
class Statement:
    """The structure's account over the month: its balance figures and every line, with the running
    balance; `debit_cents - credit_cents` of the lines is `closing - opening`."""

    structure: Structure
    period: str
    balance: Balance
    lines: list[StatementLine]
    debit_cents: int
    credit_cents: int


@dataclass(frozen=True)
class Journal:
    """Every line posted between `first` and `last` (whole months), in entry number order."""

    period: str
    first: date
    last: date
    rows: list[JournalRow]


def statement(session: Session, actor: User, structure_id: int, month: str) -> Statement:
    """A structure's statement for the month: ledger readers and the structure's managers; anyone else
    gets NotFound, so the structure's existence is not revealed (invariant 6)."""
    checks.month_bounds(month)
    structure = session.get(Structure, structure_id) if isinstance(structure_id, int) else None
    if structure is None or not permissions.can_read_structure_ledger(actor, structure.id):
        raise NotFound()
    opening = opening_sums(session, month, structure.id).get(structure.id, 0)
    lines: list[StatementLine] = []
    charged = paid = debit = credit = 0
    running = opening
    pid = period_id(session, month)
    if pid is not None:
        original = aliased(JournalEntry)
        query = (select(JournalEntry.number, JournalEntry.date, JournalEntry.kind, JournalEntry.label,
                        JournalEntry.charge_id, func.coalesce(original.kind, JournalEntry.kind),
                        JournalLine.label, JournalLine.category, JournalLine.debit_cents,
                        JournalLine.credit_cents, JournalLine.booking_id)
                 .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
                 .outerjoin(original, original.id == JournalEntry.reverses_id)
                 .where(JournalLine.period_id == pid, JournalLine.structure_id == structure.id)
                 .order_by(JournalEntry.number, JournalLine.id))
        for (number, day, kind, label, charge_id, effective_kind, line_label, category, line_debit,
             line_credit, booking_id) in session.execute(query):
            net = line_debit - line_credit
            running += net
            debit += line_debit
            credit += line_credit
            if effective_kind == EntryKind.PAYMENT:
                paid -= net
            else:
                charged += net
            lines.append(StatementLine(entry_number=number, date=day, kind=kind, label=label,
                                       line_label=line_label, category=category, debit_cents=line_debit,
                                       credit_cents=line_credit, balance_cents=running, charge_id=charge_id,
                                       booking_id=booking_id))
    balance = Balance(structure=structure, opening_cents=opening, charged_cents=charged, paid_cents=paid,
                      closing_cents=opening + charged - paid)
    return Statement(structure=structure, period=month, balance=balance, lines=lines, debit_cents=debit,
                     credit_cents=credit)


def period_bounds(text: str) -> tuple[str, str, date, date]:
    """A month "YYYY-MM" or a year "YYYY" as (first month, last month, first day, last day);
    ValidationError on field "period" otherwise."""
    if isinstance(text, str) and len(text) == 4 and text.isascii() and text.isdigit():
        try:
            first_day, _ = checks.month_bounds(f"{text}-01")
            _, last_day = checks.month_bounds(f"{text}-12")
        except ValidationError:
            raise ValidationError({"period": BAD_PERIOD}) from None
        return f"{text}-01", f"{text}-12", first_day, last_day
    try:
        first_day, last_day = checks.month_bounds(text)
    except ValidationError:
        raise ValidationError({"period": BAD_PERIOD}) from None
    return text, text, first_day, last_day


def journal(session: Session, actor: User, period: str) -> Journal:
    """Every journal line of a month or a year, for the exports; ledger readers only."""
    permissions.require_ledger_reader(actor)
    first_month, last_month, first_day, last_day = period_bounds(period)
    zone = network_zone(session)
    query = (select(JournalEntry.number, JournalEntry.date, JournalEntry.kind, JournalEntry.label,
                    JournalEntry.created_at, JournalLine.account, JournalLine.debit_cents,
                    JournalLine.credit_cents, JournalLine.label, JournalLine.category,
                    Structure.accounting_code, Structure.short_code, Structure.name, Charge.receipt_ref,
                    Payment.reference)
             .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
             .join(Period, Period.id == JournalLine.period_id)
             .outerjoin(Structure, Structure.id == JournalLine.structure_id)
             .outerjoin(Charge, Charge.id == JournalEntry.charge_id)
             .outerjoin(Payment, Payment.id == JournalEntry.payment_id)
             .where(Period.month >= first_month, Period.month <= last_month)
             .order_by(JournalEntry.number, JournalLine.id))
    rows = []
    posted_on: dict[int, date] = {}  # entry number -> local day posted (one conversion per entry)
    for (number, day, kind, label, created_at, account, debit, credit, line_label, category, accounting_code,
         short_code, name, receipt_ref, payment_ref) in session.execute(query):
        if number not in posted_on:
            moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
            posted_on[number] = moment.astimezone(zone).date()
        rows.append(JournalRow(entry_number=number, date=day, kind=kind, label=label, account=account,
                               debit_cents=debit, credit_cents=credit, line_label=line_label,
                               category=category,
                               structure_code=accounting_code or short_code, structure_name=name,
                               piece_ref=receipt_ref or payment_ref or str(number),
                               posted_on=posted_on[number]))
    return Journal(period=period, first=first_day, last=last_day, rows=rows)
