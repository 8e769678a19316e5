"""Importing a month's charges from a spreadsheet through the real page: a preview that writes nothing,
then every charge posted at once; one bad line refuses them all and names its line."""

import io

import pytest
from factories import make_key
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import (
    Charge,
    ChargeAllocation,
    JournalEntry,
    Period,
)

CSV = """date;libellé;catégorie;montant;clé;payé par;pièce
05/03/2026;Loyer mars;rent;1 200,00;Clé égale;;F-31
2026-03-09;Assurance;Insurance;100;Clé égale 50 % + Surface 50 %;BAS;
"""


@pytest.fixture
def three(make):
    return [make.structure(name=name, short_code=code)
            for name, code in (("Atelier", "ATE"), ("Bascule", "BAS"), ("Cocotte", "COC"))]


@pytest.fixture
def treasurer(make, login):
    user = make.user(is_treasurer=True, locale="en")
    login(user)
    return user


@pytest.fixture
def keys(three):
    return make_key("equal", dict.fromkeys(three, 1), "Clé égale"), make_key(
        "weights", {three[0]: 3000, three[1]: 1000}, "Surface")




def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Charge, ChargeAllocation, JournalEntry))


def test_preview_shows_every_charge_with_its_split_and_writes_nothing(client, treasurer, keys):
    before = counts()
    response = client.post("/ledger/charges/import", data={"text": CSV, "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview: 2 charges, €1,300.00" in page
    assert "Loyer mars" in page and "Assurance" in page and "Split across 3 structures" in page
    assert "€400.00" in page  # Loyer: 1,200.00 / 3
    assert "Bascule" in page
    assert counts() == before


def test_posting_writes_every_charge_as_if_posted_one_by_one(client, treasurer, keys, three):
    response = client.post("/ledger/charges/import", data={"text": CSV, "post": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ledger/2026-03")
    posted = db.session.scalars(select(Charge).order_by(Charge.id)).all()
    assert [(c.label, c.category, c.amount_cents, c.receipt_ref) for c in posted] == [
        ("Loyer mars", "rent", 120_000, "F-31"), ("Assurance", "insurance", 10_000, None)]
    assert posted[1].paid_by_structure_id == three[1].id
    # 50 % equal (1,666.67 each) + 50 % by surface 3:1 (3,750 and 1,250); the cents of the tie go round
    assert [a.amount_cents for a in posted[1].allocations] == [5417, 2916, 1667]
    numbers = db.session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
    assert numbers == [1, 2]


def test_one_bad_line_posts_nothing_and_each_problem_names_its_line(client, treasurer, keys):
    text = CSV + "10/03/2026;Ménage;cleaning;12,345;Clé égale;;\n11/03/2026;Eau;energy;50;Clé rouge;;\n"
    before = counts()
    response = client.post("/ledger/charges/import", data={"text": text, "post": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 4, montant: At most two decimals: amounts are in cents." in page
    assert "Line 5, clé: no active key is called “Clé rouge”." in page
    assert counts() == before


def test_the_service_refusals_name_their_line_too(client, treasurer, keys):
    text = CSV + "12/03/2026;;party;10;Clé égale;;\n"
    response = client.post("/ledger/charges/import", data={"text": text, "post": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 4, libellé:" in page and "Line 4, catégorie:" in page
    assert counts() == (0, 0, 0)


def test_a_charge_in_a_closed_period_refuses_the_import(client, treasurer, keys):
    db.session.add(Period(month="2026-03", status="closed"))
    db.session.commit()
    response = client.post("/ledger/charges/import", data={"text": CSV, "post": "1"})
    assert response.status_code == 409
    assert "The period 2026-03 is closed" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_a_file_from_a_spreadsheet_is_read_like_pasted_text(client, treasurer, keys):
    upload = (io.BytesIO(CSV.replace("\n", "\r\n").encode("cp1252")), "charges.csv")
    response = client.post("/ledger/charges/import", data={"text": "", "upload": upload, "preview": "1"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Preview: 2 charges" in response.get_data(as_text=True)


def test_a_text_without_the_columns_is_refused(client, treasurer, keys):
    response = client.post("/ledger/charges/import", data={"text": "Loyer;1200\n", "preview": "1"})
    assert response.status_code == 422
    assert "missing: date, label, category, amount, key" in response.get_data(as_text=True)


def test_only_treasurers_import(client, make, login, keys):
    login(make.user(is_auditor=True, locale="en"))
    assert client.get("/ledger/charges/import").status_code == 403
    assert client.post("/ledger/charges/import", data={"text": CSV, "post": "1"}).status_code == 403
    assert counts() == (0, 0, 0)
