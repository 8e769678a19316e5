"""People through the JSON API: admins manage everyone, a person sees and edits only themself."""

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import User


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_admin_adds_a_person_without_a_password_and_they_are_invited_by_email(api, make, outbox):
    caller = api(make.user(is_admin=True))
    response = caller.post("/api/v1/users", json={"email": "Camille@Example.org", "name": "Camille",
                                                  "locale": "en", "roles": ["treasurer"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["email"], body["roles"], body["locale"], body["last_login_at"]) == (
        "camille@example.org", ["treasurer"], "en", None)
    assert len(outbox) == 1
    assert outbox[0].to == "camille@example.org"


def test_admin_adds_a_person_with_a_password_and_no_mail_is_sent(api, make, outbox):
    response = api(make.user(is_admin=True)).post("/api/v1/users", json={
        "email": "bea@example.org", "name": "Bea", "password": "a long enough password"})
    assert response.status_code == 201
    assert "password" not in response.get_json()
    assert outbox == []


def test_a_refused_person_is_not_written_and_not_invited(api, make, outbox):
    make.user(email="camille@example.org")
    caller = api(make.user(is_admin=True), language="en")
    response = caller.post("/api/v1/users", json={"email": "CAMILLE@example.org", "name": "Camille 2"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"] == {
        "email": "A person with this e-mail address already exists."}
    assert _count() == 2
    assert outbox == []


def test_a_short_password_or_unknown_role_is_a_field_error(api, make):
    response = api(make.user(is_admin=True), language="en").post("/api/v1/users", json={
        "email": "bea@example.org", "name": "Bea", "password": "short", "roles": ["boss"]})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"password", "roles"}
    assert _count() == 1


def test_only_admins_list_people(api, make):
    make.user(name="Ada")
    assert api(make.user()).get("/api/v1/users").status_code == 403
    body = api(make.user(is_admin=True, name="Zoé")).get("/api/v1/users?search=ada").get_json()
    assert [u["name"] for u in body["items"]] == ["Ada"]


def test_a_person_sees_themself_but_gets_404_for_someone_else(api, make):
    person, other = make.user(), make.user()
    caller = api(person)
    assert caller.get(f"/api/v1/users/{person.id}").get_json()["id"] == person.id
    assert caller.get(f"/api/v1/users/{other.id}").status_code == 404


def test_a_person_changes_their_own_name_but_not_their_roles(api, make):
    person = make.user(name="Camille")
    response = api(person).patch(f"/api/v1/users/{person.id}",
                                 json={"name": "Camille D.", "roles": ["admin"]})
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["roles"]) == ("Camille D.", [])


def test_admin_deactivates_a_person(api, make):
    person = make.user()
    response = api(make.user(is_admin=True)).patch(f"/api/v1/users/{person.id}", json={"active": False})
    assert response.get_json()["active"] is False
    db.session.expire_all()
    assert db.session.get(User, person.id).active is False
