"""Allocation keys through their service: checks, versions chosen by date, who reads and writes, and what
each participant weighs (stored weights, hours booked, kilometres driven)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import AllocationKey, AllocationKeyVersion, AllocationWeight, Booking
from mutualise.services.allocation_keys import (
    KeyInput,
    add_key_version,
    create_key,
    get_key,
    list_keys,
    set_key_active,
    shown_weight,
)
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.key_weights import key_weights, version_at

PARIS = ZoneInfo("Europe/Paris")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def coops(make):
    """Three active structures (named so their order is known) and an archived one."""
    return {"a": make.structure(name="Atelier"), "b": make.structure(name="Bascule"),
            "c": make.structure(name="Coop Vélo"), "archived": make.structure(name="Dormante", active=False)}


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (AllocationKey, AllocationKeyVersion, AllocationWeight))


def _create(actor, now, **fields) -> AllocationKey:
    key = create_key(db.session, actor, now, KeyInput(**{"name": "Loyer", "method": "equal", **fields}))
    db.session.commit()
    return key


def _messages(error: ValidationError) -> dict:
    with force_locale("en"):
        return {name: str(message) for name, message in error.fields.items()}


def _refused(actor, now, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        create_key(db.session, actor, now, KeyInput(**{"name": "Loyer", **fields}))
    db.session.rollback()
    return _messages(refused.value)


def _weights(version) -> dict[int, int]:
    return {weight.structure_id: weight.weight for weight in version.weights}


# Creation

def test_an_equal_key_takes_every_active_structure_from_today_by_default(treasurer, coops, now):
    key = _create(treasurer, now, decision_ref="AG du 12/03/2026, résolution 4")
    [version] = key.versions
    assert (key.method, key.active, version.number) == ("equal", True, 1)
    assert version.valid_from == date(2026, 3, 3)  # today in Paris
    assert version.decision_ref == "AG du 12/03/2026, résolution 4"
    assert _weights(version) == {coops[n].id: 1 for n in "abc"}


def test_weights_are_stored_in_thousandths_and_shown_as_typed(treasurer, coops, now):
    entries = [(coops["a"], "45,5"), (coops["b"], Decimal("12.250")), (coops["c"], 3)]
    key = _create(treasurer, now, method="weights", weights=[{"structure_id": s.id, "weight": w}
                                                             for s, w in entries])
    stored = _weights(key.versions[0])
    assert stored == {coops["a"].id: 45500, coops["b"].id: 12250, coops["c"].id: 3000}
    assert [shown_weight("weights", stored[s.id]) for s, _ in entries] == [Decimal("45.5"),
                                                                            Decimal("12.25"), 3]


def test_a_percent_key_stores_basis_points(treasurer, coops, now):
    shares = {coops["a"].id: 5000, coops["b"].id: 3333, coops["c"].id: 1667}
    key = _create(treasurer, now, method="percent",
                  weights=[{"structure_id": s, "weight": w} for s, w in shares.items()])
    assert _weights(key.versions[0]) == shares
    assert shown_weight("percent", 3333) == 3333


def test_a_usage_key_counts_chosen_resources(treasurer, coops, make, now):
    van = make.resource(kind="vehicle", name="Kangoo")
    key = _create(treasurer, now, method="usage_km", resource_ids=[van.id, van.id],
                  structure_ids=[coops["a"].id, coops["b"].id])
    assert [r.id for r in key.resources] == [van.id]
    assert _weights(key.versions[0]) == {coops["a"].id: 1, coops["b"].id: 1}


def _share(structure, weight):
    return {"structure_id": structure.id, "weight": weight}


@pytest.mark.parametrize(("fields", "expected"), [
    (lambda c: {"method": "lottery"}, {"method": "Must be one of: equal, weights, percent, usage_hours, "
                                                 "usage_km."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], 5000), _share(c["b"], 4500)]},
     {"weights": "The shares add up to 95.00 %, not 100 %."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], 10000), _share(c["b"], 0)]},
     {"weights": "Each weight must be more than zero."}),
    (lambda c: {"method": "percent", "weights": [_share(c["a"], "100%")]},
     {"weights": "Each share is a whole number of basis points, e.g. 2500 for 25 %."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 10), _share(c["b"], 0)]},
     {"weights": "Each weight must be more than zero."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], "-3")]},
     {"weights": "Each weight must be more than zero."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], "1.2345")]},
     {"weights": "Each weight has at most 3 decimals."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], Decimal("NaN"))]},
     {"weights": "Each weight must be a number such as 45.5."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 1.5)]},  # floats never reach the service
     {"weights": "Each weight must be a number such as 45.5."}),
    (lambda c: {"method": "weights", "weights": []}, {"weights": "A key needs at least one structure."}),
    (lambda c: {"method": "weights"}, {"weights": "Give each structure's weight."}),
    (lambda c: {"method": "equal", "structure_ids": []},
     {"structure_ids": "A key needs at least one structure."}),
    (lambda c: {"method": "equal", "structure_ids": [999_999]},
     {"structure_ids": "Unknown structure: 999999."}),
    (lambda c: {"method": "weights", "weights": [{"structure_id": [1], "weight": 2}]},
     {"weights": "Structures are given by their ids (whole numbers)."}),
    (lambda c: {"method": "equal", "structure_ids": [c["archived"].id]},
     {"structure_ids": "Dormante is archived and cannot take part."}),
    (lambda c: {"method": "equal", "structure_ids": [c["a"].id, c["b"].id, c["a"].id]},
     {"structure_ids": "Atelier is listed twice."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 2), _share(c["a"], 3)]},
     {"weights": "Atelier is listed twice."}),
    (lambda c: {"method": "equal", "weights": [_share(c["a"], 2)]},
     {"weights": "Only for keys by weights or by percent; the participants of this key weigh alike."}),
    (lambda c: {"method": "weights", "weights": [_share(c["a"], 2)], "structure_ids": [c["b"].id]},
     {"structure_ids": "Must name the same structures as weights (or be left out)."}),
    (lambda c: {"method": "equal", "resource_ids": [1]},
     {"resource_ids": "Only for usage keys (hours or kilometres)."}),
    (lambda c: {"method": "usage_hours", "resource_ids": [999_999]},
     {"resource_ids": "Unknown resource: 999999."}),
    (lambda c: {"method": "equal", "name": "  "}, {"name": "This field is required."}),
    (lambda c: {"method": "equal", "valid_from": "2026-03-01"},
     {"valid_from": "Must be a date such as 2026-03-31."}),
])
def test_bad_input_is_refused_and_nothing_is_written(treasurer, coops, now, fields, expected):
    assert _refused(treasurer, now, **fields(coops)) == expected
    assert _counts() == (0, 0, 0)


def test_a_name_is_taken_whatever_its_case_and_accents(treasurer, coops, now):
    _create(treasurer, now, name="Énergie")
    assert _refused(treasurer, now, name="energie ", method="equal") == {
        "name": "Another key is already called energie."}
    assert _counts() == (1, 1, 3)


def test_a_key_needs_an_active_structure_when_none_is_named(treasurer, now):
    assert _refused(treasurer, now, method="equal") == {
        "structure_ids": "There is no active structure to take part."}
    assert _counts() == (0, 0, 0)


# Who reads, who writes

def test_auditors_and_admins_read_keys_but_only_treasurers_write_them(treasurer, coops, make, now):
    key = _create(treasurer, now)
    for reader in (make.user(is_auditor=True), make.user(is_admin=True)):
        assert [k.id for k in list_keys(db.session, reader)] == [key.id]
        assert get_key(db.session, reader, key.id).id == key.id
        with pytest.raises(Forbidden):
            create_key(db.session, reader, now, KeyInput(name="Autre", method="equal"))
        with pytest.raises(Forbidden):
            add_key_version(db.session, reader, now, key.id, KeyInput(valid_from=date(2026, 4, 1)))
        with pytest.raises(Forbidden):
            set_key_active(db.session, reader, now, key.id, False)
    db.session.rollback()
    assert _counts() == (1, 1, 3)
    assert get_key(db.session, treasurer, key.id).active is True


def test_members_and_managers_cannot_read_keys(treasurer, coops, make, now):
    key = _create(treasurer, now)
    manager = make.user(structures=[coops["a"]], role="manager")
    with pytest.raises(Forbidden):
        list_keys(db.session, manager)
    with pytest.raises(Forbidden):
        get_key(db.session, manager, key.id)
    with pytest.raises(NotFound):
        get_key(db.session, treasurer, key.id + 1)


def test_archived_keys_are_listed_apart(treasurer, coops, now):
    kept = _create(treasurer, now, name="Assurance")
    archived = _create(treasurer, now, name="Ménage")
    set_key_active(db.session, treasurer, now, archived.id, False)
    db.session.commit()
    assert [k.name for k in list_keys(db.session, treasurer)] == ["Assurance", "Ménage"]
    assert [k.id for k in list_keys(db.session, treasurer, active=True)] == [kept.id]
    assert [k.id for k in list_keys(db.session, treasurer, active=False)] == [archived.id]


# Versions

def _vote(treasurer, now, key, **fields) -> AllocationKeyVersion:
    version = add_key_version(db.session, treasurer, now, key.id, KeyInput(**fields))
    db.session.commit()
    return version


def test_a_new_vote_is_a_new_version_chosen_by_date(treasurer, coops, now):
    a, b = coops["a"].id, coops["b"].id
    key = _create(treasurer, now, method="percent", valid_from=date(2026, 1, 1),
                  weights=[{"structure_id": a, "weight": 6000}, {"structure_id": b, "weight": 4000}])
    second = _vote(treasurer, now, key, valid_from=date(2026, 4, 1), decision_ref="AG 2026",
                   weights=[{"structure_id": a, "weight": 5000}, {"structure_id": b, "weight": 5000}])
    assert second.number == 2
    assert version_at(db.session, key.id, date(2026, 3, 31)).number == 1
    assert version_at(db.session, key.id, date(2026, 4, 1)).id == second.id
    assert _weights(version_at(db.session, key.id, date(2026, 3, 31))) == {a: 6000, b: 4000}
    assert [v.number for v in get_key(db.session, treasurer, key.id).versions] == [1, 2]


def test_a_version_must_start_after_the_latest_and_cannot_change_the_key(treasurer, coops, now):
    key = _create(treasurer, now, valid_from=date(2026, 3, 1))
    for fields, expected in [
        ({"valid_from": date(2026, 3, 1)},
         {"valid_from": "Must be after Mar 1, 2026, when version 1 starts."}),
        ({"valid_from": date(2026, 4, 1), "method": "percent"},
         {"method": "Not part of a version: it belongs to the key itself."}),
        ({"valid_from": date(2026, 4, 1), "structure_ids": []},
         {"structure_ids": "A key needs at least one structure."}),
    ]:
        with pytest.raises(ValidationError) as refused:
            add_key_version(db.session, treasurer, now, key.id, KeyInput(**fields))
        db.session.rollback()
        assert _messages(refused.value) == expected
    assert _counts() == (1, 1, 3)


def test_a_key_is_not_in_force_before_its_first_version_nor_once_archived(treasurer, coops, now):
    key = _create(treasurer, now, valid_from=date(2026, 3, 1))
    with pytest.raises(ValidationError) as early:
        version_at(db.session, key.id, date(2026, 2, 28), field="parts")
    assert _messages(early.value) == {"parts": "The key Loyer is not in force on Feb 28, 2026: it applies "
                                               "from Mar 1, 2026."}
    with pytest.raises(ValidationError) as unknown:
        version_at(db.session, key.id + 1, date(2026, 3, 5))
    assert _messages(unknown.value) == {"key_id": "Unknown allocation key."}
    set_key_active(db.session, treasurer, now, key.id, False)
    with pytest.raises(ValidationError) as archived:
        version_at(db.session, key.id, date(2026, 3, 5))
    assert _messages(archived.value) == {"key_id": "The key Loyer is archived."}


# What each participant weighs

def test_equal_weights_and_percent_keys_weigh_what_was_voted(treasurer, coops, now):
    a, b = coops["a"].id, coops["b"].id
    equal = _create(treasurer, now, name="Égal", structure_ids=[a, b])
    by_area = _create(treasurer, now, name="Surface", method="weights",
                      weights=[{"structure_id": a, "weight": "45.5"}, {"structure_id": b, "weight": 30}])
    for key, expected in [(equal, {a: 1, b: 1}), (by_area, {a: 45500, b: 30000})]:
        assert key_weights(db.session, key.versions[0], *MARCH, PARIS) == expected


def _booking(person, resource, structure, start, end, *, quantity=1, status="confirmed", **extra) -> Booking:
    """A booking row written directly: the weights read bookings, however they were made."""
    booking = Booking(resource_id=resource.id, structure_id=structure.id, user_id=person.id,
                      title="Réunion", quantity=quantity, start_at=start, end_at=end, blocked_until=end,
                      exclusive=resource.quantity == 1, status=status, created_at=start, updated_at=start,
                      **extra)
    db.session.add(booking)
    db.session.commit()
    return booking


def _paris(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=PARIS)


def test_usage_hours_count_booked_minutes_times_quantity_inside_the_dates(treasurer, coops, make, now):
    a, b, c = coops["a"], coops["b"], coops["c"]
    hall = make.resource(name="Grande salle")
    chairs = make.resource(kind="equipment", name="Chaises", quantity=10)
    elsewhere = make.resource(name="Petite salle")
    outsider = make.structure(name="Extérieure")
    key = _create(treasurer, now, method="usage_hours", resource_ids=[hall.id, chairs.id],
                  structure_ids=[a.id, b.id, c.id])
    person = make.user()
    _booking(person, hall, a, _paris(10, 9), _paris(10, 11))  # 120 min
    _booking(person, hall, a, datetime(2026, 2, 28, 23, tzinfo=PARIS), _paris(1, 1))  # 60 min inside
    _booking(person, hall, a, _paris(31, 23), _paris(1, 2, month=4))  # 60 min inside
    _booking(person, hall, a, _paris(29, 1), _paris(29, 4))  # the clocks go forward at 2:00: 2 h
    _booking(person, chairs, b, _paris(12, 14), _paris(12, 15) + timedelta(minutes=30), quantity=4)  # 90 x 4
    _booking(person, hall, b, _paris(12, 9), _paris(12, 10), status="cancelled")
    _booking(person, hall, b, _paris(13, 9), _paris(13, 10), status="pending")
    _booking(person, elsewhere, b, _paris(12, 9), _paris(12, 10))  # not a resource of the key
    _booking(person, hall, outsider, _paris(14, 9), _paris(14, 10))  # not a participant
    _booking(person, hall, a, _paris(5, 9, month=4), _paris(5, 10, month=4))  # after the dates
    version = key.versions[0]
    assert key_weights(db.session, version, *MARCH, PARIS) == {a.id: 120 + 60 + 60 + 120, b.id: 360,
                                                                c.id: 0}
    assert key_weights(db.session, version, date(2026, 3, 10), date(2026, 3, 10), PARIS) == {
        a.id: 120, b.id: 0, c.id: 0}


def test_a_usage_key_without_resources_counts_every_resource(treasurer, coops, make, now):
    a, b = coops["a"], coops["b"]
    key = _create(treasurer, now, method="usage_hours", structure_ids=[a.id, b.id])
    person = make.user()
    _booking(person, make.resource(), a, _paris(10, 9), _paris(10, 10))
    _booking(person, make.resource(kind="vehicle"), b, _paris(10, 9), _paris(10, 12))
    assert key_weights(db.session, key.versions[0], *MARCH, PARIS) == {a.id: 60, b.id: 180}


def test_usage_km_counts_the_odometer_of_checked_in_bookings_ending_within_the_dates(treasurer, coops,
                                                                                      make, now):
    a, b = coops["a"], coops["b"]
    van = make.resource(kind="vehicle", name="Kangoo")
    key = _create(treasurer, now, method="usage_km", resource_ids=[van.id], structure_ids=[a.id, b.id])
    person = make.user()

    def trip(structure, start, end, km_out, km_in):
        return _booking(person, van, structure, start, end, odometer_out=km_out, odometer_in=km_in,
                        checked_out_at=start.astimezone(UTC), checked_in_at=end.astimezone(UTC))

    trip(a, _paris(3, 8), _paris(3, 18), 12_000, 12_140)  # 140 km
    trip(a, _paris(28, 8, month=2), _paris(1, 0), 11_900, 11_950)  # ends at midnight: counted in February
    trip(b, _paris(31, 20), _paris(1, 9, month=4), 12_140, 12_400)  # ends in April
    trip(b, _paris(20, 8), _paris(20, 12), 12_400, 12_455)  # 55 km
    _booking(person, van, b, _paris(21, 8), _paris(21, 12), odometer_out=12_455,
             checked_out_at=_paris(21, 8).astimezone(UTC))  # never checked in
    assert key_weights(db.session, key.versions[0], *MARCH, PARIS) == {a.id: 140, b.id: 55}
    assert key_weights(db.session, key.versions[0], date(2026, 2, 1), date(2026, 2, 28), PARIS) == {
        a.id: 50, b.id: 0}
