"""Admin pages for sites and resources, through the real forms."""

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Resource, Site


@pytest.fixture
def admin(make, login):
    user = make.user(is_admin=True, locale="en")
    login(user)
    return user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _resource_form(**overrides) -> dict:
    data = {
        "kind": "vehicle", "name": "Kangoo électrique", "site_id": "", "description": "Utility van",
        "capacity": "2", "quantity": "1", "attributes": "accessible\nfuel: electric", "colour": "#1F6FEB",
        "rules_step_minutes": "30", "rules_min_duration_minutes": "60", "rules_max_duration_minutes": "480",
        "rules_buffer_minutes": "15", "rules_min_notice_minutes": "120", "rules_max_advance_days": "90",
        "rules_cancel_deadline_minutes": "1440",
        "rules_opening_hours": "mon-fri 08:00-12:00, 14:00-18:00\nsat 9h-12h",
        "tariff_hourly_cents": "12,50", "tariff_step_minutes": "30", "tariff_daily_cap_cents": "60",
        "tariff_per_km_cents": "0,25", "tariff_booking_fee_cents": "", "tariff_late_cancel_fee_cents": "5",
    }
    data.update(overrides)
    return data


def test_people_who_are_not_admins_get_a_403_page(client, make, login):
    login(make.user(locale="en"))
    for path in ("/admin/sites", "/admin/resources", "/admin/resources/new"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/sites/new", data={"name": "Mine"}).status_code == 403
    assert _count(Site) == 0


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/resources")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_creates_a_site_and_a_duplicate_name_is_refused(client, admin):
    response = client.post("/admin/sites/new", data={"name": "Maison des associations", "address": "Lille"})
    assert response.status_code == 302
    response = client.post("/admin/sites/new", data={"name": "maison des ASSOCIATIONS"})
    assert response.status_code == 422
    assert "A site with this name already exists." in response.get_data(as_text=True)
    assert _count(Site) == 1


def test_admin_searches_archives_and_restores_a_site(client, admin, make):
    site = make.site(name="Entrepôt")
    make.site(name="Bureau")
    assert client.post(f"/admin/sites/{site.id}/archive").status_code == 302
    assert db.session.get(Site, site.id).active is False
    page = client.get("/admin/sites?q=entre&active=").get_data(as_text=True)
    assert "Entrepôt" in page and "Bureau" not in page
    assert "Entrepôt" not in client.get("/admin/sites").get_data(as_text=True)  # active ones by default
    client.post(f"/admin/sites/{site.id}/restore")
    db.session.expire_all()
    assert db.session.get(Site, site.id).active is True


def test_admin_creates_a_resource_with_rules_and_tariff_through_the_form(client, admin, make):
    site = make.site()
    referent = make.user(name="Camille Referent")
    response = client.post("/admin/resources/new", data=_resource_form(
        site_id=str(site.id), requires_approval="y", referent_ids=[str(referent.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    resource = db.session.scalar(select(Resource))
    assert (resource.kind, resource.name, resource.site_id, resource.colour) == \
        ("vehicle", "Kangoo électrique", site.id, "#1f6feb")
    assert resource.attributes == {"accessible": True, "fuel": "electric"}
    assert (resource.step_minutes, resource.min_duration_minutes, resource.max_duration_minutes) == \
        (30, 60, 480)
    assert (resource.min_notice_minutes, resource.max_advance_days, resource.cancel_deadline_minutes) == \
        (120, 90, 1440)
    weekday = [["08:00", "12:00"], ["14:00", "18:00"]]
    assert resource.opening_hours == {"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday,
                                      "fri": weekday, "sat": [["09:00", "12:00"]]}
    assert (resource.hourly_cents, resource.tariff_step_minutes, resource.daily_cap_cents) == (1250, 30, 6000)
    assert (resource.per_km_cents, resource.booking_fee_cents, resource.late_cancel_fee_cents) == (25, 0, 500)
    assert resource.requires_approval and [p.id for p in resource.referents] == [referent.id]


def test_edit_page_shows_current_values_and_saves_changes(client, admin, make):
    resource = make.resource(name="Salle du fond", hourly_cents=1250,
                             opening_hours={"mon": [["08:00", "12:00"]]})
    page = client.get(f"/admin/resources/{resource.id}/edit").get_data(as_text=True)
    assert 'value="12.50"' in page and "mon 08:00-12:00" in page
    response = client.post(f"/admin/resources/{resource.id}/edit", data=_resource_form(
        kind="room", name="Salle du fond", rules_opening_hours="", tariff_daily_cap_cents=""))
    assert response.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Resource, resource.id)
    assert fresh.opening_hours is None and fresh.daily_cap_cents is None and fresh.step_minutes == 30


def test_a_french_admin_edits_hours_and_attributes_in_french_and_saving_keeps_them(client, make, login):
    login(make.user(is_admin=True, locale="fr"))
    resource = make.resource(name="Salle du fond", attributes={"projecteur": False, "accessible": True},
                             opening_hours={day: [["08:00", "12:00"]] for day in ("mon", "tue", "wed")})
    page = client.get(f"/admin/resources/{resource.id}/edit").get_data(as_text=True)
    assert "lun-mer 08:00-12:00" in page and "mon-wed" not in page
    assert "projecteur: non" in page and "projecteur: no\n" not in page
    closed = make.resource(opening_hours={})
    assert "lun-dim fermé" in client.get(f"/admin/resources/{closed.id}/edit").get_data(as_text=True)
    # the French text, sent back as shown, saves the same values
    response = client.post(f"/admin/resources/{resource.id}/edit", data=_resource_form(
        kind="room", name="Salle du fond", rules_opening_hours="lun-mer 08:00-12:00",
        attributes="projecteur: non\naccessible"))
    assert response.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Resource, resource.id)
    assert fresh.opening_hours == {day: [["08:00", "12:00"]] for day in ("mon", "tue", "wed")}
    assert fresh.attributes == {"projecteur": False, "accessible": True}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"rules_opening_hours": "mon 18:00-08:00"}, "Each period must end after it starts."),
    ({"rules_min_duration_minutes": "600"}, "Must be at least the minimum duration."),
    ({"rules_step_minutes": "0"}, "Must be at least 1."),
    ({"rules_step_minutes": ""}, "This field is required."),
    ({"tariff_hourly_cents": "12,345"}, "At most 2 decimals."),
    ({"tariff_hourly_cents": "-3"}, "An amount cannot be negative."),
    ({"tariff_per_km_cents": "douze"}, "Write an amount such as 12,50."),
    ({"name": ""}, "This field is required."),
    ({"quantity": "0"}, "Must be at least 1."),
    ({"colour": "blue"}, "Must be a colour such as #1f6feb."),
    ({"attributes": ": electric"}, "Each line starts with a name"),
])
def test_bad_resource_input_gives_422_with_the_message_and_writes_nothing(client, admin, overrides, message):
    response = client.post("/admin/resources/new", data=_resource_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(Resource) == 0


def test_failed_edit_changes_nothing(client, admin, make):
    resource = make.resource(name="Salle Verte", step_minutes=15)
    response = client.post(f"/admin/resources/{resource.id}/edit", data=_resource_form(
        name="Salle Rouge", rules_step_minutes="20", tariff_daily_cap_cents="1e3"))
    assert response.status_code == 422
    db.session.expire_all()
    fresh = db.session.get(Resource, resource.id)
    assert (fresh.name, fresh.step_minutes) == ("Salle Verte", 15)


def test_admin_filters_resources_and_archives_one(client, admin, make):
    site = make.site(name="Fives")
    van = make.resource(name="Trafic", kind="vehicle", site_id=site.id)
    make.resource(name="Salle 1", kind="room")
    response = client.get("/admin/resources?kind=vehicle")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Trafic" in page and "Salle 1" not in page
    page = client.get(f"/admin/resources?site_id={site.id}").get_data(as_text=True)
    assert "Trafic" in page and "Salle 1" not in page
    assert client.post(f"/admin/resources/{van.id}/archive").status_code == 302
    response = client.get("/admin/resources")
    assert response.status_code == 200 and ">Trafic</a>" not in response.get_data(as_text=True)
    assert ">Trafic</a>" in client.get("/admin/resources?active=0").get_data(as_text=True)
