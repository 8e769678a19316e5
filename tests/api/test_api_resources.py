"""Sites and resources through the JSON API, in the resource shape of API.md."""

from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Resource, Site


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_resource_needs_only_kind_and_name_and_gets_the_defaults(api, make):
    response = api(make.user(is_admin=True)).post("/api/v1/resources", json={"kind": "room", "name": "Salle"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["kind"], body["name"], body["site_id"], body["quantity"], body["requires_approval"]) == (
        "room", "Salle", None, 1, False)
    assert body["rules"] == {"min_duration_minutes": None, "max_duration_minutes": None, "step_minutes": 15,
                             "buffer_minutes": 0, "min_notice_minutes": 0, "max_advance_days": None,
                             "cancel_deadline_minutes": 0, "opening_hours": None}
    assert body["tariff"] == {"hourly_cents": 0, "step_minutes": 60, "daily_cap_cents": None,
                              "per_km_cents": 0, "booking_fee_cents": 0, "late_cancel_fee_cents": 0}


def test_rules_and_tariff_are_written_and_read_under_their_api_names(api, make):
    site = make.site(name="La Halle")
    referent = make.user()
    caller = api(make.user(is_admin=True))
    response = caller.post("/api/v1/resources", json={
        "kind": "vehicle", "name": "Kangoo", "site_id": site.id, "capacity": 5, "quantity": 2,
        "attributes": {"electric": True}, "colour": "#1F6FEB", "requires_approval": True,
        "referent_ids": [referent.id],
        "rules": {"step_minutes": 30, "max_duration_minutes": 2880,
                  "opening_hours": {"mon": [["08:00", "18:00"]]}},
        "tariff": {"hourly_cents": 450, "step_minutes": 30, "per_km_cents": 32}})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    resource = db.session.get(Resource, body["id"])
    assert (resource.step_minutes, resource.tariff_step_minutes, resource.hourly_cents) == (30, 30, 450)
    assert body["rules"]["opening_hours"] == {"mon": [["08:00", "18:00"]]}
    assert (body["tariff"]["step_minutes"], body["tariff"]["per_km_cents"]) == (30, 32)
    assert (body["referent_ids"], body["colour"], body["attributes"]) == ([referent.id], "#1f6feb",
                                                                          {"electric": True})


def test_patching_one_rule_leaves_the_other_rules_and_the_tariff_as_they_were(api, make):
    resource = make.resource(step_minutes=30, buffer_minutes=10, hourly_cents=500, tariff_step_minutes=15)
    response = api(make.user(is_admin=True)).patch(f"/api/v1/resources/{resource.id}",
                                                   json={"rules": {"buffer_minutes": 5}})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["rules"]["step_minutes"], body["rules"]["buffer_minutes"]) == (30, 5)
    assert (body["tariff"]["hourly_cents"], body["tariff"]["step_minutes"]) == (500, 15)


def test_a_refused_resource_writes_nothing(api, make):
    caller = api(make.user(is_admin=True), language="en")
    response = caller.post("/api/v1/resources", json={
        "kind": "boat", "name": "Péniche",
        "rules": {"min_duration_minutes": 120, "max_duration_minutes": 60}})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"kind", "rules.max_duration_minutes"}
    assert _count(Resource) == 0


def test_members_list_active_resources_with_filters(api, make):
    halle = make.site(name="La Halle")
    make.resource(name="Salle A", kind="room", site_id=halle.id)
    make.resource(name="Salle B", kind="room")
    make.resource(name="Kangoo", kind="vehicle", site_id=halle.id)
    make.resource(name="Vieille salle", kind="room", site_id=halle.id, active=False)
    caller = api(make.user())
    names = [r["name"] for r in caller.get("/api/v1/resources?kind=room").get_json()["items"]]
    assert sorted(names) == ["Salle A", "Salle B"]
    names = [r["name"] for r in caller.get(f"/api/v1/resources?site_id={halle.id}").get_json()["items"]]
    assert sorted(names) == ["Kangoo", "Salle A"]


def test_an_archived_resource_is_hidden_from_members_but_not_from_admins(api, make):
    resource = make.resource(active=False)
    assert api(make.user()).get(f"/api/v1/resources/{resource.id}").status_code == 404
    admin = api(make.user(is_admin=True))
    assert admin.get(f"/api/v1/resources/{resource.id}").status_code == 200
    names = [r["id"] for r in admin.get("/api/v1/resources?active=false").get_json()["items"]]
    assert names == [resource.id]


def test_members_cannot_create_or_change_resources(api, make):
    resource = make.resource(name="Salle")
    caller = api(make.user())
    assert caller.post("/api/v1/resources", json={"kind": "room", "name": "Autre"}).status_code == 403
    assert caller.patch(f"/api/v1/resources/{resource.id}", json={"name": "Mine"}).status_code == 403
    assert _count(Resource) == 1


def test_sites_are_listed_and_admins_add_them(api, make):
    make.site(name="La Halle")
    make.site(name="Ancienne gare", active=False)
    assert [s["name"] for s in api(make.user()).get("/api/v1/sites").get_json()["items"]] == ["La Halle"]
    caller = api(make.user(is_admin=True), language="en")
    assert caller.post("/api/v1/sites", json={"name": "Le Quai", "address": "2 quai"}).status_code == 201
    duplicate = caller.post("/api/v1/sites", json={"name": "LA HALLE"})
    assert duplicate.status_code == 422
    assert duplicate.get_json()["error"]["details"]["fields"] == {
        "name": "A site with this name already exists."}
    assert _count(Site) == 3
