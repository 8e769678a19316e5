"""Allocation keys through the JSON API: treasurers write them, auditors and admins read them, members
see nothing; weights come back as typed; bad input is refused with the field named."""

import pytest
from api_helpers import api_error as _error
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import AllocationKey, AllocationKeyVersion, AllocationWeight


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (AllocationKey, AllocationKeyVersion, AllocationWeight))


@pytest.fixture
def coops(make):
    return {"a": make.structure(name="Atelier"), "b": make.structure(name="Bascule"),
            "archived": make.structure(name="Dormante", active=False)}


@pytest.fixture
def treasurer(api, make):
    return api(make.user(is_treasurer=True), language="en")


def _key(treasurer, **fields) -> dict:
    response = treasurer.post("/api/v1/keys", json={"name": "Loyer", "method": "equal",
                                                    "valid_from": "2026-01-01", **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_a_treasurer_adds_keys_and_reads_the_weights_as_typed(treasurer, coops):
    a, b = coops["a"].id, coops["b"].id
    by_area = _key(treasurer, name="Surface", method="weights", decision_ref="AG du 12/03/2026, résolution 4",
                   weights=[{"structure_id": a, "weight": 45.5}, {"structure_id": b, "weight": "12,25"}])
    assert (by_area["name"], by_area["method"], by_area["active"], by_area["resource_ids"]) == (
        "Surface", "weights", True, [])
    [version] = by_area["versions"]
    assert (version["number"], version["valid_from"], version["decision_ref"], version["key_id"]) == (
        1, "2026-01-01", "AG du 12/03/2026, résolution 4", by_area["id"])
    assert version["participants"] == [{"structure_id": a, "weight": 45.5},
                                       {"structure_id": b, "weight": 12.25}]
    assert treasurer.get(f"/api/v1/keys/{by_area['id']}").get_json() == by_area

    percent = _key(treasurer, name="Assurance", method="percent",
                   weights=[{"structure_id": a, "weight": 7500}, {"structure_id": b, "weight": 2500}])
    assert percent["versions"][0]["participants"] == [{"structure_id": a, "weight": 7500},
                                                      {"structure_id": b, "weight": 2500}]
    equal = _key(treasurer, name="Ménage")  # every active structure, weighing alike
    assert equal["versions"][0]["participants"] == [{"structure_id": a, "weight": None},
                                                    {"structure_id": b, "weight": None}]
    assert _counts() == (3, 3, 6)


def test_a_usage_key_names_its_resources(treasurer, coops, make):
    van = make.resource(kind="vehicle", name="Kangoo")
    body = _key(treasurer, method="usage_km", resource_ids=[van.id], structure_ids=[coops["a"].id])
    assert (body["method"], body["resource_ids"]) == ("usage_km", [van.id])
    assert body["versions"][0]["participants"] == [{"structure_id": coops["a"].id, "weight": None}]


def test_keys_are_listed_in_pages_and_by_state(treasurer, coops):
    first = _key(treasurer, name="Assurance")
    second = _key(treasurer, name="Loyer")
    page = treasurer.get("/api/v1/keys?limit=1").get_json()
    assert [k["id"] for k in page["items"]] == [first["id"]]
    rest = treasurer.get(f"/api/v1/keys?limit=1&cursor={page['next']}").get_json()
    assert ([k["id"] for k in rest["items"]], rest["next"]) == ([second["id"]], None)
    archived = treasurer.patch(f"/api/v1/keys/{second['id']}", json={"active": False})
    assert (archived.status_code, archived.get_json()["active"]) == (200, False)
    assert [k["id"] for k in treasurer.get("/api/v1/keys?active=false").get_json()["items"]] == [second["id"]]
    assert [k["id"] for k in treasurer.get("/api/v1/keys?active=true").get_json()["items"]] == [first["id"]]


def _share(structure, weight) -> dict:
    return {"structure_id": structure.id, "weight": weight}


@pytest.mark.parametrize(("fields", "expected"), [
    (lambda c: {"method": "lottery"}, {"method": "Must be one of: equal, weights, percent, usage_hours, "
                                                 "usage_km."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], 5000), _share(c["b"], 4500)]},
     {"weights": "The shares add up to 95.00 %, not 100 %."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], 25.5)]},
     {"weights": "Each share is a whole number of basis points, e.g. 2500 for 25 %."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 0)]},
     {"weights": "Each weight must be more than zero."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], -12.5)]},
     {"weights": "Each weight must be more than zero."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 1.2345)]},
     {"weights": "Each weight has at most 3 decimals."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], "beaucoup")]},
     {"weights": "Each weight must be a number such as 45.5."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], True)]},
     {"weights.weight": "Each weight must be a number such as 45.5."}),
    (lambda c: {"method": "weights", "weights": [{"structure_id": c["a"].id}]},
     {"weights.weight": "This field is required."}),
    (lambda c: {"method": "weights", "weights": []}, {"weights": "A key needs at least one structure."}),
    (lambda c: {"method": "equal", "structure_ids": []},
     {"structure_ids": "A key needs at least one structure."}),
    (lambda c: {"method": "equal", "structure_ids": [999_999]},
     {"structure_ids": "Unknown structure: 999999."}),
    (lambda c: {"method": "equal", "structure_ids": [c["archived"].id]},
     {"structure_ids": "Dormante is archived and cannot take part."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], 5000), _share(c["a"], 5000)]},
     {"weights": "Atelier is listed twice."}),
    (lambda c: {"method": "weights", "resource_ids": [1], "weights": [_share(c["a"], 1)]},
     {"resource_ids": "Only for usage keys (hours or kilometres)."}),
    (lambda c: {"method": "usage_hours", "resource_ids": [999_999]},
     {"resource_ids": "Unknown resource: 999999."}),
    (lambda c: {"method": "equal", "valid_from": "31/03/2026"},
     {"valid_from": "Must be a date such as 2026-03-31."}),
    (lambda c: {"method": "equal", "colour": "red"}, {"colour": "Unknown field."}),
])
def test_bad_input_is_refused_with_the_field_named_and_nothing_is_written(treasurer, coops, fields, expected):
    response = treasurer.post("/api/v1/keys", json={"name": "Loyer", **fields(coops)})
    assert _error(response, 422, "validation")["details"]["fields"] == expected
    assert _counts() == (0, 0, 0)


