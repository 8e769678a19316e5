"""The ledger's reports: the cost split adds up exactly, balances carry over from month to month, a
statement's totals are the balance, settlement brings everyone to zero, and each reader sees what they
may (invariant 6)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from mutualise.domain.accounts import BANK, RECHARGED_COSTS, STRUCTURES, USAGE_REVENUE
from mutualise.extensions import db
from mutualise.models import JournalEntry
from mutualise.services import ledger_reports, ledger_statements
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.journal import Line, lock_ledger, open_period_for, post_entry, reversed_lines


def _post(now, day: date, kind: str, label: str, lines: list[Line], **links) -> JournalEntry:
    lock_ledger(db.session)
    period = open_period_for(db.session, day)
    entry = post_entry(db.session, now, period=period, day=day, kind=kind, label=label, lines=lines,
                       actor_id=None, **links)
    db.session.commit()
    return entry


def _charge(now, day, label, category, shares: dict, paid_by=None) -> JournalEntry:
    """A charge split in `shares` (structure -> cents), paid by the network or by `paid_by`."""
    total = sum(shares.values())
    lines = [Line(account=STRUCTURES, label=f"{label}: share", debit_cents=cents, structure_id=s.id,
                  category=category) for s, cents in shares.items()]
    # as services.charges posts it: the payer's credit carries no category (it is not a quote-part)
    lines.append(Line(account=STRUCTURES, label=f"{label}: paid", credit_cents=total, structure_id=paid_by.id)
                 if paid_by else
                 Line(account=RECHARGED_COSTS, label=label, credit_cents=total, category=category))
    return _post(now, day, "charge", label, lines)


def _payment(now, day, structure, cents) -> JournalEntry:
    return _post(now, day, "payment", f"Payment {structure.short_code}", [
        Line(account=BANK, label="bank", debit_cents=cents),
        Line(account=STRUCTURES, label="payment received", credit_cents=cents, structure_id=structure.id)])


def _reverse(now, day, entry) -> JournalEntry:
    db.session.refresh(entry)
    return _post(now, day, "reversal", f"Reversal of entry {entry.number}",
                 reversed_lines(entry, "Reversal: "), reverses_id=entry.id)


@pytest.fixture
def ledger(make, now):
    """February: rent 1,000.00 split 600.01 / 399.99, energy 300.00 paid by B and split in halves, usage
    25.00 for A, A pays 500.00. March: the rent and A's payment are reversed, B pays 100.00."""
    a = make.structure(name="Atelier")
    b = make.structure(name="Boutique")
    idle = make.structure(name="Collectif")  # active, nothing posted: a row of zeros
    make.structure(name="Dormant", active=False)  # inactive, nothing posted: no row
    rent = _charge(now, date(2026, 2, 3), "Rent February", "rent", {a: 60001, b: 39999})
    _charge(now, date(2026, 2, 10), "Energy", "energy", {a: 15000, b: 15000}, paid_by=b)
    _post(now, date(2026, 2, 28), "usage", "Usage February", [
        Line(account=STRUCTURES, label="Room 3 h", debit_cents=2500, structure_id=a.id, category="usage"),
        Line(account=USAGE_REVENUE, label="usage", credit_cents=2500, category="usage")])
    paid = _payment(now, date(2026, 2, 20), a, 50000)
    _reverse(now, date(2026, 3, 2), rent)
    _payment(now, date(2026, 3, 5), b, 10000)
    _reverse(now, date(2026, 3, 6), paid)
    return {"a": a, "b": b, "idle": idle}


def test_the_cost_split_has_a_column_per_category_and_totals_that_add_up(ledger, treasurer):
    split = ledger_reports.cost_split(db.session, treasurer, "2026-02")
    assert split.categories == ["rent", "energy", "usage"]
    rows = {row.structure.name: (row.cells, row.total_cents) for row in split.rows}
    assert rows == {
        "Atelier": ({"rent": 60001, "energy": 15000, "usage": 2500}, 77501),
        # B paid the energy bill itself: the split shows its quote-part; the credit is in its balance
        "Boutique": ({"rent": 39999, "energy": 15000, "usage": 0}, 54999),
        "Collectif": ({"rent": 0, "energy": 0, "usage": 0}, 0),
    }
    assert split.column_totals == {"rent": 100000, "energy": 30000, "usage": 2500}
    assert split.total_cents == 132500 == sum(split.column_totals.values())
    assert split.total_cents == sum(total for _, total in rows.values())


