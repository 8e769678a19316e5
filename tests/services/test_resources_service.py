"""Sites and resources through their services: validation per field, duplicates, who may do what."""

import pytest
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Resource, Site
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.resources import (
    ResourceInput,
    create_resource,
    get_resource,
    list_resources,
    update_resource,
)
from mutualise.services.sites import SiteInput, create_site, get_site, list_sites, update_site


@pytest.fixture
def admin(make):
    return make.user(is_admin=True)


@pytest.fixture
def member(make):
    return make.user(structures=[make.structure()])


def _fields(excinfo) -> dict:
    return excinfo.value.fields


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Sites

def test_admin_creates_a_site(admin, now):
    site = create_site(db.session, admin, now, SiteInput(name="  Maison des associations ", address="Lille"))
    assert site.id and site.name == "Maison des associations" and site.active


def test_site_name_is_unique_whatever_the_case(admin, make, now):
    make.site(name="La Filature")
    with pytest.raises(ValidationError) as excinfo:
        create_site(db.session, admin, now, SiteInput(name="la  FILATURE"))
    assert "name" in _fields(excinfo)


def test_site_needs_a_name(admin, now):
    with pytest.raises(ValidationError) as excinfo:
        create_site(db.session, admin, now, SiteInput(address="somewhere"))
    assert set(_fields(excinfo)) == {"name"}


def test_member_cannot_create_a_site(member, now):
    with pytest.raises(Forbidden):
        create_site(db.session, member, now, SiteInput(name="Mine"))


def test_member_sees_only_active_sites(member, admin, make):
    make.site(name="Open")
    closed = make.site(name="Closed", active=False)
    assert [s.name for s in list_sites(db.session, member)] == ["Open"]
    assert [s.name for s in list_sites(db.session, admin)] == ["Closed", "Open"]
    with pytest.raises(NotFound):
        get_site(db.session, member, closed.id)


def test_admin_archives_a_site_and_renaming_keeps_its_own_name_free(admin, make):
    site = make.site(name="Atelier")
    update_site(db.session, admin, site.id, SiteInput(name="ATELIER", active=False))
    assert site.name == "ATELIER" and not site.active


def test_sites_are_searched_by_name(admin, make):
    make.site(name="Entrepôt nord")
    make.site(name="Bureau")
    assert [s.name for s in list_sites(db.session, admin, search="entrepôt")] == ["Entrepôt nord"]


# Resources: creation and defaults

def test_resource_needs_only_kind_and_name(admin, now):
    resource = create_resource(db.session, admin, now, ResourceInput(kind="room", name="Salle A"))
    assert (resource.quantity, resource.step_minutes, resource.tariff_step_minutes) == (1, 15, 60)
    assert resource.opening_hours is None and resource.hourly_cents == 0 and resource.active


def test_missing_kind_and_name_are_both_reported(admin, now):
    with pytest.raises(ValidationError) as excinfo:
        create_resource(db.session, admin, now, ResourceInput())
    assert set(_fields(excinfo)) == {"kind", "name"}