def test_two_keys_cannot_share_a_name(treasurer, coops):
    _key(treasurer, name="Loyer")
    response = treasurer.post("/api/v1/keys", json={"name": "LOYER", "method": "equal"})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "name": "Another key is already called LOYER."}
    assert _counts() == (1, 1, 2)


def test_messages_follow_the_request_language(api, make, coops):
    treasurer = api(make.user(is_treasurer=True), language="fr")
    response = treasurer.post("/api/v1/keys", json={"name": "Loyer", "method": "percent",
                                                    "weights": [_share(coops["a"], 9550)]})
    message = _error(response, 422, "validation")["details"]["fields"]["weights"]
    assert "95,50" in message  # the number is written the French way
    assert _counts() == (0, 0, 0)


def test_a_new_vote_adds_a_version_after_the_latest(treasurer, coops):
    a, b = coops["a"].id, coops["b"].id
    key = _key(treasurer, method="percent", weights=[_share(coops["a"], 6000), _share(coops["b"], 4000)])
    response = treasurer.post(f"/api/v1/keys/{key['id']}/versions", json={
        "valid_from": "2026-04-01", "decision_ref": "AG 2026",
        "weights": [{"structure_id": a, "weight": 5000}, {"structure_id": b, "weight": 5000}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    version = response.get_json()
    assert (version["number"], version["valid_from"], version["decision_ref"]) == (2, "2026-04-01", "AG 2026")
    assert version["participants"] == [{"structure_id": a, "weight": 5000},
                                       {"structure_id": b, "weight": 5000}]
    versions = treasurer.get(f"/api/v1/keys/{key['id']}").get_json()["versions"]
    assert [(v["number"], v["participants"][0]["weight"]) for v in versions] == [(1, 6000), (2, 5000)]

    too_early = treasurer.post(f"/api/v1/keys/{key['id']}/versions", json={
        "valid_from": "2026-04-01", "weights": [{"structure_id": a, "weight": 10000}]})
    assert _error(too_early, 422, "validation")["details"]["fields"] == {
        "valid_from": "Must be after Apr 1, 2026, when version 2 starts."}
    renamed = treasurer.post(f"/api/v1/keys/{key['id']}/versions", json={"name": "Autre"})
    assert _error(renamed, 422, "validation")["details"]["fields"] == {"name": "Unknown field."}
    assert _counts() == (1, 2, 4)
    assert _error(treasurer.post("/api/v1/keys/999999/versions", json={}), 404, "not_found")


def test_auditors_read_keys_but_cannot_write_them(api, treasurer, make, coops):
    key = _key(treasurer)
    auditor = api(make.user(is_auditor=True))
    assert [k["id"] for k in auditor.get("/api/v1/keys").get_json()["items"]] == [key["id"]]
    assert auditor.get(f"/api/v1/keys/{key['id']}").get_json()["id"] == key["id"]
    assert _error(auditor.post("/api/v1/keys", json={"name": "Autre", "method": "equal"}), 403, "forbidden")
    version = {"valid_from": "2026-06-01"}
    assert _error(auditor.post(f"/api/v1/keys/{key['id']}/versions", json=version), 403, "forbidden")
    assert _error(auditor.patch(f"/api/v1/keys/{key['id']}", json={"active": False}), 403, "forbidden")
    assert _counts() == (1, 1, 2)
    assert treasurer.get(f"/api/v1/keys/{key['id']}").get_json()["active"] is True


def test_members_and_managers_cannot_see_keys(api, treasurer, make, coops):
    key = _key(treasurer)
    manager = api(make.user(structures=[coops["a"]], role="manager"))
    assert _error(manager.get("/api/v1/keys"), 403, "forbidden")
    assert _error(manager.get(f"/api/v1/keys/{key['id']}"), 403, "forbidden")
    assert _error(manager.post("/api/v1/keys", json={"name": "Autre", "method": "equal"}), 403, "forbidden")
    assert _counts() == (1, 1, 2)
    assert _error(treasurer.get("/api/v1/keys/999999"), 404, "not_found")