def test_a_reversal_in_a_later_month_shows_in_that_months_split(ledger, treasurer):
    split = ledger_reports.cost_split(db.session, treasurer, "2026-03")
    assert split.categories == ["rent"]
    assert {row.structure.name: row.cells["rent"] for row in split.rows} == {
        "Atelier": -60001, "Boutique": -39999, "Collectif": 0}
    assert split.total_cents == -100000


def test_balances_carry_the_closing_balance_over_as_the_next_opening(ledger, treasurer):
    def figures(month):
        return {b.structure.name: (b.opening_cents, b.charged_cents, b.paid_cents, b.closing_cents)
                for b in ledger_reports.balances(db.session, treasurer, month)}

    assert figures("2026-02") == {"Atelier": (0, 77501, 50000, 27501), "Boutique": (0, 24999, 0, 24999),
                                  "Collectif": (0, 0, 0, 0)}
    # the reversed payment counts as paid (negative), the reversed rent as charged (negative)
    assert figures("2026-03") == {"Atelier": (27501, -60001, -50000, 17500),
                                  "Boutique": (24999, -39999, 10000, -25000), "Collectif": (0, 0, 0, 0)}
    assert figures("2026-04") == {"Atelier": (17500, 0, 0, 17500), "Boutique": (-25000, 0, 0, -25000),
                                  "Collectif": (0, 0, 0, 0)}
    assert figures("2026-01") == {name: (0, 0, 0, 0) for name in ("Atelier", "Boutique", "Collectif")}


@pytest.mark.parametrize("month", ["2026-02", "2026-03", "2026-04"])
def test_a_statements_totals_equal_the_balance(ledger, treasurer, month):
    balances = {b.structure.id: b for b in ledger_reports.balances(db.session, treasurer, month)}
    for structure in (ledger["a"], ledger["b"], ledger["idle"]):
        found = ledger_statements.statement(db.session, treasurer, structure.id, month)
        balance = balances[structure.id]
        assert found.balance == balance
        assert balance.opening_cents + found.debit_cents - found.credit_cents == balance.closing_cents
        last = found.lines[-1].balance_cents if found.lines else balance.opening_cents
        assert last == balance.closing_cents


def test_a_statement_lists_the_months_lines_in_entry_order_with_a_running_balance(ledger, treasurer):
    found = ledger_statements.statement(db.session, treasurer, ledger["a"].id, "2026-03")
    assert [(line.kind, line.debit_cents, line.credit_cents, line.balance_cents) for line in found.lines] == [
        ("reversal", 0, 60001, 27501 - 60001), ("reversal", 50000, 0, 17500)]
    assert found.lines[0].label == "Reversal of entry 1"
    assert found.lines[0].category == "rent"
    numbers = [line.entry_number for line in found.lines]
    assert numbers == sorted(numbers)
    february = ledger_statements.statement(db.session, treasurer, ledger["a"].id, "2026-02")
    assert [line.category for line in february.lines] == ["rent", "energy", "usage", None]
    assert february.lines[0].charge_id is None  # posted here without a charge row
    assert february.lines[0].date == date(2026, 2, 3)


def test_settlement_suggestions_bring_every_balance_to_zero(ledger, treasurer):
    found = ledger_reports.settlement(db.session, treasurer, "2026-03")
    balances = {b.structure.id: b.closing_cents for b in found.balances}
    assert balances[ledger["a"].id] == 17500 and balances[ledger["b"].id] == -25000
    for transfer in found.transfers:
        assert transfer.cents > 0
        if transfer.payer is not None:
            balances[transfer.payer.id] -= transfer.cents
        if transfer.payee is not None:
            balances[transfer.payee.id] += transfer.cents
    assert set(balances.values()) == {0}
    assert [(t.payer and t.payer.name, t.payee and t.payee.name, t.cents) for t in found.transfers] == [
        ("Atelier", "Boutique", 17500), (None, "Boutique", 7500)]


