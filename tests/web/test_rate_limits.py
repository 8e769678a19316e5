"""Forms that check a password are rate limited (LOGIN_RATE_LIMIT): sign-in and reset requests per client
address, a password change per person. Past the limit: 429 with Retry-After, and nothing changes."""

import pytest

from mutualise import create_app
from mutualise.extensions import db
from mutualise.models import User

LIMIT = 3


@pytest.fixture
def limited(app):
    """A second app on the same database with the limiter on (tests run with it off) and memory storage;
    the next test's app switches it off again."""
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                               "WTF_CSRF_ENABLED", "MAIL_BACKEND")}
    limited_app = create_app({**config, "INSTANCE_PATH": app.instance_path, "RATELIMIT_ENABLED": True,
                              "RATELIMIT_STORAGE_URI": "memory://",
                              "LOGIN_RATE_LIMIT": f"{LIMIT} per minute"})
    with limited_app.app_context():
        yield limited_app
        db.session.remove()


def _sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_sign_in_attempts_past_the_limit_are_refused_even_with_the_right_password(limited, make):
    person = make.user(email="lea@example.org", locale="en")
    db.session.commit()
    client = limited.test_client()
    for _ in range(LIMIT):
        assert _sign_in(client, person.email, "wrong guess").status_code == 422
    refused = _sign_in(client, person.email, make.PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/profile/").status_code == 302  # still signed out


def test_password_change_attempts_are_limited_per_person(limited, make):
    person = make.user(email="lea@example.org", locale="en")
    db.session.commit()
    client = limited.test_client()
    assert _sign_in(client, person.email, make.PASSWORD).status_code == 302
    nonce = person.session_nonce
    form = {"password-current_password": "wrong guess", "password-new_password": "a brand new secret",
            "password-confirm": "a brand new secret"}
    for _ in range(LIMIT - 1):  # the sign-in counted on the address, not on the person
        assert client.post("/profile/password", data=form).status_code == 422
    assert client.post("/profile/password", data=form).status_code == 422
    refused = client.post("/profile/password", data={**form, "password-current_password": make.PASSWORD})
    assert refused.status_code == 429
    db.session.expire_all()
    assert db.session.get(User, person.id).session_nonce == nonce  # the password did not change
