"""Ledger files: a structure's statement as CSV, and the network's journal as CSV, Paheko CSV and FEC.

Pure Python: rows come in as plain dataclasses, text comes out (the caller encodes it as UTF-8, which
keeps the French spreadsheet style's byte order mark). Amounts are integer cents, written with integer
arithmetic only (invariant 3).

Formats, and where they come from:
- Plain CSV: `,` separated, `.` decimals, ISO dates, UTF-8.
- French spreadsheet CSV: `;` separated, decimal comma, DD/MM/YYYY dates, UTF-8 with a byte order mark
  (so Excel and LibreOffice open accents and amounts right on a French system).
- Paheko "simple" import (source: Paheko's own code, src/include/lib/Paheko/Accounting/Export.php and
  Import.php, and CSV.php, in the paheko/paheko repository): one row per debit/credit pair with the
  columns "Numéro d'écriture", "Type", "Statut", "Libellé", "Date", "Remarques", "Numéro pièce comptable",
  "Référence paiement", "Compte de débit", "Compte de crédit", "Montant", "Projet analytique", "Membres
  associés"; Libellé, Date, Compte de débit, Compte de crédit and Montant are mandatory. A non-empty
  "Numéro d'écriture" makes Paheko *update* that existing entry (and fail when it does not exist), so it
  stays empty and our entry number goes to "Numéro pièce comptable". Without "Type" Paheko infers the
  type from the accounts. Paheko finds the delimiter itself and skips a BOM; amounts use a decimal
  comma without thousands separator, dates DD/MM/YYYY. Every account must exist in the Paheko chart.
- FEC, Fichier des Écritures Comptables (art. A47 A-1 of the Livre des procédures fiscales): the 18
  columns below in this order, tab (or `|`) separated, a header line, dates YYYYMMDD, amounts with a
  decimal comma and no thousands separator, one line per debit or credit, entries in validation order.
  The file is named SIRENFECYYYYMMDD.txt, the date being the closing day of the financial year
  (`fec_file_name`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from mutualise.domain.accounts import BANK, RECHARGED_COSTS, STRUCTURES, USAGE_REVENUE
from mutualise.domain.money import cents_to_decimal_str

# French account titles (Plan comptable général) for the FEC's CompteLib and the journal CSV.
ACCOUNT_TITLES = {
    STRUCTURES: "Clients - structures membres",
    BANK: "Banque",
    USAGE_REVENUE: "Prestations de services",
    RECHARGED_COSTS: "Transferts de charges d'exploitation",
}

FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
               "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
               "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")
PAHEKO_COLUMNS = ("Numéro d'écriture", "Libellé", "Date", "Compte de débit", "Compte de crédit", "Montant",
                  "Numéro pièce comptable", "Référence paiement", "Remarques")

STATEMENT_HEADERS = ("Entry", "Date", "Kind", "Label", "Line", "Category", "Debit", "Credit", "Balance")
JOURNAL_HEADERS = ("Entry", "Date", "Kind", "Label", "Account", "Structure", "Structure name", "Line",
                   "Category", "Debit", "Credit", "Reference")


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str
    decimal: str
    bom: bool
    date_format: str


PLAIN = CsvStyle(delimiter=",", decimal=".", bom=False, date_format="%Y-%m-%d")
FRENCH = CsvStyle(delimiter=";", decimal=",", bom=True, date_format="%d/%m/%Y")
PAHEKO = CsvStyle(delimiter=";", decimal=",", bom=False, date_format="%d/%m/%Y")


@dataclass(frozen=True)
class StatementLine:
    """One line of a structure's statement; `balance_cents` is the running balance after it (positive:
    the structure owes the network)."""

    entry_number: int
    date: date
    kind: str
    label: str
    line_label: str
    category: str | None
    debit_cents: int
    credit_cents: int
    balance_cents: int
    charge_id: int | None = None
    booking_id: int | None = None


@dataclass(frozen=True)
class JournalRow:
    """One line of the network's journal. `structure_code`: the structure's auxiliary account (its
    accounting code or short code) on account 411000 lines; `piece_ref`: the receipt or payment
    reference, else the entry number; `posted_on`: the local day the entry was posted (FEC ValidDate)."""

    entry_number: int
    date: date
    kind: str
    label: str
    account: str
    debit_cents: int
    credit_cents: int
    line_label: str
    category: str | None = None
    structure_code: str | None = None
    structure_name: str | None = None
    piece_ref: str = ""
    posted_on: date | None = None


def amount(cents: int, decimal: str = ".") -> str:
    """Integer cents as "1234.56" (or "1234,56" with a decimal comma); no thousands separator, so
    spreadsheets and accounting software read a number."""
    text = cents_to_decimal_str(cents)
    return text.replace(".", decimal) if decimal != "." else text


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], style: CsvStyle) -> str:
    out = io.StringIO()
    if style.bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def statement_csv(lines: Iterable[StatementLine], style: CsvStyle = PLAIN,
                  headers: Sequence[str] = STATEMENT_HEADERS) -> str:
    """A structure's statement, one row per line with its running balance. `headers`: the column titles
    (translated by the caller)."""
    def row(line: StatementLine) -> list[str]:
        money = [amount(cents, style.decimal) for cents in (line.debit_cents, line.credit_cents,
                                                             line.balance_cents)]
        return [str(line.entry_number), line.date.strftime(style.date_format), line.kind, line.label,
                line.line_label, line.category or "", *money]

    return _table(headers, (row(line) for line in lines), style)


def journal_csv(rows: Iterable[JournalRow], style: CsvStyle = PLAIN,
                headers: Sequence[str] = JOURNAL_HEADERS) -> str:
    """The network's journal, one row per debit or credit line."""
    return _table(headers, ([str(row.entry_number), row.date.strftime(style.date_format), row.kind, row.label,
                             row.account, row.structure_code or "", row.structure_name or "",
                             row.line_label, row.category or "", amount(row.debit_cents, style.decimal),
                             amount(row.credit_cents, style.decimal), row.piece_ref]
                            for row in rows), style)


