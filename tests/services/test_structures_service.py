"""Specification of the structure use cases: details, uniqueness, archiving, and who manages members."""

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Membership, Structure
from mutualise.services import structures
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.structures import StructureInput


def _count_structures() -> int:
    return db.session.scalar(select(func.count()).select_from(Structure))


def test_admin_creates_a_structure_with_a_short_code_made_from_its_name(make, now):
    admin = make.user(is_admin=True)
    structure = structures.create_structure(db.session, admin, now, StructureInput(
        name="Régie de quartier de Fives", legal_form="association", siren="732 829 320",
        email="Contact@Regie-Fives.org", accounting_code="411RQF"))
    db.session.commit()
    assert structure.short_code == "RDQDF"
    assert structure.siren == "732829320"
    assert structure.email == "contact@regie-fives.org"
    assert structure.active is True


@pytest.mark.parametrize("other_name", ["atelier vélo", "ATELIER VELO", "  Atelier   Vélo ", "Atélier Velo"])
def test_a_name_differing_only_in_case_accents_or_spaces_is_a_duplicate(make, now, other_name):
    admin = make.user(is_admin=True)
    make.structure(name="Atelier Vélo")
    with pytest.raises(ValidationError) as refused:
        structures.create_structure(db.session, admin, now, StructureInput(name=other_name))
    assert set(refused.value.fields) == {"name"}
    db.session.rollback()
    assert _count_structures() == 1


def test_renaming_a_structure_to_its_own_name_in_other_case_is_allowed(make):
    admin = make.user(is_admin=True)
    structure = make.structure(name="Atelier Vélo")
    structures.update_structure(db.session, admin, structure.id, StructureInput(name="ATELIER VÉLO"))
    assert structure.name == "ATELIER VÉLO"


@pytest.mark.parametrize("siren", ["123456789", "12345678", "ABCDEFGHI", "7328293200"])
def test_an_invalid_siren_is_a_field_error(make, now, siren):
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        structures.create_structure(db.session, admin, now, StructureInput(name="Coop", siren=siren))
    assert set(refused.value.fields) == {"siren"}


def test_an_over_long_name_is_refused_and_nothing_is_written(make, now):
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        structures.create_structure(db.session, admin, now,
                                    StructureInput(name="x" * (Structure.NAME_MAX + 1)))
    assert "name" in refused.value.fields
    db.session.rollback()
    assert _count_structures() == 0


def test_every_wrong_field_is_reported_at_once(make, now):
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        structures.create_structure(db.session, admin, now, StructureInput(
            name="", short_code="A B", legal_form="sarl", siren="1", email="not-an-address"))
    assert set(refused.value.fields) == {"name", "short_code", "legal_form", "siren", "email"}


def test_a_short_code_already_used_is_refused_whatever_the_case(make, now):
    admin = make.user(is_admin=True)
    make.structure(short_code="RQF")
    with pytest.raises(ValidationError) as refused:
        structures.create_structure(db.session, admin, now, StructureInput(name="Autre", short_code="rqf"))
    assert set(refused.value.fields) == {"short_code"}


def test_only_admins_create_structures(make, now):
    manager = make.user(structures=[make.structure()], role="manager")
    with pytest.raises(Forbidden):
        structures.create_structure(db.session, manager, now, StructureInput(name="Nouvelle"))


def test_archiving_hides_a_structure_from_the_active_list(make):
    admin = make.user(is_admin=True)
    kept, archived = make.structure(name="Gardée"), make.structure(name="Archivée")
    structures.update_structure(db.session, admin, archived.id, StructureInput(active=False))
    assert structures.list_structures(db.session, admin, active=True) == [kept]
    assert structures.list_structures(db.session, admin, active=False) == [archived]


def test_search_matches_the_name_without_accents_or_the_short_code(make):
    admin = make.user(is_admin=True)
    regie = make.structure(name="Régie de quartier", short_code="RQ")
    cafe = make.structure(name="Café associatif", short_code="CAF")
    assert structures.list_structures(db.session, admin, search="REGIE") == [regie]
    assert structures.list_structures(db.session, admin, search="caf") == [cafe]
    assert structures.list_structures(db.session, admin, search="rq") == [regie]


def test_manager_can_add_a_member_to_their_structure(make, now):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    newcomer = make.user()
    membership = structures.set_member(db.session, manager, now, structure.id, newcomer.id, "member")
    db.session.commit()
    assert (membership.structure_id, membership.user_id, membership.role) == (structure.id, newcomer.id,
                                                                              "member")


def test_manager_can_make_a_member_a_manager(make, now):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    member = make.user(structures=[structure])
    structures.set_member(db.session, manager, now, structure.id, member.id, "manager")
    assert [m.role for m in member.memberships] == ["manager"]


def test_manager_cannot_add_a_member_to_another_structure(make, now):
    theirs, other = make.structure(), make.structure()
    manager = make.user(structures=[theirs], role="manager")
    with pytest.raises(NotFound):
        structures.set_member(db.session, manager, now, other.id, make.user().id, "member")


def test_member_cannot_add_a_member(make, now):
    structure = make.structure()
    member = make.user(structures=[structure])
    with pytest.raises(Forbidden):
        structures.set_member(db.session, member, now, structure.id, make.user().id, "member")


def test_a_wrong_role_or_person_is_a_field_error(make, now):
    structure = make.structure()
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        structures.set_member(db.session, admin, now, structure.id, 999_999, "owner")
    assert set(refused.value.fields) == {"user_id", "role"}


def test_manager_cannot_change_their_own_role(make, now):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    with pytest.raises(ValidationError) as refused:
        structures.set_member(db.session, manager, now, structure.id, manager.id, "member")
    assert set(refused.value.fields) == {"role"}


def test_manager_removes_a_member_but_not_themself(make):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    member = make.user(structures=[structure])
    structures.remove_member(db.session, manager, structure.id, member.id)
    db.session.commit()
    assert db.session.scalars(select(Membership.user_id)).all() == [manager.id]
    with pytest.raises(ValidationError):
        structures.remove_member(db.session, manager, structure.id, manager.id)


def test_the_managed_structure_is_hidden_from_outsiders_and_refused_to_members(make):
    structure = make.structure()
    member = make.user(structures=[structure])
    outsider = make.user(structures=[make.structure()], role="manager")
    with pytest.raises(Forbidden):
        structures.get_managed_structure(db.session, member, structure.id)
    with pytest.raises(NotFound):
        structures.get_managed_structure(db.session, outsider, structure.id)


def test_member_candidates_leave_out_members_and_deactivated_people(make):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    candidate = make.user()
    make.user(active=False)
    assert structures.list_member_candidates(db.session, manager, structure.id) == [candidate]


def test_manager_may_restate_their_own_role(make, now):
    structure = make.structure()
    manager = make.user(structures=[structure], role="manager")
    membership = structures.set_member(db.session, manager, now, structure.id, manager.id, "manager")
    assert membership.role == "manager"


def test_an_oversized_person_id_is_a_field_error(make, now):
    structure = make.structure()
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError) as refused:
        structures.set_member(db.session, admin, now, structure.id, 2**31, "member")
    assert set(refused.value.fields) == {"user_id"}
