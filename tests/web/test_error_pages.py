"""Errors are answered in the site layout or as JSON errors, never as a stack trace."""

import pytest
from sqlalchemy.exc import IntegrityError

from mutualise.extensions import db
from mutualise.models import Structure


def test_unknown_page_is_a_404_in_the_site_layout(client):
    response = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This page does not exist, or you cannot see it." in page
    assert 'class="site-header"' in page


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unexpected_error_is_a_500_page_without_trace_and_rolls_back(app, client, make):
    make.structure(name="Before")

    @app.get("/boom-for-test")
    def boom():
        db.session.add(Structure(name="Half written", name_key="half written", short_code="HW",
                                 legal_form="association", created_at=make.structure().created_at))
        db.session.flush()
        raise RuntimeError("secret detail")

    response = client.get("/boom-for-test", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert "secret detail" not in page and "Traceback" not in page
    assert db.session.query(Structure).filter_by(short_code="HW").count() == 0


@pytest.mark.parametrize("path", ["/boom-race", "/api/v1/boom-race"])
def test_a_lost_unique_race_is_a_409_not_a_500(app, client, path):
    def race():
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    app.add_url_rule(path, "race_" + path.replace("/", "_"), race)
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/structures/100000000000000000000", "/resources/99999999999",
                                  "/admin/resources/3000000000/edit"])
def test_an_id_too_large_to_exist_is_a_404(client, make, login, path):
    login(make.user(is_admin=True))
    assert client.get(path).status_code == 404
