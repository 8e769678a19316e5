"""Reading the ledger: the cost split, balances, a structure's statement, settlement and the journal.

Read-only. Conventions (docs of issue 4): a structure's balance is the sum of debit - credit of the lines
on its account (structure_id set); positive, it owes the network. For a month M: opening = its lines of
earlier periods; charged = its lines of charge and usage entries in M, and of reversals of those;
paid = credit - debit of its payment lines in M (and of reversals of payments); closing = opening +
charged - paid. The cost split is `charged` by category. Sums are computed by the database (GROUP BY),
so a month of 100 structures and 50,000 lines is read in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from mutualise.domain.accounts import CHARGE_CATEGORIES, USAGE_CATEGORY
from mutualise.domain.settlement import suggest_transfers
from mutualise.models import EntryKind, JournalEntry, JournalLine, MembershipRole, Period, Structure, User
from mutualise.services import checks, permissions
from mutualise.services.errors import Forbidden


@dataclass(frozen=True)
class Balance:
    """A structure's account over a month; positive amounts: the structure owes the network."""

    structure: Structure
    opening_cents: int
    charged_cents: int
    paid_cents: int
    closing_cents: int


@dataclass(frozen=True)
class SplitRow:
    structure: Structure
    cells: dict[str, int]  # category -> cents charged, for every column (0 when nothing)
    total_cents: int


@dataclass(frozen=True)
class CostSplit:
    """Structures by categories of the month; the row totals, the column totals and the grand total
    add up exactly."""

    period: str
    categories: list[str]
    rows: list[SplitRow]
    column_totals: dict[str, int]
    total_cents: int


@dataclass(frozen=True)
class SuggestedTransfer:
    """Who pays whom; None is the network itself."""

    payer: Structure | None
    payee: Structure | None
    cents: int


@dataclass(frozen=True)
class Settlement:
    period: str
    balances: list[Balance]
    transfers: list[SuggestedTransfer]


def period_id(session: Session, month: str) -> int | None:
    """The period of the month, None when nothing was ever written in it."""
    return session.scalar(select(Period.id).where(Period.month == month))


def _is_payment():
    """1 for the lines of payments and of their reversals, 0 for the rest (charges, usage, reversals of
    those): the split of a line between `paid` and `charged`."""
    original = aliased(JournalEntry)
    kind = func.coalesce(original.kind, JournalEntry.kind)
    flag = case((kind == EntryKind.PAYMENT.value, 1), else_=0)
    return flag, original


def month_sums(session: Session, month: str) -> dict[tuple[int, str | None, int], int]:
    """(structure id, category, is payment) -> debit - credit of the structures' lines of the month."""
    pid = period_id(session, month)
    if pid is None:
        return {}
    flag, original = _is_payment()
    net = func.sum(JournalLine.debit_cents - JournalLine.credit_cents)
    query = (select(JournalLine.structure_id, JournalLine.category, flag, net)
             .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
             .outerjoin(original, original.id == JournalEntry.reverses_id)
             .where(JournalLine.period_id == pid, JournalLine.structure_id.is_not(None))
             .group_by(JournalLine.structure_id, JournalLine.category, flag))
    return {(sid, category, int(payment)): int(cents)
            for sid, category, payment, cents in session.execute(query)}


def opening_sums(session: Session, month: str, structure_id: int | None = None) -> dict[int, int]:
    """structure id -> its balance before the month (every earlier period)."""
    earlier = select(Period.id).where(Period.month < month).scalar_subquery()
    query = (select(JournalLine.structure_id, func.sum(JournalLine.debit_cents - JournalLine.credit_cents))
             .where(JournalLine.period_id.in_(earlier), JournalLine.structure_id.is_not(None))
             .group_by(JournalLine.structure_id))
    if structure_id is not None:
        query = query.where(JournalLine.structure_id == structure_id)
    return {sid: int(cents) for sid, cents in session.execute(query)}


def _structures(session: Session, ids: set[int], active_too: bool = True) -> list[Structure]:
    """The structures with these ids, and every active one; by name."""
    conditions = [Structure.id.in_(ids)] if ids else []
    if active_too:
        conditions.append(Structure.active.is_(True))
    if not conditions:
        return []
    found = session.scalars(select(Structure).where(or_(*conditions))).all()
    return sorted(found, key=lambda s: (s.name.casefold(), s.id))


def _category_order(category: str) -> tuple[int, str]:
    if category in CHARGE_CATEGORIES:
        return CHARGE_CATEGORIES.index(category), category
    if category == USAGE_CATEGORY:
        return len(CHARGE_CATEGORIES), category
    return len(CHARGE_CATEGORIES) + 1, category


