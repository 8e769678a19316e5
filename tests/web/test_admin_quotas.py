"""Admin pages for quota rules, through the real forms."""

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import QuotaRule


@pytest.fixture
def admin(make, login):
    user = make.user(is_admin=True, locale="en")
    login(user)
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuotaRule))


def _form(**overrides) -> dict:
    data = {"name": "", "structure_id": "", "kind": "", "site_id": "", "unit": "hours", "window": "week",
            "rolling_days": "", "limit": "10", "max_open_future": "", "active": "y"}
    data.update(overrides)
    return data


def test_people_who_are_not_admins_get_a_403_page(client, make, login):
    structure = make.structure()
    login(make.user(structures=[structure], role="manager", locale="en"))
    for path in ("/admin/quotas", "/admin/quotas/new", "/admin/closures"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/quotas/new", data=_form(structure_id=str(structure.id))).status_code == 403
    assert _count() == 0


def test_admin_creates_a_quota_on_a_room_and_sees_it_described(client, admin, make):
    room = make.resource(name="Salle Jaurès")
    make.resource(name="Atelier")
    form = client.get("/admin/quotas/new").get_data(as_text=True)
    assert "Salle Jaurès" in form and "Every structure, each on its own" in form
    response = client.post("/admin/quotas/new", data=_form(resource_ids=[str(room.id)], name="Salles"),
                           follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Quota created: 10 h per week on Salle Jaurès, for every structure." in page
    rule = db.session.scalar(select(QuotaRule))
    assert (rule.name, rule.limit, rule.unit, rule.window, [r.id for r in rule.resources]) == \
        ("Salles", 10, "hours", "week", [room.id])
    assert "Every structure" in client.get("/admin/quotas").get_data(as_text=True)


def test_admin_creates_a_rolling_quota_for_one_structure(client, admin, make):
    structure = make.structure(name="Bascule")
    response = client.post("/admin/quotas/new", data=_form(
        structure_id=str(structure.id), kind="vehicle", unit="bookings", window="rolling", rolling_days="30",
        limit="4", max_open_future="2"))
    assert response.status_code == 302, response.get_data(as_text=True)
    rule = db.session.scalar(select(QuotaRule))
    assert (rule.structure_id, rule.kind, rule.rolling_days, rule.max_open_future) == \
        (structure.id, "vehicle", 30, 2)
    listed = client.get(f"/admin/quotas?structure_id={structure.id}").get_data(as_text=True)
    assert "4 bookings over 30 rolling days" in listed and "Bascule" in listed


def test_bad_quota_input_is_refused_with_messages_and_nothing_is_written(client, admin, make):
    site = make.site()
    response = client.post("/admin/quotas/new", data=_form(
        window="rolling", limit="-1", kind="room", site_id=str(site.id)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please correct the fields marked below." in page
    assert "Must be at least 0." in page
    assert "Give the length of the rolling window in days." in page
    assert "Choose one target only: some resources, a kind or a site." in page
    assert _count() == 0


def test_text_in_a_number_field_is_refused(client, admin):
    response = client.post("/admin/quotas/new", data=_form(limit="ten"))
    assert response.status_code == 422
    assert _count() == 0


def test_a_quota_without_any_limit_is_refused(client, admin):
    response = client.post("/admin/quotas/new", data=_form(limit=""))
    assert response.status_code == 422
    assert "Give a limit, a maximum of future bookings, or both." in response.get_data(as_text=True)
    assert _count() == 0


def test_admin_edits_then_deletes_a_quota(client, admin, make):
    client.post("/admin/quotas/new", data=_form(kind="room", limit="6"))
    rule = db.session.scalar(select(QuotaRule))
    page = client.get(f"/admin/quotas/{rule.id}/edit").get_data(as_text=True)
    assert 'value="6"' in page and '<option selected value="room">' in page
    response = client.post(f"/admin/quotas/{rule.id}/edit",
                           data=_form(kind="room", limit="8", window="month"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (rule.limit, rule.window) == (8, "month")
    assert client.post(f"/admin/quotas/{rule.id}/delete").status_code == 302
    assert _count() == 0
    assert client.get(f"/admin/quotas/{rule.id}/edit").status_code == 404


def test_a_refused_edit_changes_nothing(client, admin):
    client.post("/admin/quotas/new", data=_form(limit="6"))
    rule = db.session.scalar(select(QuotaRule))
    response = client.post(f"/admin/quotas/{rule.id}/edit", data=_form(limit="7", unit="km"))
    assert response.status_code == 422
    db.session.expire_all()
    assert (rule.limit, rule.unit) == (6, "hours")


def test_the_dashboard_links_to_quotas_and_closures(client, admin):
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/quotas"' in page and 'href="/admin/closures"' in page
