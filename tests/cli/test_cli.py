"""The flask commands, run through Flask's CLI runner against the test database."""

import functools

import pytest
from sqlalchemy import func, select

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import Resource, Structure, User
from mutualise.services import accounts

PASSWORD = "a long admin password"


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_admin_makes_a_network_administrator(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "Nadia@Example.org", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "nadia@example.org" in result.output
    admin = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
    assert admin.is_admin and admin.name == "Nadia"
    assert accounts.authenticate(db.session, "nadia@example.org", PASSWORD, utcnow()) is not None


def test_create_admin_asks_for_the_password_when_it_is_not_given(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "nadia@example.org", "--name", "Nadia B."],
                                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert accounts.authenticate(db.session, "nadia@example.org", PASSWORD, utcnow()).name == "Nadia B."


def test_create_admin_refuses_a_bad_address_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "not-an-address", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "email" in result.output
    assert "Traceback" not in result.output
    assert _people() == 0


def test_create_admin_refuses_a_short_password_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "nadia@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output
    assert _people() == 0


def test_create_admin_refuses_an_address_already_taken(app, make):
    make.user(email="nadia@example.org")
    result = app.test_cli_runner().invoke(args=["create-admin", "nadia@example.org", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "email" in result.output
    assert _people() == 1


def test_token_create_prints_a_secret_that_opens_the_api(app, make):
    person = make.user(email="karim@example.org")
    result = app.test_cli_runner().invoke(args=["token", "create", "Karim@example.org", "--name", "export"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert accounts.user_for_api_token(db.session, secret, utcnow()).id == person.id
    assert [t.name for t in person.api_tokens] == ["export"]


def test_token_create_for_an_unknown_person_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["token", "create", "nobody@example.org"])
    assert result.exit_code != 0
    assert "nobody@example.org" in result.output


@pytest.fixture
def one_hash_per_password(monkeypatch):
    """argon2 is slow on purpose; the demo's people share one password, so hash it once."""
    monkeypatch.setattr(accounts, "hash_password", functools.cache(accounts.hash_password))


@pytest.mark.usefixtures("one_hash_per_password")
def test_demo_loads_the_network(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Structure)) >= 6
    assert db.session.scalar(select(func.count()).select_from(Resource)) > 0
    assert "@demo.mutualise.example" in result.output


@pytest.mark.usefixtures("one_hash_per_password")
def test_demo_if_empty_loads_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Structure, User, Resource)]
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "not loaded" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Structure, User, Resource)] \
        == counts
