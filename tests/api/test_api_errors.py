"""Bad input to the JSON API: a clear error with a code, field messages in the caller's language, and
nothing written (API.md, invariant 7)."""

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Resource, Structure


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin_api(api, make):
    return api(make.user(is_admin=True), language="en")


def _fields(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation"
    return error["details"]["fields"]


def test_a_duplicate_structure_name_differing_only_in_case_is_a_field_error(admin_api, make):
    make.structure(name="Atelier Vélo")
    fields = _fields(admin_api.post("/api/v1/structures", json={"name": "ATELIER VÉLO"}))
    assert fields == {"name": "A structure with this name already exists."}
    assert _count(Structure) == 1


def test_an_over_long_name_is_a_field_error_and_nothing_is_written(admin_api):
    fields = _fields(admin_api.post("/api/v1/structures", json={"name": "x" * (Structure.NAME_MAX + 1)}))
    assert fields == {"name": "At most 120 characters."}
    assert _count(Structure) == 0


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": 12}, "name", "Must be text."),
    ({"name": ["Coop"]}, "name", "Must be text."),
    ({"name": "Coop", "active": "yes"}, "active", "Must be true or false."),
    ({"name": "Coop", "active": 1}, "active", "Must be true or false."),
    ({}, "name", "This field is required."),
    ({"name": None}, "name", "This field is required."),
    ({"name": "Coop", "colour": "#fff"}, "colour", "Unknown field."),
])
def test_wrong_types_missing_and_unknown_fields_are_field_errors(admin_api, body, field, message):
    fields = _fields(admin_api.post("/api/v1/structures", json=body))
    assert fields == {field: message}
    assert _count(Structure) == 0


def test_every_wrong_field_is_reported_at_once(admin_api):
    fields = _fields(admin_api.post("/api/v1/structures", json={"active": "no", "nickname": "x"}))
    assert fields == {"name": "This field is required.", "active": "Must be true or false.",
                      "nickname": "Unknown field."}


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"kind": "room", "name": "Salle", "rules": {"step_minutes": "15"}}, "rules.step_minutes",
     "Must be a whole number."),
    ({"kind": "room", "name": "Salle", "rules": {"step_minutes": 7.5}}, "rules.step_minutes",
     "Must be a whole number."),
    ({"kind": "room", "name": "Salle", "rules": {"step": 15}}, "rules.step", "Unknown field."),
    ({"kind": "room", "name": "Salle", "rules": 15}, "rules", "Must be a set of names and values."),
    ({"kind": "room", "name": "Salle", "tariff": {"hourly_cents": True}}, "tariff.hourly_cents",
     "Must be a whole number."),
    ({"kind": "room", "name": "Salle", "referent_ids": [1, "two"]}, "referent_ids",
     "Must be a whole number."),
    ({"kind": "room", "name": "Salle", "capacity": 2**40}, "capacity", "Must be at most 2147483647."),
    ({"kind": "room", "name": "Salle", "rules": {"step_minutes": 0}}, "rules.step_minutes",
     "Must be at least 1."),
])
def test_a_nested_field_is_named_with_its_path(admin_api, body, field, message):
    fields = _fields(admin_api.post("/api/v1/resources", json=body))
    assert fields == {field: message}
    assert _count(Resource) == 0


def test_messages_are_in_english_with_accept_language_en_and_french_by_default(api, make):
    admin = make.user(is_admin=True)
    english = api(admin, language="en").post("/api/v1/structures", json={})
    french = api(admin, language="fr").post("/api/v1/structures", json={})
    unspecified = api(admin).post("/api/v1/structures", json={}, headers={"Accept-Language": ""})
    assert _fields(english)["name"] == "This field is required."
    with force_locale("fr"):
        in_french = gettext("This field is required.")
    assert _fields(french)["name"] == in_french
    assert _fields(unspecified)["name"] == in_french
    if in_french != "This field is required.":  # once the French catalogue translates it
        assert _fields(french)["name"] != _fields(english)["name"]
    assert english.get_json()["error"]["message"] == "Some fields are invalid."


def test_malformed_json_is_a_bad_request(admin_api):
    response = admin_api.post("/api/v1/structures", data='{"name": "Coop",',
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "bad_request", "message": "The request body is not valid JSON.", "details": {}}
    assert _count(Structure) == 0


@pytest.mark.parametrize(("data", "content_type"), [
    ("name=Coop", "application/x-www-form-urlencoded"),
    ('{"name": "Coop"}', "text/plain"),
    (b"\xff\xfe{}", "application/json"),
    ('["Coop"]', "application/json"),
    ('"Coop"', "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(admin_api, data, content_type):
    response = admin_api.post("/api/v1/structures", data=data, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert _count(Structure) == 0


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=201", "cursor=zz", "cursor=" + "61" * 40,
                                   "active=maybe", "structure_id=99999999999"])
def test_bad_query_parameters_are_field_errors(admin_api, query):
    fields = _fields(admin_api.get(f"/api/v1/users?{query}"))
    assert list(fields) == [query.partition("=")[0]]


@pytest.mark.parametrize("path", ["/api/v1/structures/99999999999999999999", "/api/v1/structures/-1",
                                  "/api/v1/users/2147483648", "/api/v1/resources/12abc"])
def test_impossible_ids_are_not_found(admin_api, path):
    response = admin_api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_refused_patch_changes_nothing(admin_api, make):
    structure = make.structure(name="Atelier Vélo", short_code="AV")
    fields = _fields(admin_api.patch(f"/api/v1/structures/{structure.id}",
                                     json={"short_code": "NEW", "siren": "123456789"}))
    assert set(fields) == {"siren"}
    db.session.expire_all()
    assert db.session.get(Structure, structure.id).short_code == "AV"


@pytest.mark.parametrize("raw_name", ['"a\\u0000b"', '"a\\ud800b"'])
def test_text_no_database_can_store_is_a_field_error_not_a_crash(admin_api, raw_name):
    response = admin_api.post("/api/v1/structures", data='{"name": ' + raw_name + "}",
                              headers={"Content-Type": "application/json"})
    assert _fields(response) == {"name": "Must be text."}
    assert _count(Structure) == 0


def test_a_nul_in_a_search_is_a_field_error_not_a_crash(admin_api):
    assert _fields(admin_api.get("/api/v1/structures?search=a%00b")) == {"search": "Must be text."}