def paheko_account(row: JournalRow) -> str:
    """The Paheko account of a line: structures' lines go to their own sub-account of 411, which the
    treasurer creates once in the Paheko chart ("411" + the short code, or the structure's accounting
    code when it already is a 411 sub-account)."""
    if row.account != STRUCTURES or not row.structure_code:
        return row.account
    code = row.structure_code.upper()
    return code if code.startswith("411") else f"411{code}"


def _pairs(lines: list[JournalRow]) -> list[tuple[JournalRow, JournalRow, int]]:
    """Split a balanced entry into (debit line, credit line, cents) pairs, matching in line order: an
    entry of several debits and one credit gives one pair per debit."""
    debits = [[line, line.debit_cents] for line in lines if line.debit_cents > 0]
    credits = [[line, line.credit_cents] for line in lines if line.credit_cents > 0]
    pairs = []
    d = c = 0
    while d < len(debits) and c < len(credits):
        cents = min(debits[d][1], credits[c][1])
        pairs.append((debits[d][0], credits[c][0], cents))
        debits[d][1] -= cents
        credits[c][1] -= cents
        if debits[d][1] == 0:
            d += 1
        if credits[c][1] == 0:
            c += 1
    return pairs


def _entries(rows: Iterable[JournalRow]) -> list[list[JournalRow]]:
    grouped: dict[int, list[JournalRow]] = {}
    for row in rows:
        grouped.setdefault(row.entry_number, []).append(row)
    return [grouped[number] for number in sorted(grouped)]


def paheko_csv(rows: Iterable[JournalRow]) -> str:
    """The journal in Paheko's "simple" import format (one debit account, one credit account and an
    amount per row; see the module's docstring)."""
    out = []
    for lines in _entries(rows):
        for debit, credit, cents in _pairs(lines):
            # the structure's line explains the row best ("Loyer mars : 37 h / 120 h ...")
            remark = debit.line_label if debit.structure_code else credit.line_label
            out.append(["", debit.label, debit.date.strftime("%d/%m/%Y"), paheko_account(debit),
                        paheko_account(credit), amount(cents, ","), str(debit.entry_number),
                        debit.piece_ref if debit.piece_ref != str(debit.entry_number) else "", remark])
    return _table(PAHEKO_COLUMNS, out, PAHEKO)


def _fec_text(value: str) -> str:
    # the FEC has no quoting: the separators and line breaks cannot appear inside a field
    return " ".join(value.replace("|", "/").split())


def fec(rows: Iterable[JournalRow], *, journal_code: str = "OD", journal_label: str = "Opérations diverses",
        separator: str = "\t") -> str:
    """The FEC of the given journal lines (tab separated by default, or `|`), entries in number order
    (their validation order: numbers are given as entries are posted)."""
    if separator not in ("\t", "|"):
        raise ValueError("the FEC is separated by tabs or vertical bars")
    def yyyymmdd(day: date) -> str:
        return f"{day.year:04d}{day.month:02d}{day.day:02d}"

    journal = [_fec_text(journal_code), _fec_text(journal_label)]
    lines = [separator.join(FEC_COLUMNS)]
    for entry in _entries(rows):
        for row in entry:
            day = yyyymmdd(row.date)
            aux = row.account == STRUCTURES and row.structure_code
            # only the free texts can hold a separator or a line break; codes, dates and amounts cannot
            fields = [*journal, str(row.entry_number), day, _fec_text(row.account),
                      _fec_text(ACCOUNT_TITLES.get(row.account, row.account)),
                      _fec_text(row.structure_code) if aux else "",
                      _fec_text(row.structure_name or "") if aux else "",
                      _fec_text(row.piece_ref or str(row.entry_number)), day,
                      _fec_text(row.line_label or row.label), amount(row.debit_cents, ","),
                      amount(row.credit_cents, ","), "", "", yyyymmdd(row.posted_on or row.date), "", ""]
            lines.append(separator.join(fields))
    return "\r\n".join(lines) + "\r\n"


def fec_file_name(siren: str | None, closing_day: date) -> str:
    """SIRENFECYYYYMMDD.txt, the date being the closing day of the financial year; without a SIREN,
    FECYYYYMMDD.txt (the treasurer adds it before handing the file over)."""
    return f"{siren or ''}FEC{closing_day:%Y%m%d}.txt"