def test_admin_creates_a_resource_with_rules_tariff_and_referents(admin, make, now):
    site = make.site()
    referent = make.user()
    resource = create_resource(db.session, admin, now, ResourceInput(
        kind="vehicle", name="Kangoo", site_id=site.id, capacity=5, attributes={"fuel": "electric"},
        referent_ids=[referent.id], requires_approval=True,
        rules={"step_minutes": 30, "min_duration_minutes": 60, "max_duration_minutes": 480,
               "opening_hours": "mon-fri 08:00-12:00, 14:00-18:00"},
        tariff={"hourly_cents": 1200, "step_minutes": 30, "daily_cap_cents": 6000, "per_km_cents": 25}))
    assert resource.referents == [referent]
    assert resource.opening_hours["mon"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    assert "sat" not in resource.opening_hours
    assert (resource.tariff_step_minutes, resource.daily_cap_cents, resource.per_km_cents) == (30, 6000, 25)


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "boat"}, "kind"),
    ({"name": "x" * 121}, "name"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": Resource.MAX_QUANTITY + 1}, "quantity"),
    ({"quantity": "3"}, "quantity"),
    ({"capacity": 0}, "capacity"),
    ({"colour": "red"}, "colour"),
    ({"site_id": 999999}, "site_id"),
    ({"requires_approval": "yes"}, "requires_approval"),
    ({"attributes": ["accessible"]}, "attributes"),
    ({"attributes": {"k" * 41: True}}, "attributes"),
    ({"attributes": {f"a{i}": True for i in range(31)}}, "attributes"),
    ({"attributes": {"size": 1.5}}, "attributes"),
    ({"referent_ids": [999999]}, "referent_ids"),
    ({"referent_ids": "1"}, "referent_ids"),
    ({"rules": {"step_minutes": 0}}, "rules.step_minutes"),
    ({"rules": {"step_minutes": 1441}}, "rules.step_minutes"),
    ({"rules": {"step_minutes": None}}, "rules.step_minutes"),
    ({"rules": {"buffer_minutes": -5}}, "rules.buffer_minutes"),
    ({"rules": {"max_duration_minutes": 366 * 1440 + 1}}, "rules.max_duration_minutes"),
    ({"rules": {"min_duration_minutes": 120, "max_duration_minutes": 60}}, "rules.max_duration_minutes"),
    ({"rules": {"max_advance_days": 0}}, "rules.max_advance_days"),
    ({"rules": {"max_advance_days": 3651}}, "rules.max_advance_days"),
    ({"rules": {"opening_hours": "mon 12:00-08:00"}}, "rules.opening_hours"),
    ({"rules": {"opening_hours": "funday 08:00-12:00"}}, "rules.opening_hours"),
    ({"rules": {"opening_hours": 42}}, "rules.opening_hours"),
    ({"rules": {"colour": "#000000"}}, "rules.colour"),
    ({"rules": "strict"}, "rules"),
    ({"tariff": {"hourly_cents": -1}}, "tariff.hourly_cents"),
    ({"tariff": {"hourly_cents": 10**9 + 1}}, "tariff.hourly_cents"),
    ({"tariff": {"hourly_cents": 12.5}}, "tariff.hourly_cents"),
    ({"tariff": {"step_minutes": 0}}, "tariff.step_minutes"),
    ({"tariff": {"daily_cap_cents": -100}}, "tariff.daily_cap_cents"),
    ({"tariff": {"discount": 10}}, "tariff.discount"),
])
def test_bad_resource_field_is_reported_and_nothing_changes(admin, make, data, field):
    resource = make.resource(name="Salle B")
    with pytest.raises(ValidationError) as excinfo:
        update_resource(db.session, admin, resource.id, ResourceInput(**data))
    assert field in _fields(excinfo)
    db.session.rollback()
    fresh = db.session.get(Resource, resource.id)
    assert (fresh.name, fresh.quantity, fresh.step_minutes, fresh.hourly_cents) == ("Salle B", 1, 15, 0)


def test_min_duration_above_existing_max_is_refused(admin, make):
    resource = make.resource(max_duration_minutes=60)
    with pytest.raises(ValidationError) as excinfo:
        update_resource(db.session, admin, resource.id, ResourceInput(rules={"min_duration_minutes": 90}))
    assert "rules.max_duration_minutes" in _fields(excinfo)


def test_inactive_person_cannot_be_referent(admin, make):
    resource = make.resource()
    gone = make.user(active=False)
    with pytest.raises(ValidationError) as excinfo:
        update_resource(db.session, admin, resource.id, ResourceInput(referent_ids=[gone.id]))
    assert "referent_ids" in _fields(excinfo)


def test_two_resources_of_one_site_cannot_share_a_name(admin, make, now):
    site = make.site()
    make.resource(name="Salle Verte", site_id=site.id)
    with pytest.raises(ValidationError) as excinfo:
        create_resource(db.session, admin, now, ResourceInput(kind="room", name="salle vérte",
                                                              site_id=site.id))
    assert "name" in _fields(excinfo)
    db.session.rollback()
    other_site = make.site()
    create_resource(db.session, admin, now, ResourceInput(kind="room", name="Salle Verte",
                                                          site_id=other_site.id))
    assert _count(Resource) == 2


