"""Invitations and password resets end to end: the mail, the link, the page, the session."""

import re
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import User
from mutualise.services import accounts, users

ENGLISH = {"Accept-Language": "en"}
NEW_PASSWORD = "my own new secret"


def _invite(make, now, email="lea.martin@example.org", **overrides) -> User:
    admin = make.user(is_admin=True)
    person = users.create_user(db.session, admin, now, users.UserInput(
        email=email, name="Léa Martin", locale="en", **overrides))
    db.session.commit()
    return person


def _link_path(message) -> str:
    link = re.search(r"https?://\S+", message.text).group(0)
    return urlsplit(link).path


def _choose(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password}, headers=ENGLISH)


@contextmanager
def signed_ago(seconds: int):
    """Links made inside are signed as if `seconds` ago, without waiting; they are checked at today's
    time once the block ends (itsdangerous reads its clock through this method)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds)
        yield


def test_invited_person_gets_a_mail_with_a_link(make, now, outbox):
    _invite(make, now)
    assert len(outbox) == 1
    assert outbox[0].to == "lea.martin@example.org"
    assert outbox[0].subject == "You are invited to Mutualise"
    assert _link_path(outbox[0]).startswith("/password/invite/")


def test_following_the_invitation_sets_the_password_and_signs_in(client, make, now, outbox):
    _invite(make, now)
    path = _link_path(outbox[0])
    page = client.get(path, headers=ENGLISH)
    assert page.status_code == 200
    assert "lea.martin@example.org" in page.get_data(as_text=True)
    response = _choose(client, path)
    assert response.status_code == 302
    assert "Welcome, Léa Martin" in client.get("/").get_data(as_text=True)
    assert accounts.authenticate(db.session, "lea.martin@example.org", NEW_PASSWORD, utcnow()) is not None


def test_an_invitation_link_works_only_once(client, make, now, outbox, app):
    _invite(make, now)
    path = _link_path(outbox[0])
    assert _choose(client, path).status_code == 302
    again = app.test_client().get(path, headers=ENGLISH)
    assert again.status_code == 404
    assert "already used" in again.get_data(as_text=True)
    assert _choose(app.test_client(), path, "someone else's pick").status_code == 404
    assert accounts.authenticate(db.session, "lea.martin@example.org", NEW_PASSWORD, utcnow()) is not None


def test_a_refused_password_leaves_the_link_usable(client, make, now, outbox):
    person = _invite(make, now)
    path = _link_path(outbox[0])
    mismatch = _choose(client, path, NEW_PASSWORD, "not the same at all")
    assert mismatch.status_code == 422
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    short = _choose(client, path, "short")
    assert short.status_code == 422
    db.session.refresh(person)
    assert person.password_hash is None
    assert _choose(client, path).status_code == 302


def test_an_expired_invitation_link_is_refused(client, make, now, outbox, app):
    with signed_ago((app.config["INVITATION_MAX_AGE_DAYS"] + 1) * 86400):
        _invite(make, now)
    response = client.get(_link_path(outbox[0]), headers=ENGLISH)
    assert response.status_code == 404
    assert "This link has expired." in response.get_data(as_text=True)
    assert _choose(client, _link_path(outbox[0])).status_code == 404


def test_an_invitation_link_is_still_good_a_day_before_it_expires(client, make, now, outbox, app):
    with signed_ago((app.config["INVITATION_MAX_AGE_DAYS"] - 1) * 86400):
        _invite(make, now)
    assert client.get(_link_path(outbox[0]), headers=ENGLISH).status_code == 200


def test_a_forged_link_is_refused(client):
    response = client.get("/password/reset/not-a-real-token", headers=ENGLISH)
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


def test_password_reset_sends_a_link_that_sets_a_new_password(client, make, outbox):
    person = make.user(email="karim@example.org", locale="en")
    response = client.post("/password/forgot", data={"email": "Karim@Example.org"}, headers=ENGLISH)
    assert response.status_code == 302
    assert [m.to for m in outbox] == ["karim@example.org"]
    assert outbox[0].subject == "Reset your Mutualise password"
    path = _link_path(outbox[0])
    assert path.startswith("/password/reset/")
    assert _choose(client, path).status_code == 302
    assert accounts.authenticate(db.session, person.email, make.PASSWORD, utcnow()) is None
    assert accounts.authenticate(db.session, person.email, NEW_PASSWORD, utcnow()) is not None


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(app, make, outbox):
    make.user(email="karim@example.org")
    known = app.test_client().post("/password/forgot", data={"email": "karim@example.org"},
                                   headers=ENGLISH, follow_redirects=True)
    unknown = app.test_client().post("/password/forgot", data={"email": "nobody@example.org"},
                                     headers=ENGLISH, follow_redirects=True)
    assert (known.status_code, known.request.path) == (unknown.status_code, unknown.request.path)
    assert known.get_data() == unknown.get_data()
    assert [m.to for m in outbox] == ["karim@example.org"]


def test_an_expired_reset_link_is_refused(client, make, outbox, app):
    make.user(email="karim@example.org")
    with signed_ago((app.config["PASSWORD_RESET_MAX_AGE_HOURS"] + 1) * 3600):
        client.post("/password/forgot", data={"email": "karim@example.org"})
    response = client.get(_link_path(outbox[0]), headers=ENGLISH)
    assert response.status_code == 404
    assert "expired" in response.get_data(as_text=True)


def test_a_reset_link_dies_when_the_password_changes_another_way(app, make, outbox, login, client):
    person = make.user(email="karim@example.org")
    app.test_client().post("/password/forgot", data={"email": person.email})
    login(person)
    client.post("/profile/password", data={
        "password-current_password": make.PASSWORD, "password-new_password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD})
    assert app.test_client().get(_link_path(outbox[0]), headers=ENGLISH).status_code == 404


def test_session_is_renewed_at_sign_in(client, make, login):
    with client.session_transaction() as before:
        before["planted"] = "value set before sign-in"
    login(make.user())
    with client.session_transaction() as after:
        assert "planted" not in after
        assert "_user_id" in after


def test_changing_the_password_signs_out_the_other_sessions(app, make):
    person = make.user(locale="en")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        signed_in = device.post("/login", data={"email": person.email, "password": make.PASSWORD})
        assert signed_in.status_code == 302
        assert device.get("/profile/").status_code == 200
    changed = laptop.post("/profile/password", data={
        "password-current_password": make.PASSWORD, "password-new_password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert laptop.get("/profile/").status_code == 200
    signed_out = phone.get("/profile/")
    assert signed_out.status_code == 302
    assert "/login" in signed_out.headers["Location"]


def test_a_reset_through_the_link_signs_out_the_other_sessions(app, make, outbox):
    person = make.user(locale="en")
    phone = app.test_client()
    phone.post("/login", data={"email": person.email, "password": make.PASSWORD})
    assert phone.get("/profile/").status_code == 200
    browser = app.test_client()
    browser.post("/password/forgot", data={"email": person.email})
    assert _choose(browser, _link_path(outbox[0])).status_code == 302
    assert phone.get("/profile/").status_code == 302
    assert browser.get("/profile/").status_code == 200


def test_someone_signed_in_cannot_use_another_persons_link(client, make, now, outbox, login):
    _invite(make, now)
    login(make.user())
    assert client.get(_link_path(outbox[0]), headers=ENGLISH).status_code == 403
