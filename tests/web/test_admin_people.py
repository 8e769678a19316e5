"""The people pages of the administration: invite, list and filter, edit, invite again."""

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Membership, User


def _admin(make, login):
    admin = make.user(is_admin=True, locale="en", name="Ada Admin")
    login(admin)
    return admin


def _count_people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_admin_invites_a_person_into_a_structure_and_the_mail_leaves_with_the_commit(client, make, login,
                                                                                     outbox):
    _admin(make, login)
    structure = make.structure(name="Jardin partagé")
    response = client.post("/admin/people/new", data={
        "email": "Noa@Example.org", "name": "Noa", "locale": "en", "roles": ["treasurer"],
        "structure_id": structure.id, "structure_role": "manager"})
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "noa@example.org"))
    assert person.roles == ["treasurer"] and person.password_hash is None
    assert [(m.structure_id, m.role) for m in person.memberships] == [(structure.id, "manager")]
    assert [m.to for m in outbox] == ["noa@example.org"]
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Noa" in page and "Invited" in page


def test_a_refused_invitation_shows_the_field_errors_and_sends_nothing(client, make, login, outbox):
    _admin(make, login)
    make.user(email="taken@example.org")
    response = client.post("/admin/people/new", data={"email": "TAKEN@example.org", "name": "",
                                                      "locale": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A person with this e-mail address already exists." in page
    assert "This field is required." in page
    assert _count_people() == 2
    assert outbox == []


def test_an_unknown_structure_or_role_refuses_the_whole_invitation(client, make, login, outbox):
    _admin(make, login)
    structure = make.structure()
    for extra in ({"structure_id": 999_999, "structure_role": "member"},
                  {"structure_id": structure.id, "structure_role": "owner"}):
        response = client.post("/admin/people/new", data={"email": "noa@example.org", "name": "Noa", **extra})
        assert response.status_code == 422
    assert _count_people() == 1
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
    assert outbox == []


def test_the_list_filters_by_search_role_structure_and_status(client, make, login):
    _admin(make, login)
    structure = make.structure()
    make.user(name="Tess Trésorière", is_treasurer=True)
    make.user(name="Maé Membre", structures=[structure])
    make.user(name="Gaby Partie", active=False)

    def names(query: str) -> set[str]:
        page = client.get(f"/admin/people?{query}").get_data(as_text=True)
        everyone = ("Ada Admin", "Tess Trésorière", "Maé Membre", "Gaby Partie")
        return {n for n in everyone if f">{n}</a></td>" in page}  # a row, not the signed-in name above

    assert names("") == {"Ada Admin", "Tess Trésorière", "Maé Membre"}
    assert names("q=membre") == {"Maé Membre"}
    assert names("role=treasurer") == {"Tess Trésorière"}
    assert names(f"structure={structure.id}") == {"Maé Membre"}
    assert names("status=inactive") == {"Gaby Partie"}
    assert names("status=all&role=nonsense&structure=abc") == {"Ada Admin", "Tess Trésorière", "Maé Membre",
                                                                "Gaby Partie"}


def test_admin_edits_a_person(client, make, login):
    _admin(make, login)
    person = make.user(name="Noa")
    response = client.post(f"/admin/people/{person.id}", data={
        "email": "NOA.B@example.org", "name": "Noa B.", "locale": "fr", "roles": ["auditor"]})
    assert response.status_code == 302
    assert (person.email, person.name, person.locale, person.roles, person.active) == (
        "noa.b@example.org", "Noa B.", "fr", ["auditor"], False)


def test_bad_edits_are_refused_and_nothing_changes(client, make, login):
    _admin(make, login)
    make.user(email="taken@example.org")
    person = make.user(name="Noa", email="noa@example.org")
    response = client.post(f"/admin/people/{person.id}", data={
        "email": "taken@example.org", "name": "x" * 121, "locale": "de", "active": "y"})
    assert response.status_code == 422
    db.session.refresh(person)
    assert (person.email, person.name) == ("noa@example.org", "Noa")


def test_admin_sends_the_invitation_again(client, make, login, outbox):
    _admin(make, login)
    invited = make.user(password=None, email="invited@example.org")
    assert "Send the invitation again" in client.get(f"/admin/people/{invited.id}").get_data(as_text=True)
    assert client.post(f"/admin/people/{invited.id}/invitation").status_code == 302
    assert [m.to for m in outbox] == ["invited@example.org"]
    someone = make.user()
    assert client.post(f"/admin/people/{someone.id}/invitation").status_code == 409
    assert len(outbox) == 1


def test_a_non_admin_gets_403_on_the_people_pages(client, make, login, outbox):
    me = make.user(locale="en")
    login(me)
    for path in ("/admin/people", "/admin/people/new", f"/admin/people/{me.id}"):
        assert client.get(path).status_code == 403, path
    response = client.post("/admin/people/new", data={"email": "x@example.org", "name": "X"})
    assert response.status_code == 403
    response = client.post(f"/admin/people/{me.id}", data={"email": me.email, "name": me.name,
                                                           "roles": ["admin"], "active": "y"})
    assert response.status_code == 403
    assert client.post(f"/admin/people/{make.user(password=None).id}/invitation").status_code == 403
    assert me.roles == [] and outbox == []
