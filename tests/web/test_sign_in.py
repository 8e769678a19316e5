"""Signing in and out through the real pages."""


def test_login_page_is_in_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Se connecter" in page


def test_member_signs_in_and_sees_their_structure(client, make, login):
    structure = make.structure(name="Régie de quartier de Fives")
    member = make.user(structures=[structure])
    login(member)
    page = client.get("/").get_data(as_text=True)
    assert "Régie de quartier de Fives" in page


def test_wrong_password_is_refused_with_a_message(client, make):
    member = make.user()
    response = client.post("/login", data={"email": member.email, "password": "wrong password!"})
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)


def test_email_is_compared_without_case(client, make):
    make.user(email="camille@example.org")
    response = client.post("/login", data={"email": "Camille@Example.ORG", "password": make.PASSWORD})
    assert response.status_code == 302


def test_sign_out_ends_the_session(client, make, login):
    login(make.user())
    client.post("/logout")
    assert client.get("/").status_code == 302
