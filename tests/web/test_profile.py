"""The profile page: name, language, password and API tokens, through the real pages."""

import re

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import ApiToken, User
from mutualise.services import accounts


def _english_person(make, **overrides):
    return make.user(locale="en", **overrides)


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_profile_page_needs_a_signed_in_person(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_profile_page_shows_the_person_and_their_forms(client, make, login):
    person = _english_person(make, name="Camille Dufour")
    login(person)
    page = client.get("/profile/").get_data(as_text=True)
    assert "Camille Dufour" in page
    assert person.email in page
    assert "Change my password" in page
    assert "You have no API token yet." in page


def test_person_changes_their_name_and_language(client, make, login):
    person = _english_person(make)
    login(person)
    response = client.post("/profile/", data={"name": "  Camille Dufour ", "locale": "fr"})
    assert response.status_code == 302
    saved = _fresh(person)
    assert (saved.name, saved.locale) == ("Camille Dufour", "fr")
    # the page now follows the chosen language, whatever the browser says
    page = client.get("/profile/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_browsers_choice_clears_the_language(client, make, login):
    person = _english_person(make)
    login(person)
    assert client.post("/profile/", data={"name": person.name, "locale": ""}).status_code == 302
    assert _fresh(person).locale is None
    page = client.get("/profile/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_blank_name_is_refused_and_nothing_changes(client, make, login):
    person = _english_person(make, name="Camille Dufour")
    login(person)
    response = client.post("/profile/", data={"name": "   ", "locale": "fr"})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    saved = _fresh(person)
    assert (saved.name, saved.locale) == ("Camille Dufour", "en")


def test_over_long_name_and_unknown_language_are_refused(client, make, login):
    person = _english_person(make, name="Camille Dufour")
    login(person)
    response = client.post("/profile/", data={"name": "x" * (User.NAME_MAX + 1), "locale": "de"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"At most {User.NAME_MAX} characters." in page
    assert "Must be one of: fr, en." in page
    assert _fresh(person).name == "Camille Dufour"


def test_password_change_needs_the_current_password(client, make, login):
    person = _english_person(make)
    login(person)
    before = person.password_hash
    response = client.post("/profile/password", data={
        "password-current_password": "not my password", "password-new_password": "a brand new secret",
        "password-confirm": "a brand new secret"})
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert _fresh(person).password_hash == before


def test_password_change_refuses_a_different_repeat_and_a_short_password(client, make, login):
    person = _english_person(make)
    login(person)
    mismatch = client.post("/profile/password", data={
        "password-current_password": make.PASSWORD, "password-new_password": "a brand new secret",
        "password-confirm": "another secret entirely"})
    assert mismatch.status_code == 422
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    short = client.post("/profile/password", data={
        "password-current_password": make.PASSWORD, "password-new_password": "short",
        "password-confirm": "short"})
    assert short.status_code == 422
    assert f"At least {accounts.PASSWORD_MIN} characters." in short.get_data(as_text=True)
    assert accounts.authenticate(db.session, person.email, make.PASSWORD, utcnow()) is not None


def test_password_change_keeps_this_session_and_the_new_password_works(client, make, login):
    person = _english_person(make)
    login(person)
    response = client.post("/profile/password", data={
        "password-current_password": make.PASSWORD, "password-new_password": "a brand new secret",
        "password-confirm": "a brand new secret"})
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200
    assert accounts.authenticate(db.session, person.email, "a brand new secret", utcnow()) is not None
    assert accounts.authenticate(db.session, person.email, make.PASSWORD, utcnow()) is None


def test_created_token_is_shown_once_and_opens_the_api(client, make, login):
    person = _english_person(make)
    login(person)
    response = client.post("/profile/tokens", data={"token-name": "Tableur de la régie"})
    page = response.get_data(as_text=True)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    assert accounts.user_for_api_token(db.session, secret, utcnow()).id == person.id
    with client.session_transaction() as cookie_session:
        assert secret not in repr(dict(cookie_session))
    later = client.get("/profile/").get_data(as_text=True)
    assert secret not in later
    assert "Tableur de la régie" in later
    assert secret[:10] in later  # the prefix tells the tokens apart


def test_token_without_a_name_is_refused_and_nothing_is_written(client, make, login):
    person = _english_person(make)
    login(person)
    response = client.post("/profile/tokens", data={"token-name": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0


def test_person_revokes_their_token(client, make, login):
    person = _english_person(make)
    token, secret = accounts.create_api_token(db.session, person, utcnow(), "ancien script")
    db.session.commit()
    login(person)
    response = client.post(f"/profile/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert accounts.user_for_api_token(db.session, secret, utcnow()) is None
    page = client.get("/profile/").get_data(as_text=True)
    assert "revoked on" in page


def test_someone_elses_token_cannot_be_revoked(client, make, login):
    owner = _english_person(make)
    token, secret = accounts.create_api_token(db.session, owner, utcnow(), "script")
    db.session.commit()
    login(_english_person(make))
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/profile/tokens/999999/revoke").status_code == 404
    assert accounts.user_for_api_token(db.session, secret, utcnow()).id == owner.id
