"""The ledger's reading pages: the treasurer's dashboard (cost split with exact totals, balances,
settlement, charges, exports), a structure's statement (its totals are the balance), who sees what
(invariant 6), and the downloads, which parse back to the same amounts.

February 2026 is built through the services: rent 1,000.00 split equally between three structures,
energy 300.00 paid by Boutique and split 60 % / 40 % between Atelier and Boutique, Atelier pays 200.00."""

import csv
import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from mutualise.extensions import db
from mutualise.services import ledger_reports
from mutualise.services.allocation_keys import KeyInput, create_key
from mutualise.services.charges import ChargeInput, create_charge
from mutualise.services.payments import PaymentInput, record_payment

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # February is over
MONTH = "2026-02"


class _Tables(HTMLParser):
    """The text of every cell of every table, by the table's class: {class: [(section, [cells])]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self._table = self._section = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("class", "")
            self.tables[self._table] = []
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append((self._section, self._row))
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(response) -> dict:
    parser = _Tables()
    parser.feed(response.get_data(as_text=True))
    return parser.tables


def _cents(text: str) -> int:
    """"1 234,56 €", "−12,00 €" or "1234.56" as integer cents (every amount shown has two decimals)."""
    digits = re.sub(r"[^0-9]", "", text)
    assert digits, text
    return -int(digits) if text.strip().startswith(("-", "−")) else int(digits)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u2009", " ").replace("\xa0", " ")


@pytest.fixture
def treasurer(make):
    return make.user(is_treasurer=True, name="Tess Trésorière")


@pytest.fixture
def ledger(make, treasurer):
    a = make.structure(name="Atelier", short_code="AT")
    b = make.structure(name="Boutique", short_code="BO")
    c = make.structure(name="Collectif", short_code="CO")
    equal = create_key(db.session, treasurer, NOW, KeyInput(name="Parts égales", method="equal",
                                                            valid_from=date(2026, 1, 1)))
    percent = create_key(db.session, treasurer, NOW, KeyInput(
        name="Surfaces", method="percent", valid_from=date(2026, 1, 1),
        weights=[{"structure_id": a.id, "weight": 6000}, {"structure_id": b.id, "weight": 4000}]))
    create_charge(db.session, treasurer, NOW, ChargeInput(label="Loyer février", category="rent",
                                                          amount_cents=100000, date=date(2026, 2, 3),
                                                          key_id=equal.id))
    create_charge(db.session, treasurer, NOW, ChargeInput(label="Électricité", category="energy",
                                                          amount_cents=30000, date=date(2026, 2, 10),
                                                          key_id=percent.id, paid_by_structure_id=b.id))
    record_payment(db.session, treasurer, NOW, PaymentInput(structure_id=a.id, amount_cents=20000,
                                                            date=date(2026, 2, 20), reference="VIR 42"))
    db.session.commit()
    return {"a": a, "b": b, "c": c}


def _split_rows(response):
    rows = _tables(response)["ledger-split"]
    header = next(cells for section, cells in rows if section == "thead")
    body = [cells for section, cells in rows if section == "tbody"]
    [footer] = [cells for section, cells in rows if section == "tfoot"]
    return header, body, footer


def test_treasurer_sees_the_cost_split_with_totals_that_add_up_exactly(client, login, treasurer, ledger):
    login(treasurer)
    response = client.get(f"/ledger/{MONTH}")
    assert response.status_code == 200
    header, body, footer = _split_rows(response)
    assert len(header) == 4  # structure, rent, energy, total
    assert [cells[0] for cells in body] == ["Atelier", "Boutique", "Collectif"]
    amounts = [[_cents(cell) for cell in cells[1:]] for cells in body]
    for row in amounts:
        assert sum(row[:-1]) == row[-1]
    totals = [_cents(cell) for cell in footer[1:]]
    assert totals == [sum(row[i] for row in amounts) for i in range(3)]
    assert totals[0] == 100000 and sorted(row[0] for row in amounts) == [33333, 33333, 33334]
    split = ledger_reports.cost_split(db.session, treasurer, MONTH)
    assert amounts == [[*row.cells.values(), row.total_cents] for row in split.rows]
    assert totals == [*split.column_totals.values(), split.total_cents]
    page = _text(response)
    assert 'class="ledger-actions"' in page and "/ledger/charges/new" in page
    assert f'action="/ledger/{MONTH}/close"' in page
    assert "Loyer février" in page and "Électricité" in page
    assert f"/ledger/statements/{ledger['a'].id}/{MONTH}" in page


def test_dashboard_balances_and_settlement_come_from_the_reports(client, login, treasurer, ledger):
    login(treasurer)
    response = client.get(f"/ledger/{MONTH}")
    rows = [cells for section, cells in _tables(response)["ledger-balances"] if section == "tbody"]
    expected = ledger_reports.balances(db.session, treasurer, MONTH)
    assert [[cells[0], *map(_cents, cells[1:])] for cells in rows] == [
        [b.structure.name, b.opening_cents, b.charged_cents, b.paid_cents, b.closing_cents] for b in expected]
    assert next(b for b in expected if b.structure.name == "Atelier").paid_cents == 20000
    transfers = ledger_reports.settlement(db.session, treasurer, MONTH).transfers
    assert transfers  # everyone owes the network something this month
    shown = re.search(r'<ul class="transfers">(.*?)</ul>', _text(response), re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", shown, re.S)
    assert len(items) == len(transfers)
    for item, transfer in zip(items, transfers, strict=True):
        assert transfer.payer.name in item and _cents(item) == transfer.cents


def test_auditor_reads_the_dashboard_but_gets_no_write_buttons(client, login, make, ledger):
    login(make.user(is_auditor=True))
    response = client.get(f"/ledger/{MONTH}")
    assert response.status_code == 200
    _header, _body, footer = _split_rows(response)
    assert _cents(footer[1]) == 100000
    page = response.get_data(as_text=True)
    assert 'class="ledger-actions"' not in page
    assert "/ledger/charges/new" not in page
    assert "/close" not in page


def test_a_member_or_a_manager_gets_403_on_the_network_pages(client, login, make, ledger):
    login(make.user(structures=[ledger["a"]], role="manager"))
    for path in (f"/ledger/{MONTH}", "/ledger/", f"/ledger/{MONTH}/journal.csv",
                 f"/ledger/{MONTH}/paheko.csv", f"/ledger/{MONTH}/fec.txt"):
        assert client.get(path).status_code == 403, path


def test_the_nav_link_leads_readers_to_the_dashboard_and_managers_to_their_statement(client, login, make,
                                                                                   treasurer, ledger):
    member = make.user(structures=[ledger["a"]])
    login(member)
    assert client.get("/bookings/mine").get_data(as_text=True).count('href="/ledger/') == 0
    client.post("/logout")
    login(make.user(structures=[ledger["b"]], role="manager"))
    assert 'href="/ledger/statements/"' in client.get("/bookings/mine").get_data(as_text=True)
    response = client.get("/ledger/statements/")
    assert response.status_code == 302
    assert re.search(rf"/ledger/statements/{ledger['b'].id}/[0-9]{{4}}-[0-9]{{2}}$", response.location)
    client.post("/logout")
    login(treasurer)
    assert 'href="/ledger/"' in client.get("/bookings/mine").get_data(as_text=True)


def test_dashboard_without_a_month_shows_the_current_month_in_the_network_zone(client, login, treasurer):
    login(treasurer)
    response = client.get("/ledger/")
    assert response.status_code == 200
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    assert f'name="month" value="{month}"' in response.get_data(as_text=True)
    picked = client.get("/ledger/?month=2026-02")
    assert picked.status_code == 302 and picked.location.endswith("/ledger/2026-02")


@pytest.mark.parametrize("path", ["/ledger/2026-13", "/ledger/février", "/ledger/statements/1/2026-2",
                                  "/ledger/2026-00/fec.txt"])
def test_a_url_naming_no_month_is_a_404(client, login, treasurer, ledger, path):
    login(treasurer)
    assert client.get(path).status_code == 404


def test_manager_sees_their_statement_and_404_for_another_structure(client, login, make, ledger):
    login(make.user(structures=[ledger["a"]], role="manager"))
    response = client.get(f"/ledger/statements/{ledger['a'].id}/{MONTH}")
    assert response.status_code == 200
    assert "Atelier" in response.get_data(as_text=True)
    other = ledger["b"].id
    for path in (f"/ledger/statements/{other}/{MONTH}", f"/ledger/statements/{other}/{MONTH}.csv",
                 f"/ledger/statements/999999/{MONTH}"):
        assert client.get(path).status_code == 404, path


def test_a_plain_member_cannot_see_their_own_structures_statement(client, login, make, ledger):
    login(make.user(structures=[ledger["a"]]))
    assert client.get(f"/ledger/statements/{ledger['a'].id}/{MONTH}").status_code == 404


def test_statement_totals_equal_the_balance_and_each_charge_line_is_explained(client, login, treasurer,
                                                                              ledger):
    login(treasurer)
    b = ledger["b"]
    response = client.get(f"/ledger/statements/{b.id}/{MONTH}")
    assert response.status_code == 200
    [balance] = [x for x in ledger_reports.balances(db.session, treasurer, MONTH) if x.structure.id == b.id]
    rows = _tables(response)["statement-lines"]
    body = [cells for section, cells in rows if section == "tbody"]
    [footer] = [cells for section, cells in rows if section == "tfoot"]
    assert _cents(body[0][-1]) == balance.opening_cents
    lines = body[1:]
    assert len(lines) == 3  # rent share, energy share, energy paid by Boutique
    debit = sum(_cents(cells[3]) for cells in lines if cells[3])
    credit = sum(_cents(cells[4]) for cells in lines if cells[4])
    assert (_cents(footer[-3]), _cents(footer[-2])) == (debit, credit)
    assert _cents(footer[-1]) == _cents(lines[-1][-1]) == balance.closing_cents
    assert balance.opening_cents + debit - credit == balance.closing_cents
    page = _text(response)
    summary = re.search(r'class="closing">([^<]+)<', page)
    assert _cents(summary.group(1)) == balance.closing_cents
    assert "1/3" in page  # the equal key's explanation: 1 000,00 € × 1/3
    assert "40 %" in page  # Boutique's 40 % of the energy bill
    assert page.count('class="explanation"') == 2  # the share lines, not the line crediting the payer


def test_statement_csv_parses_back_to_the_same_amounts(client, login, treasurer, ledger):
    login(treasurer)
    a = ledger["a"]
    response = client.get(f"/ledger/statements/{a.id}/{MONTH}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="statement-AT-{MONTH}.csv"'
    text = response.get_data(as_text=True)
    assert not text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert len(header) == 9
    [balance] = [x for x in ledger_reports.balances(db.session, treasurer, MONTH) if x.structure.id == a.id]
    net = sum(_cents(row[6]) - _cents(row[7]) for row in rows)
    assert net == balance.charged_cents - balance.paid_cents
    assert _cents(rows[-1][8]) == balance.closing_cents
    assert [row[1] for row in rows] == ["2026-02-03", "2026-02-10", "2026-02-20"]


def test_french_statement_csv_has_a_bom_semicolons_and_decimal_commas(client, login, treasurer, ledger):
    login(treasurer)
    a = ledger["a"]
    plain = list(csv.reader(io.StringIO(client.get(f"/ledger/statements/{a.id}/{MONTH}.csv")
                                        .get_data(as_text=True))))
    response = client.get(f"/ledger/statements/{a.id}/{MONTH}.csv?style=fr")
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(header) == 9 and len(rows) == len(plain) - 1
    assert rows[0][1] == "03/02/2026"
    assert all("," in row[8] and "." not in row[8] for row in rows)
    amounts = [[_cents(x) for x in row[6:]] for row in rows]
    assert amounts == [[_cents(x) for x in row[6:]] for row in plain[1:]]


def test_journal_paheko_and_fec_downloads_balance_and_parse_back(client, login, treasurer, ledger):
    login(treasurer)
    journal = client.get(f"/ledger/{MONTH}/journal.csv")
    assert journal.headers["Content-Disposition"] == f'attachment; filename="journal-{MONTH}.csv"'
    _header, *rows = list(csv.reader(io.StringIO(journal.get_data(as_text=True))))
    debit, credit = sum(_cents(r[9]) for r in rows), sum(_cents(r[10]) for r in rows)
    assert debit == credit == 100000 + 30000 + 20000  # rent, energy, payment: each entry balances

    french = client.get(f"/ledger/{MONTH}/journal.csv?style=fr").get_data()
    assert french.startswith("\ufeff".encode()) and b";" in french

    paheko = client.get(f"/ledger/{MONTH}/paheko.csv")
    assert paheko.mimetype == "text/csv"
    assert paheko.headers["Content-Disposition"] == f'attachment; filename="paheko-{MONTH}.csv"'
    _header, *pairs = list(csv.reader(io.StringIO(paheko.get_data(as_text=True)), delimiter=";"))
    assert sum(_cents(row[5]) for row in pairs) == debit

    fec = client.get(f"/ledger/{MONTH}/fec.txt")
    assert fec.mimetype == "text/plain"
    assert fec.headers["Content-Disposition"] == 'attachment; filename="FEC20260228.txt"'
    header, *lines = list(csv.reader(io.StringIO(fec.get_data(as_text=True)), delimiter="\t"))
    assert len(header) == 18 and all(len(line) == 18 for line in lines)
    assert sum(_cents(line[11]) for line in lines) == sum(_cents(line[12]) for line in lines) == debit


def test_an_auditor_downloads_every_export(client, login, make, ledger):
    login(make.user(is_auditor=True))
    for path in (f"/ledger/{MONTH}/journal.csv", f"/ledger/{MONTH}/paheko.csv", f"/ledger/{MONTH}/fec.txt",
                 f"/ledger/statements/{ledger['c'].id}/{MONTH}.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Disposition"].startswith("attachment;")