def cost_split(session: Session, actor: User, month: str) -> CostSplit:
    """The month's charges by structure (rows) and category (columns: the charge categories present,
    then "usage"); every structure with lines in the month, and every active one, has a row. Ledger
    readers only."""
    permissions.require_ledger_reader(actor)
    checks.month_bounds(month)
    return _cost_split(session, month, month_sums(session, month))


def month_overview(session: Session, actor: User, month: str) -> tuple[CostSplit, Settlement]:
    """The cost split and the settlement of the month (the treasurer's dashboard), from one reading of
    the month's journal lines. Ledger readers only."""
    permissions.require_ledger_reader(actor)
    checks.month_bounds(month)
    sums = month_sums(session, month)
    return _cost_split(session, month, sums), _settlement(month, _balances(session, month, None, sums))


def _cost_split(session: Session, month: str, sums: dict[tuple[int, str | None, int], int]) -> CostSplit:
    cells: dict[int, dict[str, int]] = {}
    categories: set[str] = set()
    for (sid, category, payment), cents in sums.items():
        cells.setdefault(sid, {})
        # Quotes-parts and usage carry their category; the credit of a structure that paid a bill itself
        # has none: it settles the structure's balance and is no part of the cost split.
        if not payment and category is not None:
            categories.add(category)
            cells[sid][category] = cells[sid].get(category, 0) + cents
    columns = sorted(categories, key=_category_order)
    rows = []
    for structure in _structures(session, set(cells)):
        row = {category: cells.get(structure.id, {}).get(category, 0) for category in columns}
        rows.append(SplitRow(structure=structure, cells=row, total_cents=sum(row.values())))
    column_totals = {category: sum(row.cells[category] for row in rows) for category in columns}
    return CostSplit(period=month, categories=columns, rows=rows, column_totals=column_totals,
                     total_cents=sum(row.total_cents for row in rows))


def _readable_structure_ids(actor: User) -> set[int] | None:
    """None: every structure (ledger readers); else the structures the actor manages (Forbidden when
    none)."""
    if permissions.can_read_ledger(actor):
        return None
    managed = permissions.structure_ids_of(actor, MembershipRole.MANAGER)
    if not managed:
        raise Forbidden()
    return managed


def _balances(session: Session, month: str, only: set[int] | None,
              sums: dict[tuple[int, str | None, int], int] | None = None) -> list[Balance]:
    opening = opening_sums(session, month)
    charged: dict[int, int] = {}
    paid: dict[int, int] = {}
    for (sid, _category, payment), cents in (month_sums(session, month) if sums is None else sums).items():
        if payment:
            paid[sid] = paid.get(sid, 0) - cents
        else:
            charged[sid] = charged.get(sid, 0) + cents
    if only is None:
        structures = _structures(session, set(opening) | set(charged) | set(paid))
    else:
        structures = _structures(session, only, active_too=False)
    result = []
    for structure in structures:
        sid = structure.id
        start, charge, pay = opening.get(sid, 0), charged.get(sid, 0), paid.get(sid, 0)
        result.append(Balance(structure=structure, opening_cents=start, charged_cents=charge, paid_cents=pay,
                              closing_cents=start + charge - pay))
    return result


def balances(session: Session, actor: User, month: str) -> list[Balance]:
    """Each structure's opening, charged, paid and closing amounts for the month, by name: every
    structure with lines up to the month and every active one for ledger readers; a structure manager
    gets the structures they manage; anyone else is refused (403)."""
    checks.month_bounds(month)
    return _balances(session, month, _readable_structure_ids(actor))


def settlement(session: Session, actor: User, month: str) -> Settlement:
    """The closing balances of the month and the transfers that bring them all to zero (structures that
    owe pay those that paid charges themselves, the rest is settled with the network). Ledger readers."""
    permissions.require_ledger_reader(actor)
    checks.month_bounds(month)
    return _settlement(month, _balances(session, month, None))


def _settlement(month: str, found: list[Balance]) -> Settlement:
    by_id = {balance.structure.id: balance.structure for balance in found}
    transfers = suggest_transfers({b.structure.id: b.closing_cents for b in found if b.closing_cents})
    return Settlement(period=month, balances=found, transfers=[
        SuggestedTransfer(payer=by_id.get(t.payer) if t.payer is not None else None,
                          payee=by_id.get(t.payee) if t.payee is not None else None, cents=t.cents)
        for t in transfers])
