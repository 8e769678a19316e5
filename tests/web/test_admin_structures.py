"""The structure pages of the administration, through the real forms."""

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Membership, Structure


def _admin(make, login):
    admin = make.user(is_admin=True, locale="en", name="Ada Admin")
    login(admin)
    return admin


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_creates_a_structure_through_the_form_and_sees_it_in_the_list(client, make, login):
    _admin(make, login)
    response = client.post("/admin/structures/new", data={
        "name": "Café des Possibles", "short_code": "cdp", "legal_form": "scic", "siren": "732 829 320",
        "email": "bonjour@cafe.example", "accounting_code": "411CDP"})
    assert response.status_code == 302
    structure = db.session.scalar(select(Structure))
    assert (structure.short_code, structure.legal_form, structure.siren) == ("CDP", "scic", "732829320")
    page = client.get("/admin/structures").get_data(as_text=True)
    assert "Café des Possibles" in page and "SCIC: collective-interest cooperative" in page


def test_bad_input_is_refused_with_field_messages_and_nothing_is_written(client, make, login):
    _admin(make, login)
    response = client.post("/admin/structures/new", data={
        "name": "x" * 121, "legal_form": "association", "siren": "123456789", "email": "nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "At most 120 characters." in page
    assert "A SIREN number has 9 digits and a valid check digit." in page
    assert "Not a valid e-mail address." in page
    assert _count(Structure) == 0


def test_a_legal_form_outside_the_list_is_refused(client, make, login):
    _admin(make, login)
    response = client.post("/admin/structures/new", data={"name": "Coop", "legal_form": "sarl"})
    assert response.status_code == 422
    assert _count(Structure) == 0


def test_a_duplicate_name_in_other_case_and_accents_is_refused_on_the_form(client, make, login):
    _admin(make, login)
    make.structure(name="Régie de Quartier")
    response = client.post("/admin/structures/new", data={"name": "REGIE  de quartier",
                                                          "legal_form": "association"})
    assert response.status_code == 422
    assert "A structure with this name already exists." in response.get_data(as_text=True)
    assert _count(Structure) == 1


def test_the_list_filters_by_name_or_code_and_by_status(client, make, login):
    _admin(make, login)
    make.structure(name="Atelier Vélo", short_code="AV")
    make.structure(name="Jardin partagé", short_code="JP")
    make.structure(name="Ancienne asso", short_code="OLD", active=False)
    page = client.get("/admin/structures?q=velo").get_data(as_text=True)
    assert "Atelier Vélo" in page and "Jardin partagé" not in page
    page = client.get("/admin/structures?q=jp").get_data(as_text=True)
    assert "Jardin partagé" in page and "Atelier Vélo" not in page
    page = client.get("/admin/structures").get_data(as_text=True)
    assert "Ancienne asso" not in page and "Atelier Vélo" in page
    page = client.get("/admin/structures?status=archived").get_data(as_text=True)
    assert "Ancienne asso" in page and "Atelier Vélo" not in page
    assert client.get("/admin/structures?status=nonsense").status_code == 200


def test_admin_edits_then_archives_and_restores_a_structure(client, make, login):
    _admin(make, login)
    structure = make.structure(name="Coop", short_code="CP")
    response = client.post(f"/admin/structures/{structure.id}/edit", data={
        "name": "Coop du Nord", "short_code": "", "legal_form": "scop", "siren": "", "email": "",
        "accounting_code": "411CN"})
    assert response.status_code == 302
    assert (structure.name, structure.short_code, structure.legal_form) == ("Coop du Nord", "CP", "scop")
    client.post(f"/admin/structures/{structure.id}/archive")
    assert structure.active is False
    client.post(f"/admin/structures/{structure.id}/restore")
    assert structure.active is True


def test_a_non_admin_gets_403_on_the_administration_pages(client, make, login):
    structure = make.structure()
    login(make.user(structures=[structure], role="manager", locale="en"))
    for path in ("/admin/", "/admin/structures", "/admin/structures/new",
                 f"/admin/structures/{structure.id}/edit"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/structures/new", data={"name": "Coop"}).status_code == 403
    assert client.post(f"/admin/structures/{structure.id}/archive").status_code == 403
    assert _count(Structure) == 1 and structure.active


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/structures")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_adds_a_member_from_the_structure_page(client, make, login):
    _admin(make, login)
    structure = make.structure()
    person = make.user(name="Noa Nouvelle")
    assert "Noa Nouvelle" in client.get(f"/admin/structures/{structure.id}").get_data(as_text=True)
    response = client.post(f"/admin/structures/{structure.id}/members",
                           data={"user_id": person.id, "role": "manager"})
    assert response.status_code == 302
    assert [(m.user_id, m.role) for m in structure.memberships] == [(person.id, "manager")]


def test_manager_adds_changes_and_removes_members_of_their_structure(client, make, login):
    structure = make.structure()
    login(make.user(structures=[structure], role="manager", locale="en"))
    person = make.user()
    assert client.get(f"/admin/structures/{structure.id}").status_code == 200
    client.post(f"/admin/structures/{structure.id}/members", data={"user_id": person.id, "role": "member"})
    client.post(f"/admin/structures/{structure.id}/members/{person.id}/role", data={"role": "manager"})
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == person.id)) == "manager"
    response = client.post(f"/admin/structures/{structure.id}/members/{person.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(select(Membership).where(Membership.user_id == person.id)) is None


def test_manager_of_another_structure_gets_404_and_a_member_gets_403(client, make, login):
    structure = make.structure()
    member = make.user(structures=[structure], locale="en")
    outsider = make.user(structures=[make.structure()], role="manager", locale="en")
    login(outsider)
    assert client.get(f"/admin/structures/{structure.id}").status_code == 404
    response = client.post(f"/admin/structures/{structure.id}/members", data={"user_id": outsider.id,
                                                                            "role": "manager"})
    assert response.status_code == 404
    client.post("/logout")
    login(member)
    assert client.get(f"/admin/structures/{structure.id}").status_code == 403
    assert client.post(f"/admin/structures/{structure.id}/members/{member.id}/role",
                       data={"role": "manager"}).status_code == 403
    assert [m.role for m in member.memberships] == ["member"]


def test_a_refused_member_change_says_why_and_changes_nothing(client, make, login):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager", locale="en")
    login(manager)
    response = client.post(f"/admin/structures/{structure.id}/members/{manager.id}/remove")
    assert response.status_code == 422
    assert "You cannot remove yourself; ask another manager." in response.get_data(as_text=True)
    response = client.post(f"/admin/structures/{structure.id}/members/{manager.id}/role",
                           data={"role": "owner"})
    assert response.status_code == 422
    response = client.post(f"/admin/structures/{structure.id}/members",
                           data={"user_id": "x", "role": "member"})
    assert response.status_code == 422
    assert [(m.user_id, m.role) for m in structure.memberships] == [(manager.id, "manager")]


def test_the_dashboard_counts_and_links_the_administration_pages(client, make, login):
    _admin(make, login)
    make.structure()
    make.structure(active=False)
    page = client.get("/admin/").get_data(as_text=True)
    assert "<strong>1</strong> Structures" in page
    assert 'href="/admin/structures"' in page and 'href="/admin/people"' in page
    assert "/admin/sites" in page and "/admin/resources" in page


def test_unknown_or_oversized_ids_answer_404_or_422_never_500(client, make, login):
    _admin(make, login)
    structure = make.structure()
    huge = 10**20
    for path in (f"/admin/structures/{huge}", f"/admin/structures/{huge}/edit", f"/admin/people/{huge}"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/admin/structures/{huge}/archive").status_code == 404
    response = client.post(f"/admin/structures/{structure.id}/members/{huge}/role", data={"role": "member"})
    assert response.status_code == 404  # an id too large to exist is refused at routing
    assert client.post(f"/admin/structures/{structure.id}/members/{huge}/remove").status_code == 404
