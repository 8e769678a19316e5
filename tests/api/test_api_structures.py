"""Structures and their members through the JSON API."""

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Membership, Structure


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_creates_a_structure_and_gets_it_back(api, make):
    caller = api(make.user(is_admin=True))
    response = caller.post("/api/v1/structures", json={
        "name": "Café des Possibles", "legal_form": "scic", "siren": "732 829 320",
        "email": "Bonjour@Cafe.example"})
    assert response.status_code == 201
    created = response.get_json()
    assert {k: created[k] for k in ("name", "short_code", "legal_form", "siren", "email", "active")} == {
        "name": "Café des Possibles", "short_code": "CDP", "legal_form": "scic", "siren": "732829320",
        "email": "bonjour@cafe.example", "active": True}
    assert caller.get(f"/api/v1/structures/{created['id']}").get_json() == created


def test_a_member_cannot_create_a_structure(api, make):
    member = make.user(structures=[make.structure()])
    response = api(member).post("/api/v1/structures", json={"name": "Coop"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _count(Structure) == 1


def test_a_member_sees_only_their_own_structures(api, make):
    mine = make.structure(name="Régie de Fives")
    make.structure(name="Atelier Vélo")
    body = api(make.user(structures=[mine])).get("/api/v1/structures").get_json()
    assert [s["name"] for s in body["items"]] == ["Régie de Fives"]
    assert body["next"] is None


def test_a_person_of_structure_b_gets_404_for_structure_a(api, make):
    a, b = make.structure(), make.structure()
    caller = api(make.user(structures=[b], role="manager"))
    for response in (caller.get(f"/api/v1/structures/{a.id}"),
                     caller.patch(f"/api/v1/structures/{a.id}", json={"name": "Taken over"}),
                     caller.get(f"/api/v1/structures/{a.id}/members"),
                     caller.post(f"/api/v1/structures/{a.id}/members",
                                 json={"user_id": 1, "role": "member"})):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert caller.get("/api/v1/structures/999999").status_code == 404


def test_a_member_who_can_see_their_structure_gets_403_when_changing_it(api, make):
    mine = make.structure(name="Régie de Fives")
    response = api(make.user(structures=[mine])).patch(f"/api/v1/structures/{mine.id}", json={"name": "X"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Structure, mine.id).name == "Régie de Fives"


def test_patch_changes_only_the_fields_given(api, make):
    structure = make.structure(name="Atelier Vélo", short_code="AV", email="velo@example.org")
    response = api(make.user(is_admin=True)).patch(f"/api/v1/structures/{structure.id}",
                                                   json={"legal_form": "scop"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["short_code"], body["email"], body["legal_form"]) == (
        "Atelier Vélo", "AV", "velo@example.org", "scop")


def test_admin_archives_a_structure_and_filters_on_it(api, make):
    structure = make.structure(name="Atelier Vélo")
    make.structure(name="Régie de Fives")
    caller = api(make.user(is_admin=True))
    assert caller.patch(f"/api/v1/structures/{structure.id}", json={"active": False}).status_code == 200
    archived = caller.get("/api/v1/structures?active=false").get_json()["items"]
    assert [s["name"] for s in archived] == ["Atelier Vélo"]
    found = caller.get("/api/v1/structures?search=fives").get_json()["items"]
    assert [s["name"] for s in found] == ["Régie de Fives"]


def test_pages_follow_each_other_through_the_cursor_without_repeats_or_gaps(api, make):
    made = [make.structure().id for _ in range(5)]
    caller = api(make.user(is_admin=True))
    seen, path, pages = [], "/api/v1/structures?limit=2", 0
    while path:
        body = caller.get(path).get_json()
        assert len(body["items"]) <= 2
        seen += [s["id"] for s in body["items"]]
        pages += 1
        path = f"/api/v1/structures?limit=2&cursor={body['next']}" if body["next"] else None
    assert seen == sorted(made)
    assert pages == 3


def test_a_manager_adds_a_person_to_their_structure_and_lists_its_members(api, make):
    structure = make.structure()
    manager = make.user(name="Ada", structures=[structure], role="manager")
    newcomer = make.user(name="Bea", email="bea@example.org")
    caller = api(manager)
    response = caller.post(f"/api/v1/structures/{structure.id}/members",
                           json={"user_id": newcomer.id, "role": "member"})
    assert response.status_code == 201
    assert response.get_json()["user_id"] == newcomer.id
    members = caller.get(f"/api/v1/structures/{structure.id}/members").get_json()
    assert [(m["name"], m["role"]) for m in members["items"]] == [("Ada", "manager"), ("Bea", "member")]
    assert members["items"][1]["email"] == "bea@example.org"


def test_a_plain_member_cannot_add_people_to_their_structure(api, make):
    structure = make.structure()
    member = make.user(structures=[structure])
    response = api(member).post(f"/api/v1/structures/{structure.id}/members",
                                json={"user_id": make.user().id, "role": "member"})
    assert response.status_code == 403
    assert _count(Membership) == 1


def test_adding_an_unknown_person_or_role_is_a_field_error(api, make):
    structure = make.structure()
    caller = api(make.user(is_admin=True), language="en")
    response = caller.post(f"/api/v1/structures/{structure.id}/members",
                           json={"user_id": 999999, "role": "boss"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"] == {
        "user_id": "No such person.", "role": "Must be one of: member, manager."}
    assert _count(Membership) == 0