def test_update_leaves_unsent_rules_and_tariff_alone(admin, make):
    resource = make.resource(step_minutes=30, hourly_cents=500, min_notice_minutes=120)
    update_resource(db.session, admin, resource.id, ResourceInput(rules={"buffer_minutes": 15},
                                                                  tariff={"per_km_cents": 30}))
    assert (resource.step_minutes, resource.min_notice_minutes, resource.buffer_minutes) == (30, 120, 15)
    assert (resource.hourly_cents, resource.per_km_cents) == (500, 30)


def test_opening_hours_can_be_cleared_to_always_open(admin, make):
    resource = make.resource(opening_hours={"mon": [["08:00", "12:00"]]})
    update_resource(db.session, admin, resource.id, ResourceInput(rules={"opening_hours": ""}))
    assert resource.opening_hours is None


def test_opening_hours_given_as_json_are_stored_canonically(admin, make):
    resource = make.resource()
    update_resource(db.session, admin, resource.id, ResourceInput(
        rules={"opening_hours": {"tue": [["09:00", "12:00"]], "mon": [["08:00", "10:00"]]}}))
    assert list(resource.opening_hours) == ["mon", "tue"]


# Resources: permissions and visibility

def test_member_cannot_create_or_change_a_resource(member, make, now):
    resource = make.resource()
    with pytest.raises(Forbidden):
        create_resource(db.session, member, now, ResourceInput(kind="room", name="Mine"))
    with pytest.raises(Forbidden):
        update_resource(db.session, member, resource.id, ResourceInput(name="Mine"))
    assert _count(Resource) == 1


def test_archived_resource_is_hidden_from_members(member, admin, make):
    archived = make.resource(name="Old van", kind="vehicle", active=False)
    make.resource(name="New van", kind="vehicle")
    assert [r.name for r in list_resources(db.session, member)] == ["New van"]
    assert [r.name for r in list_resources(db.session, member, active=False)] == []
    with pytest.raises(NotFound):
        get_resource(db.session, member, archived.id)
    with pytest.raises(NotFound):
        update_resource(db.session, member, archived.id, ResourceInput(active=True))
    assert get_resource(db.session, admin, archived.id) is archived
    assert [r.name for r in list_resources(db.session, admin)] == ["New van", "Old van"]


def test_resources_are_filtered_by_kind_site_capacity_attribute_and_search(member, make):
    site = make.site()
    make.resource(name="Grande salle", capacity=40, site_id=site.id, attributes={"accessible": True})
    make.resource(name="Petite salle", capacity=8, site_id=site.id, attributes={"accessible": False})
    make.resource(name="Vidéoprojecteur", kind="equipment", attributes={"connector": "HDMI"})
    make.resource(name="Salle annexe", capacity=20, description="Cuisine équipée")

    def names(**filters):
        return [r.name for r in list_resources(db.session, member, **filters)]

    assert names(kind="equipment") == ["Vidéoprojecteur"]
    assert names(site_id=site.id) == ["Grande salle", "Petite salle"]
    assert names(min_capacity=10) == ["Grande salle", "Salle annexe"]
    assert names(attribute="Accessible") == ["Grande salle"]
    assert names(attribute="hdmi") == ["Vidéoprojecteur"]
    assert names(search="VIDÉO") == ["Vidéoprojecteur"]
    assert names(search="cuisine") == ["Salle annexe"]


def test_site_must_exist_and_archived_site_cannot_receive_a_resource(admin, make, now):
    archived = make.site(active=False)
    with pytest.raises(ValidationError) as excinfo:
        create_resource(db.session, admin, now, ResourceInput(kind="room", name="R", site_id=archived.id))
    assert "site_id" in _fields(excinfo)
    assert _count(Site) == 1