@pytest.mark.parametrize("month", ["2026-02", "2026-03"])
def test_the_dashboards_overview_is_the_cost_split_and_the_settlement(ledger, treasurer, month):
    split, settlement = ledger_reports.month_overview(db.session, treasurer, month)
    assert split == ledger_reports.cost_split(db.session, treasurer, month)
    assert settlement == ledger_reports.settlement(db.session, treasurer, month)
    assert split.rows and settlement.balances


def test_a_manager_reads_their_structure_only_and_gets_404_for_another(ledger, make):
    manager = make.user(structures=[ledger["a"]], role="manager")
    assert ledger_statements.statement(db.session, manager, ledger["a"].id, "2026-02").balance.closing_cents \
        == 27501
    with pytest.raises(NotFound):
        ledger_statements.statement(db.session, manager, ledger["b"].id, "2026-02")
    own = ledger_reports.balances(db.session, manager, "2026-02")
    assert [b.structure.id for b in own] == [ledger["a"].id]
    for report in (ledger_reports.cost_split, ledger_reports.settlement, ledger_reports.month_overview):
        with pytest.raises(Forbidden):
            report(db.session, manager, "2026-02")
    with pytest.raises(Forbidden):
        ledger_statements.journal(db.session, manager, "2026")


def test_a_member_who_is_not_a_manager_sees_no_statement_not_even_their_structures(ledger, make):
    member = make.user(structures=[ledger["a"]], role="member")
    with pytest.raises(NotFound):
        ledger_statements.statement(db.session, member, ledger["a"].id, "2026-02")
    with pytest.raises(Forbidden):
        ledger_reports.balances(db.session, member, "2026-02")


def test_a_missing_structure_is_not_found_even_for_the_treasurer(ledger, treasurer):
    with pytest.raises(NotFound):
        ledger_statements.statement(db.session, treasurer, 999999, "2026-02")


def test_an_auditor_reads_everything(ledger, make):
    auditor = make.user(is_auditor=True)
    assert ledger_reports.cost_split(db.session, auditor, "2026-02").total_cents == 132500
    assert len(ledger_reports.balances(db.session, auditor, "2026-02")) == 3
    assert ledger_statements.statement(db.session, auditor, ledger["b"].id, "2026-03").balance.closing_cents \
        == -25000
    assert ledger_reports.settlement(db.session, auditor, "2026-03").transfers
    assert len(ledger_statements.journal(db.session, auditor, "2026").rows) == 17


def test_the_journal_of_a_month_or_a_year_balances(ledger, treasurer):
    february = ledger_statements.journal(db.session, treasurer, "2026-02")
    year = ledger_statements.journal(db.session, treasurer, "2026")
    assert (year.first, year.last) == (date(2026, 1, 1), date(2026, 12, 31))
    assert {row.entry_number for row in february.rows} == {1, 2, 3, 4}
    assert len(year.rows) == 17
    for found in (february, year):
        assert sum(r.debit_cents for r in found.rows) == sum(r.credit_cents for r in found.rows)
    structure_rows = [row for row in february.rows if row.account == STRUCTURES]
    assert {row.structure_code for row in structure_rows} == {ledger["a"].short_code, ledger["b"].short_code}


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "", "march", "1999-12", None])
def test_a_bad_month_is_a_field_error(ledger, treasurer, month):
    for call in (lambda: ledger_reports.cost_split(db.session, treasurer, month),
                 lambda: ledger_reports.balances(db.session, treasurer, month),
                 lambda: ledger_reports.settlement(db.session, treasurer, month),
                 lambda: ledger_statements.statement(db.session, treasurer, ledger["a"].id, month),
                 lambda: ledger_statements.journal(db.session, treasurer, month)):
        with pytest.raises(ValidationError) as refused:
            call()
        assert set(refused.value.fields) == {"period"}
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 7
