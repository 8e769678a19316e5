"""Quota rules through their service: checks per field, targets, who sees which rule, changes, plain text."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import QuotaRule
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.quota_rules import (
    QuotaRuleInput,
    create_quota_rule,
    delete_quota_rule,
    describe_rule,
    get_quota_rule,
    list_quota_rules,
    update_quota_rule,
)


@pytest.fixture
def admin(make):
    return make.user(is_admin=True)


@pytest.fixture
def structure_a(make):
    return make.structure(name="Régie de quartier")


@pytest.fixture
def structure_b(make):
    return make.structure(name="Bascule")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuotaRule))


def _create(admin, now, **fields) -> QuotaRule:
    values = {"limit": 10}
    values.update(fields)
    rule = create_quota_rule(db.session, admin, now, QuotaRuleInput(**values))
    db.session.commit()
    return rule


def _refused(admin, now, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        create_quota_rule(db.session, admin, now, QuotaRuleInput(**fields))
    db.session.rollback()
    assert _count() == 0
    with force_locale("en"):
        return {name: str(message) for name, message in refused.value.fields.items()}


# Creation and checks

def test_admin_creates_a_rule_with_defaults(admin, now):
    rule = _create(admin, now, limit=10)
    assert (rule.unit, rule.window, rule.rolling_days, rule.structure_id, rule.active, rule.created_at) == \
        ("hours", "week", None, None, True, now)


def test_a_rule_targets_a_set_of_resources(admin, make, structure_a, now):
    first, second = make.resource(name="Salle Jaurès"), make.resource(name="Atelier")
    rule = _create(admin, now, structure_id=structure_a.id, resource_ids=[first.id, second.id, first.id],
                   unit="bookings", window="rolling", rolling_days=30, limit=4, max_open_future=2,
                   name="Salles")
    assert sorted(r.id for r in rule.resources) == sorted([first.id, second.id])
    assert (rule.window, rule.rolling_days, rule.max_open_future, rule.name) == ("rolling", 30, 2, "Salles")


def test_a_rolling_window_needs_its_length(admin, now):
    assert set(_refused(admin, now, limit=5, window="rolling")) == {"rolling_days"}


@pytest.mark.parametrize("days", [0, 367, "7"])
def test_the_rolling_length_is_a_whole_number_from_1_to_366(admin, now, days):
    assert set(_refused(admin, now, limit=5, window="rolling", rolling_days=days)) == {"rolling_days"}


def test_a_rolling_length_is_refused_for_a_calendar_window(admin, now):
    assert _refused(admin, now, limit=5, window="month", rolling_days=7) == \
        {"rolling_days": "Only for a rolling window."}


def test_a_rule_has_one_target_at_most_and_the_second_one_is_blamed(admin, make, now):
    site = make.site()
    room = make.resource(site_id=site.id)
    assert set(_refused(admin, now, limit=5, resource_ids=[room.id], site_id=site.id)) == {"site_id"}
    assert set(_refused(admin, now, limit=5, kind="vehicle", site_id=site.id)) == {"site_id"}
    assert set(_refused(admin, now, limit=5, resource_ids=[room.id], kind="room")) == {"kind"}


def test_unknown_structure_resource_and_site_are_refused_together(admin, now):
    fields = _refused(admin, now, limit=5, structure_id=999_999, resource_ids=[999_999], site_id=2**40)
    assert fields == {"structure_id": "No such structure.", "resource_ids": "Unknown resource.",
                      "site_id": "No such site."}


@pytest.mark.parametrize("resource_ids", ["1,2", [True], ["1"], list(range(1, 202))])
def test_resource_ids_must_be_a_short_list_of_ids(admin, now, resource_ids):
    assert set(_refused(admin, now, limit=5, resource_ids=resource_ids)) == {"resource_ids"}


@pytest.mark.parametrize("fields", [{"kind": "boat"}, {"unit": "km"}, {"window": "fortnight"}])
def test_kind_unit_and_window_must_be_known(admin, now, fields):
    assert set(_refused(admin, now, limit=5, **fields)) == set(fields)


def test_a_rule_needs_a_limit_or_a_cap_on_future_bookings(admin, now):
    assert _refused(admin, now, name="Vide") == \
        {"limit": "Give a limit, a maximum of future bookings, or both."}
    assert _create(admin, now, limit=None, max_open_future=3).limit is None


@pytest.mark.parametrize(("fields", "blamed"), [
    ({"limit": -1}, "limit"), ({"limit": 100_001}, "limit"), ({"limit": 2.5}, "limit"),
    ({"limit": 3, "max_open_future": -1}, "max_open_future"),
    ({"max_open_future": 10_001}, "max_open_future"),
])
def test_negative_or_huge_limits_are_refused(admin, now, fields, blamed):
    assert set(_refused(admin, now, **fields)) == {blamed}


def test_a_long_name_is_refused(admin, now):
    assert set(_refused(admin, now, limit=1, name="n" * (QuotaRule.NAME_MAX + 1))) == {"name"}


def test_only_admins_write_rules(admin, make, structure_a, now):
    manager = make.user(structures=[structure_a], role="manager")
    with pytest.raises(Forbidden):
        create_quota_rule(db.session, manager, now, QuotaRuleInput(limit=5, structure_id=structure_a.id))
    rule = _create(admin, now, structure_id=structure_a.id)
    with pytest.raises(Forbidden):
        update_quota_rule(db.session, manager, rule.id, QuotaRuleInput(limit=50))
    with pytest.raises(Forbidden):
        delete_quota_rule(db.session, manager, rule.id)
    db.session.expire_all()
    assert db.session.get(QuotaRule, rule.id).limit == 10


# Visibility

def test_members_see_their_structures_rules_and_those_for_every_structure(admin, make, structure_a,
                                                                          structure_b, now):
    of_a = _create(admin, now, structure_id=structure_a.id, limit=1)
    of_b = _create(admin, now, structure_id=structure_b.id, limit=2)
    everyone = _create(admin, now, limit=3)
    member_of_b = make.user(structures=[structure_b])
    assert [r.id for r in list_quota_rules(db.session, member_of_b)] == [everyone.id, of_b.id]
    assert get_quota_rule(db.session, member_of_b, everyone.id).id == everyone.id
    with pytest.raises(NotFound):
        get_quota_rule(db.session, member_of_b, of_a.id)
    with pytest.raises(NotFound):
        list_quota_rules(db.session, member_of_b, structure_id=structure_a.id)
    assert {r.id for r in list_quota_rules(db.session, admin)} == {of_a.id, of_b.id, everyone.id}


def test_the_rules_applying_to_one_structure(admin, make, structure_a, structure_b, now):
    of_a = _create(admin, now, structure_id=structure_a.id)
    _create(admin, now, structure_id=structure_b.id)
    everyone = _create(admin, now)
    auditor = make.user(is_auditor=True)
    assert [r.id for r in list_quota_rules(db.session, auditor, structure_id=structure_a.id)] == \
        [everyone.id, of_a.id]
    with pytest.raises(NotFound):
        list_quota_rules(db.session, admin, structure_id=999_999)


# Changes

def test_update_changes_only_the_fields_given(admin, make, now):
    site = make.site()
    rule = _create(admin, now, name="Véhicules", kind="vehicle", limit=10, max_open_future=2)
    update_quota_rule(db.session, admin, rule.id, QuotaRuleInput(limit=20, window="rolling", rolling_days=7))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(QuotaRule, rule.id)
    assert (stored.name, stored.kind, stored.limit, stored.max_open_future) == ("Véhicules", "vehicle", 20, 2)
    assert (stored.window, stored.rolling_days) == ("rolling", 7)
    with pytest.raises(ValidationError) as refused:
        update_quota_rule(db.session, admin, rule.id, QuotaRuleInput(site_id=site.id))
    assert set(refused.value.fields) == {"site_id"}
    db.session.rollback()
    update_quota_rule(db.session, admin, rule.id, QuotaRuleInput(kind=None, site_id=site.id, window="day"))
    assert (stored.kind, stored.site_id, stored.window, stored.rolling_days) == (None, site.id, "day", None)


def test_update_cannot_remove_the_last_limit(admin, now):
    rule = _create(admin, now, limit=10)
    with pytest.raises(ValidationError) as refused:
        update_quota_rule(db.session, admin, rule.id, QuotaRuleInput(limit=None))
    assert set(refused.value.fields) == {"limit"}


def test_admin_deletes_a_rule(admin, now):
    rule = _create(admin, now)
    delete_quota_rule(db.session, admin, rule.id)
    assert _count() == 0
    with pytest.raises(NotFound):
        delete_quota_rule(db.session, admin, rule.id)


# Plain-language descriptions

def test_rules_are_described_in_plain_language(admin, make, structure_a, now):
    room = make.resource(name="Salle Jaurès")
    site = make.site(name="La Filature")
    with force_locale("en"):
        assert describe_rule(_create(admin, now, resource_ids=[room.id], limit=10)) == \
            "10 h per week on Salle Jaurès, for every structure"
        assert describe_rule(_create(admin, now, structure_id=structure_a.id, kind="vehicle", limit=None,
                                     max_open_future=3)) == \
            "at most 3 upcoming bookings at once on every vehicle, for Régie de quartier"
        assert describe_rule(_create(admin, now, site_id=site.id, unit="bookings", window="rolling",
                                     rolling_days=30, limit=1, max_open_future=1)) == \
            ("1 booking over 30 rolling days and at most 1 upcoming booking at once "
             "on every resource of La Filature, for every structure")
