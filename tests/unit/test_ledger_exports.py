"""Ledger files: every export parses back to the same amounts, in the format its reader expects."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.accounts import BANK, RECHARGED_COSTS, STRUCTURES
from mutualise.domain.ledger_exports import (
    FEC_COLUMNS,
    FRENCH,
    PAHEKO_COLUMNS,
    PLAIN,
    JournalRow,
    StatementLine,
    amount,
    fec,
    fec_file_name,
    journal_csv,
    paheko_csv,
    statement_csv,
)

LINES = [
    StatementLine(1, date(2026, 3, 2), "charge", "Loyer mars", "Loyer mars : 37 h / 120 h", "rent", 37001, 0,
                  37001, charge_id=4),
    StatementLine(2, date(2026, 3, 9), "usage", "Usage", "Salle; 3 h \"grande\"", "usage", 1250, 0, 38251),
    StatementLine(3, date(2026, 3, 20), "payment", "Virement", "Paiement reçu", None, 0, 40000, -1749),
    StatementLine(4, date(2026, 3, 21), "reversal", "Annulation de l'écriture 1", "x", "rent", 0, 5, -1754),
]


def _journal(structure_code: str | None = "ATV") -> list[JournalRow]:
    """Entry 7: a charge of 1,000.01 split 600.01 / 400.00; entry 8: a payment of 250.00."""
    day, posted = date(2026, 3, 2), date(2026, 3, 3)
    return [
        JournalRow(7, day, "charge", "Loyer mars", STRUCTURES, 60001, 0, "Loyer : part ATV", "rent",
                   structure_code, "Atelier Vélo", "F-2026-03", posted),
        JournalRow(7, day, "charge", "Loyer mars", STRUCTURES, 40000, 0, "Loyer : part BTQ", "rent",
                   "411BTQ", "Boutique", "F-2026-03", posted),
        JournalRow(7, day, "charge", "Loyer mars", RECHARGED_COSTS, 0, 100001, "Loyer mars", "rent",
                   piece_ref="F-2026-03", posted_on=posted),
        JournalRow(8, date(2026, 3, 20), "payment", "Virement ATV", BANK, 25000, 0, "Banque", piece_ref="8"),
        JournalRow(8, date(2026, 3, 20), "payment", "Virement ATV", STRUCTURES, 0, 25000, "Paiement reçu",
                   structure_code=structure_code, structure_name="Atelier Vélo", piece_ref="8"),
    ]


def _cents(text: str) -> int:
    return int(Decimal(text.replace(",", ".")) * 100)


@pytest.mark.parametrize(("cents", "plain", "comma"), [(0, "0.00", "0,00"), (5, "0.05", "0,05"),
                                                       (-5, "-0.05", "-0,05"), (123456789, "1234567.89",
                                                                                "1234567,89")])
def test_amounts_are_written_without_thousands_separators(cents, plain, comma):
    assert amount(cents) == plain
    assert amount(cents, ",") == comma


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_any_amount_reads_back_to_the_same_cents(cents):
    assert _cents(amount(cents)) == _cents(amount(cents, ",")) == cents


def test_the_plain_statement_parses_back_to_the_same_amounts():
    text = statement_csv(LINES)
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Entry", "Date", "Kind", "Label", "Line", "Category", "Debit", "Credit", "Balance"]
    assert [[int(r[0]), r[1], _cents(r[6]), _cents(r[7]), _cents(r[8])] for r in rows[1:]] == [
        [1, "2026-03-02", 37001, 0, 37001], [2, "2026-03-09", 1250, 0, 38251],
        [3, "2026-03-20", 0, 40000, -1749],
        [4, "2026-03-21", 0, 5, -1754]]
    assert rows[2][4] == 'Salle; 3 h "grande"'  # quoting survives the round trip
    assert rows[3][5] == ""


def test_the_french_statement_has_a_bom_semicolons_decimal_commas_and_french_dates():
    text = statement_csv(LINES, FRENCH, headers=["Écriture", "Date", "Type", "Libellé", "Ligne", "Catégorie",
                                                 "Débit", "Crédit", "Solde"])
    assert text.startswith("\ufeff")
    encoded = text.encode("utf-8")
    assert encoded.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(encoded.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Écriture"
    assert rows[1][1] == "02/03/2026"
    assert rows[1][6:] == ["370,01", "0,00", "370,01"]
    assert rows[3][8] == "-17,49"
    assert [_cents(r[8]) for r in rows[1:]] == [line.balance_cents for line in LINES]
    assert all(len(row) == 9 for row in rows)


def test_the_journal_csv_parses_back_and_balances():
    for style, delimiter in ((PLAIN, ","), (FRENCH, ";")):
        text = journal_csv(_journal(), style).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        body = rows[1:]
        assert len(body) == 5
        assert sum(_cents(r[9]) for r in body) == sum(_cents(r[10]) for r in body) == 125001
        assert body[0][5:7] == ["ATV", "Atelier Vélo"]


def test_paheko_simple_import_gets_one_debit_credit_pair_per_row():
    text = paheko_csv(_journal())
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert tuple(rows[0]) == PAHEKO_COLUMNS
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["Compte de débit"], r["Compte de crédit"], r["Montant"]) for r in body] == [
        ("411ATV", RECHARGED_COSTS, "600,01"), ("411BTQ", RECHARGED_COSTS, "400,00"),
        (BANK, "411ATV", "250,00")]
    # Paheko would try to update an existing entry with this number: it stays empty
    assert {r["Numéro d'écriture"] for r in body} == {""}
    assert [r["Numéro pièce comptable"] for r in body] == ["7", "7", "8"]
    assert body[0]["Date"] == "02/03/2026"
    assert body[0]["Remarques"] == "Loyer : part ATV"
    assert body[0]["Référence paiement"] == "F-2026-03"
    assert sum(_cents(r["Montant"]) for r in body) == 125001


def test_paheko_uses_the_accounting_code_when_it_is_already_a_411_sub_account():
    rows = list(csv.reader(io.StringIO(paheko_csv(_journal("411atv"))), delimiter=";"))
    assert rows[1][3] == "411ATV"


def test_paheko_splits_an_entry_with_several_debits_and_credits_exactly():
    day = date(2026, 3, 1)
    lines = [JournalRow(1, day, "charge", "x", STRUCTURES, 300, 0, "a", structure_code="A"),
             JournalRow(1, day, "charge", "x", STRUCTURES, 200, 0, "b", structure_code="B"),
             JournalRow(1, day, "charge", "x", STRUCTURES, 0, 250, "c", structure_code="C"),
             JournalRow(1, day, "charge", "x", RECHARGED_COSTS, 0, 250, "d")]
    rows = list(csv.reader(io.StringIO(paheko_csv(lines)), delimiter=";"))[1:]
    assert [(r[3], r[4], r[5]) for r in rows] == [("411A", "411C", "2,50"), ("411A", RECHARGED_COSTS, "0,50"),
                                                  ("411B", RECHARGED_COSTS, "2,00")]


@pytest.mark.parametrize("separator", ["\t", "|"])
def test_the_fec_has_the_18_columns_in_order_and_balanced_entries(separator):
    text = fec(_journal(), separator=separator)
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    header, *body = [line.split(separator) for line in lines]
    assert header == list(FEC_COLUMNS) and len(header) == 18
    assert all(len(row) == 18 for row in body)
    rows = [dict(zip(header, row, strict=True)) for row in body]
    by_entry: dict[str, list[int]] = {}
    for row in rows:
        totals = by_entry.setdefault(row["EcritureNum"], [0, 0])
        totals[0] += _cents(row["Debit"])
        totals[1] += _cents(row["Credit"])
        assert "." not in row["Debit"] + row["Credit"]
    assert by_entry == {"7": [100001, 100001], "8": [25000, 25000]}
    first = rows[0]
    assert (first["JournalCode"], first["EcritureDate"], first["CompteNum"], first["CompAuxNum"],
            first["CompAuxLib"], first["PieceRef"], first["PieceDate"], first["ValidDate"]) == (
        "OD", "20260302", STRUCTURES, "ATV", "Atelier Vélo", "F-2026-03", "20260302", "20260303")
    assert (first["Debit"], first["Credit"]) == ("600,01", "0,00")
    # no auxiliary account outside 411; the bank line's validation date defaults to its date
    assert rows[2]["CompAuxNum"] == rows[3]["CompAuxNum"] == ""
    assert rows[3]["ValidDate"] == "20260320"


def test_the_fec_keeps_separators_out_of_its_fields():
    row = JournalRow(1, date(2026, 1, 5), "charge", "a|b", RECHARGED_COSTS, 0, 100, "tab\there\nnewline|pipe")
    text = fec([row, JournalRow(1, date(2026, 1, 5), "charge", "a|b", BANK, 100, 0, "ok")], separator="|")
    assert all(len(line.split("|")) == 18 for line in text.split("\r\n")[:-1])
    assert "tab here newline/pipe" in text


def test_the_fec_refuses_another_separator():
    with pytest.raises(ValueError):
        fec(_journal(), separator=";")


def test_the_fec_file_is_named_after_the_siren_and_the_closing_day():
    assert fec_file_name("732829320", date(2026, 12, 31)) == "732829320FEC20261231.txt"
    assert fec_file_name(None, date(2026, 12, 31)) == "FEC20261231.txt"
