"""The ledger's read-only endpoints: the cost split, balances, settlement, statements (JSON and CSV) and the
accounting exports (journal CSV, Paheko, FEC), and who may read them."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from api_helpers import api_error

from mutualise.domain.accounts import BANK, RECHARGED_COSTS, STRUCTURES
from mutualise.domain.ledger_exports import FEC_COLUMNS, PAHEKO_COLUMNS
from mutualise.extensions import db
from mutualise.services.journal import Line, lock_ledger, open_period_for, post_entry

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _post(day: date, kind: str, label: str, lines: list[Line]) -> None:
    lock_ledger(db.session)
    post_entry(db.session, NOW, period=open_period_for(db.session, day), day=day, kind=kind, label=label,
               lines=lines, actor_id=None)
    db.session.commit()


@pytest.fixture
def ledger(make):
    """March 2026: a rent of 1,000.01 split 600.01 / 400.00; A pays 250.00."""
    a = make.structure(name="Atelier Vélo", short_code="ATV")
    b = make.structure(name="Boutique", short_code="BTQ", accounting_code="411BTQ")
    _post(date(2026, 3, 2), "charge", "Loyer mars", [
        Line(account=STRUCTURES, label="Loyer : part ATV", debit_cents=60001, structure_id=a.id,
             category="rent"),
        Line(account=STRUCTURES, label="Loyer : part BTQ", debit_cents=40000, structure_id=b.id,
             category="rent"),
        Line(account=RECHARGED_COSTS, label="Loyer mars", credit_cents=100001, category="rent")])
    _post(date(2026, 3, 20), "payment", "Virement ATV", [
        Line(account=BANK, label="Banque", debit_cents=25000),
        Line(account=STRUCTURES, label="Paiement reçu", credit_cents=25000, structure_id=a.id)])
    return {"a": a, "b": b}


@pytest.fixture
def treasurer(api, make):
    return api(make.user(is_treasurer=True), language="en")


def _cents(text: str) -> int:
    return int(Decimal(text.replace(",", ".")) * 100)


def test_the_split_gives_rows_columns_and_totals(ledger, treasurer):
    response = treasurer.get("/api/v1/ledger/split?period=2026-03")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["period"] == "2026-03"
    assert body["categories"] == ["rent"]
    assert [(r["structure_id"], r["structure_name"], r["short_code"], r["cells"], r["total_cents"])
            for r in body["rows"]] == [(ledger["a"].id, "Atelier Vélo", "ATV", {"rent": 60001}, 60001),
                                       (ledger["b"].id, "Boutique", "BTQ", {"rent": 40000}, 40000)]
    assert body["column_totals"] == {"rent": 100001}
    assert body["total_cents"] == 100001


def test_balances_and_settlement(ledger, treasurer):
    body = treasurer.get("/api/v1/ledger/balances?period=2026-03").get_json()
    assert body["period"] == "2026-03" and body["next"] is None
    assert body["items"][0] == {"structure_id": ledger["a"].id, "structure_name": "Atelier Vélo",
                                "short_code": "ATV", "opening_cents": 0, "charged_cents": 60001,
                                "paid_cents": 25000, "closing_cents": 35001}
    april = treasurer.get("/api/v1/ledger/balances?period=2026-04").get_json()
    assert [item["opening_cents"] for item in april["items"]] == [35001, 40000]
    settlement = treasurer.get("/api/v1/ledger/settlement?period=2026-03").get_json()
    assert settlement["transfers"] == [
        {"payer_structure_id": ledger["b"].id, "payer_name": "Boutique", "payee_structure_id": None,
         "payee_name": None, "amount_cents": 40000},
        {"payer_structure_id": ledger["a"].id, "payer_name": "Atelier Vélo", "payee_structure_id": None,
         "payee_name": None, "amount_cents": 35001}]
    assert [b["closing_cents"] for b in settlement["balances"]] == [35001, 40000]


def test_a_statement_in_json_adds_up_to_its_balance(ledger, treasurer):
    response = treasurer.get(f"/api/v1/statements/{ledger['a'].id}?period=2026-03")
    assert response.status_code == 200
    body = response.get_json()
    assert body["structure"] == {"id": ledger["a"].id, "name": "Atelier Vélo", "short_code": "ATV",
                                 "accounting_code": None}
    assert (body["opening_cents"], body["charged_cents"], body["paid_cents"], body["closing_cents"],
            body["debit_cents"], body["credit_cents"]) == (0, 60001, 25000, 35001, 60001, 25000)
    assert body["lines"][0] == {"entry_number": 1, "date": "2026-03-02", "kind": "charge",
                                "label": "Loyer mars", "line_label": "Loyer : part ATV", "category": "rent",
                                "debit_cents": 60001, "credit_cents": 0, "balance_cents": 60001,
                                "charge_id": None, "booking_id": None}
    assert body["lines"][-1]["balance_cents"] == body["closing_cents"]


@pytest.mark.parametrize("how", ["accept", "suffix"])
def test_a_statement_as_csv_parses_back_to_the_same_amounts(ledger, treasurer, how):
    if how == "accept":
        response = treasurer.get(f"/api/v1/statements/{ledger['a'].id}?period=2026-03",
                                 headers={"Accept": "text/csv"})
    else:
        response = treasurer.get(f"/api/v1/statements/{ledger['a'].id}.csv?period=2026-03")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/csv; charset=utf-8"
    assert "statement-ATV-2026-03.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Entry"
    assert [(_cents(r[6]), _cents(r[7]), _cents(r[8])) for r in rows[1:]] == [(60001, 0, 60001),
                                                                             (0, 25000, 35001)]


def test_a_statement_in_the_french_spreadsheet_style(ledger, api, make):
    treasurer = api(make.user(is_treasurer=True), language="fr")
    response = treasurer.get(f"/api/v1/statements/{ledger['a'].id}.csv?period=2026-03&format=fr")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == "02/03/2026"
    assert rows[1][6:] == ["600,01", "0,00", "600,01"]
    assert rows[2][8] == "350,01"


def test_the_journal_paheko_and_fec_downloads(ledger, treasurer):
    journal = treasurer.get("/api/v1/ledger/journal?period=2026-03&format=fr")
    assert journal.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(journal.get_data().decode("utf-8-sig")), delimiter=";"))[1:]
    assert sum(_cents(r[9]) for r in rows) == sum(_cents(r[10]) for r in rows) == 125001

    paheko = treasurer.get("/api/v1/ledger/paheko?period=2026-03")
    assert paheko.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(paheko.get_data(as_text=True)), delimiter=";"))
    assert tuple(rows[0]) == PAHEKO_COLUMNS
    assert [(r[3], r[4], r[5]) for r in rows[1:]] == [("411ATV", RECHARGED_COSTS, "600,01"),
                                                      ("411BTQ", RECHARGED_COSTS, "400,00"),
                                                      (BANK, "411ATV", "250,00")]

    fec = treasurer.get("/api/v1/ledger/fec?period=2026")
    assert fec.status_code == 200
    assert 'filename="FEC20261231.txt"' in fec.headers["Content-Disposition"]
    lines = [line.split("\t") for line in fec.get_data(as_text=True).split("\r\n")[:-1]]
    assert tuple(lines[0]) == FEC_COLUMNS
    assert [(r[2], r[4], r[6], r[11], r[12]) for r in lines[1:]] == [
        ("1", STRUCTURES, "ATV", "600,01", "0,00"), ("1", STRUCTURES, "411BTQ", "400,00", "0,00"),
        ("1", RECHARGED_COSTS, "", "0,00", "1000,01"), ("2", BANK, "", "250,00", "0,00"),
        ("2", STRUCTURES, "ATV", "0,00", "250,00")]
    piped = treasurer.get("/api/v1/ledger/fec?period=2026-03&separator=pipe").get_data(as_text=True)
    assert piped.splitlines()[0] == "|".join(FEC_COLUMNS)


def test_a_manager_reads_their_statement_and_gets_404_for_anothers(ledger, api, make):
    manager = api(make.user(structures=[ledger["a"]], role="manager"), language="en")
    assert manager.get(f"/api/v1/statements/{ledger['a'].id}?period=2026-03").status_code == 200
    for path in (f"/api/v1/statements/{ledger['b'].id}?period=2026-03",
                 f"/api/v1/statements/{ledger['b'].id}.csv?period=2026-03",
                 "/api/v1/statements/999999?period=2026-03"):
        api_error(manager.get(path), 404, "not_found")
    balances = manager.get("/api/v1/ledger/balances?period=2026-03").get_json()
    assert [item["structure_id"] for item in balances["items"]] == [ledger["a"].id]
    for path in ("/api/v1/ledger/split?period=2026-03", "/api/v1/ledger/settlement?period=2026-03",
                 "/api/v1/ledger/journal?period=2026-03", "/api/v1/ledger/paheko?period=2026-03",
                 "/api/v1/ledger/fec?period=2026"):
        api_error(manager.get(path), 403, "forbidden")


def test_an_auditor_reads_every_report(ledger, api, make):
    auditor = api(make.user(is_auditor=True), language="en")
    for path in ("/api/v1/ledger/split?period=2026-03", "/api/v1/ledger/balances?period=2026-03",
                 "/api/v1/ledger/settlement?period=2026-03",
                 f"/api/v1/statements/{ledger['b'].id}?period=2026-03",
                 "/api/v1/ledger/fec?period=2026", "/api/v1/ledger/paheko?period=2026-03"):
        assert auditor.get(path).status_code == 200, path


def test_a_member_without_a_ledger_role_is_refused(ledger, api, make):
    member = api(make.user(structures=[ledger["a"]]), language="en")
    api_error(member.get("/api/v1/ledger/balances?period=2026-03"), 403, "forbidden")
    api_error(member.get(f"/api/v1/statements/{ledger['a'].id}?period=2026-03"), 404, "not_found")


def test_without_a_token_the_reports_answer_401(ledger, api):
    api_error(api().get("/api/v1/ledger/split?period=2026-03"), 401, "unauthorized")


@pytest.mark.parametrize("query", ["period=2026-13", "period=mars", "period=", "",
                                   "period=2026-03&format=xls"])
def test_a_bad_period_or_format_is_a_validation_error(ledger, treasurer, query):
    for path in ("/api/v1/ledger/split", "/api/v1/ledger/balances", "/api/v1/ledger/settlement",
                 f"/api/v1/statements/{ledger['a'].id}", f"/api/v1/statements/{ledger['a'].id}.csv",
                 "/api/v1/ledger/paheko", "/api/v1/ledger/fec"):
        if "format" in query and path.endswith(("split", "balances", "settlement", "fec")):
            continue
        error = api_error(treasurer.get(f"{path}?{query}"), 422, "validation")
        assert set(error["details"]["fields"]) <= {"period", "format"} and error["details"]["fields"], path


def test_the_reports_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/ledger/split", "/api/v1/ledger/balances", "/api/v1/ledger/settlement",
            "/api/v1/statements/{structure_id}", "/api/v1/statements/{structure_id}.csv",
            "/api/v1/ledger/fec", "/api/v1/ledger/paheko", "/api/v1/ledger/journal"} <= set(paths)
