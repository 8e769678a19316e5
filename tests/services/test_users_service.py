"""Specification of the people use cases: invitations, unique e-mail addresses, roles, filters."""

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import User
from mutualise.services import structures, users
from mutualise.services.errors import Conflict, Forbidden, NotFound, ValidationError
from mutualise.services.users import UserInput


def _count_people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_an_email_already_used_is_refused_whatever_the_case(make, now):
    admin = make.user(is_admin=True)
    make.user(email="camille@example.org")
    with pytest.raises(ValidationError) as refused:
        users.create_user(db.session, admin, now, UserInput(email="Camille@EXAMPLE.org", name="Camille"))
    assert set(refused.value.fields) == {"email"}


def test_changing_an_email_to_another_persons_is_refused(make):
    admin = make.user(is_admin=True)
    make.user(email="camille@example.org")
    other = make.user(email="dominique@example.org")
    with pytest.raises(ValidationError) as refused:
        users.update_user(db.session, admin, other.id, UserInput(email="CAMILLE@example.org"))
    assert set(refused.value.fields) == {"email"}


def test_invitation_leaves_only_when_the_transaction_commits(make, now, outbox):
    admin = make.user(is_admin=True)
    person = users.create_user(db.session, admin, now, UserInput(
        email="Sacha@Example.org", name="Sacha", locale="en", roles=["treasurer"]))
    assert outbox == []
    db.session.commit()
    assert [m.to for m in outbox] == ["sacha@example.org"]
    assert "/password/invite/" in outbox[0].text
    assert person.password_hash is None and person.roles == ["treasurer"]


def test_a_refused_person_gets_no_invitation(make, now, outbox):
    admin = make.user(is_admin=True)
    with pytest.raises(ValidationError):
        users.create_user(db.session, admin, now, UserInput(email="not an address", name="Sacha"))
    db.session.commit()
    assert outbox == []
    assert _count_people() == 1


def test_the_invitation_is_dropped_when_a_later_step_refuses_the_request(make, now, outbox):
    admin = make.user(is_admin=True)
    structure = make.structure()  # before the invitation: factories commit, which would send it
    person = users.create_user(db.session, admin, now, UserInput(email="sacha@example.org", name="Sacha"))
    with pytest.raises(ValidationError):
        structures.set_member(db.session, admin, now, structure.id, person.id, "owner")
    db.session.rollback()  # what the request does when it answers 422
    db.session.commit()
    assert outbox == []
    assert _count_people() == 1


def test_a_person_created_with_a_password_is_not_invited(make, now, outbox):
    admin = make.user(is_admin=True)
    users.create_user(db.session, admin, now, UserInput(email="a@example.org", name="A",
                                                        password="a long enough password"))
    db.session.commit()
    assert outbox == []


def test_only_admins_invite_people(make, now):
    member = make.user()
    with pytest.raises(Forbidden):
        users.create_user(db.session, member, now, UserInput(email="a@example.org", name="A"))


def test_resending_an_invitation_mails_the_person_again(make, outbox):
    admin = make.user(is_admin=True)
    invited = make.user(password=None, email="invited@example.org")
    users.resend_invitation(db.session, admin, invited.id)
    db.session.commit()
    assert [m.to for m in outbox] == ["invited@example.org"]


def test_no_invitation_is_resent_to_someone_with_a_password_or_deactivated(make, outbox):
    admin = make.user(is_admin=True)
    with pytest.raises(Conflict):
        users.resend_invitation(db.session, admin, make.user().id)
    with pytest.raises(Conflict):
        users.resend_invitation(db.session, admin, make.user(password=None, active=False).id)
    with pytest.raises(NotFound):
        users.resend_invitation(db.session, admin, 999_999)
    db.session.commit()
    assert outbox == []


def test_only_admins_resend_invitations(make):
    member = make.user()
    with pytest.raises(Forbidden):
        users.resend_invitation(db.session, member, make.user(password=None).id)


def test_people_are_filtered_by_search_role_structure_and_status(make):
    structure = make.structure()
    admin = make.user(is_admin=True, name="Alix Admin")
    treasurer = make.user(is_treasurer=True, name="Tess Trésorière", email="tess@coop.example")
    member = make.user(structures=[structure], name="Maé Membre")
    gone = make.user(active=False, name="Gaby Parti")
    assert users.list_users(db.session, admin, search="COOP.example") == [treasurer]
    assert users.list_users(db.session, admin, search="membre") == [member]
    assert users.list_users(db.session, admin, role="treasurer") == [treasurer]
    assert users.list_users(db.session, admin, structure_id=structure.id) == [member]
    assert users.list_users(db.session, admin, active=False) == [gone]


def test_an_admin_cannot_take_away_their_own_admin_role_or_deactivate_themself(make):
    admin = make.user(is_admin=True)
    users.update_user(db.session, admin, admin.id, UserInput(roles=["auditor"], active=False))
    assert admin.roles == ["admin", "auditor"] and admin.active
