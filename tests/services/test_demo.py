"""The demo network: complete, loaded through the services, the same every time."""

import functools

import pytest
from sqlalchemy import select

from mutualise.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo, network_is_empty
from mutualise.extensions import db
from mutualise.models import Membership, Resource, Site, Structure, User
from mutualise.services import accounts, settings


@pytest.fixture(autouse=True)
def one_hash_per_password(monkeypatch):
    """argon2 is slow on purpose; the demo's sixteen people share one password, so hash it once."""
    monkeypatch.setattr(accounts, "hash_password", functools.cache(accounts.hash_password))


def _snapshot() -> dict:
    """Everything the demo creates, by natural keys (ids, hashes and nonces differ by design)."""
    db.session.expire_all()
    return {
        "network": settings.get_settings(db.session).name,
        "structures": [(s.name, s.short_code, s.legal_form, s.email, s.accounting_code)
                       for s in db.session.scalars(select(Structure).order_by(Structure.short_code))],
        "people": [(u.email, u.name, tuple(u.roles), u.locale,
                    tuple((m.structure.short_code, m.role) for m in u.memberships))
                   for u in db.session.scalars(select(User).order_by(User.email))],
        "sites": [(s.name, s.address) for s in db.session.scalars(select(Site).order_by(Site.name))],
        "resources": [(r.kind, r.name, r.site.name, r.capacity, r.quantity, r.attributes, r.colour,
                       r.requires_approval, r.step_minutes, r.opening_hours, r.hourly_cents, r.per_km_cents,
                       tuple(u.email for u in r.referents))
                      for r in db.session.scalars(select(Resource).order_by(Resource.name))],
    }


def test_demo_loads_and_the_network_is_no_longer_empty(app, now):
    assert network_is_empty(db.session)
    logins = load_demo(db.session, now)
    db.session.commit()
    assert not network_is_empty(db.session)
    assert logins == DEMO_LOGINS
    assert all(email.endswith("@demo.mutualise.example") for email, _ in logins)
    assert settings.get_settings(db.session).name == "Réseau des communs solidaires de la métropole lilloise"


def test_an_admin_alone_makes_the_network_not_empty(make):
    make.user(is_admin=True)
    assert not network_is_empty(db.session)


def test_demo_has_six_structures_and_two_sites(app, now):
    load_demo(db.session, now)
    assert len(db.session.scalars(select(Structure)).all()) == 6
    assert {s.legal_form for s in db.session.scalars(select(Structure))} >= {"scic", "cae", "association"}
    assert all(s.address for s in db.session.scalars(select(Site)))
    assert len(db.session.scalars(select(Site)).all()) == 2


def test_the_folding_tables_are_one_resource_of_twenty(app, now):
    load_demo(db.session, now)
    tables = db.session.scalars(select(Resource).where(Resource.name.like("%Tables%"))).all()
    assert [(t.kind, t.quantity) for t in tables] == [("equipment", 20)]


def test_demo_resources_cover_rooms_cars_and_an_approved_kitchen(app, now):
    load_demo(db.session, now)
    all_resources = db.session.scalars(select(Resource)).all()
    cars = [r for r in all_resources if r.kind == "vehicle" and r.per_km_cents > 0]
    assert len(cars) == 2 and all(c.capacity == 5 and c.referents for c in cars)
    kitchen = next(r for r in all_resources if r.requires_approval)
    assert kitchen.referents and kitchen.kind == "room"
    rooms = [r for r in all_resources if r.kind == "room"]
    assert any(r.attributes.get("accessible PMR") and r.attributes.get("visio") for r in rooms)
    assert all(r.opening_hours for r in rooms)
    assert {r.kind for r in all_resources} == {"room", "vehicle", "equipment"}


def test_every_network_role_and_both_membership_roles_are_held(app, now):
    load_demo(db.session, now)
    people = db.session.scalars(select(User)).all()
    assert {role for person in people for role in person.roles} == {"admin", "treasurer", "auditor"}
    assert {m.role for m in db.session.scalars(select(Membership))} == {"member", "manager"}
    for structure in db.session.scalars(select(Structure)):
        roles = [m.role for m in structure.memberships]
        assert "manager" in roles and "member" in roles, structure.name
    assert any(r.referents for r in db.session.scalars(select(Resource)))


def test_every_demo_login_signs_in_with_the_demo_password(app, now):
    load_demo(db.session, now)
    db.session.commit()
    first_email = DEMO_LOGINS[0][0]
    assert accounts.authenticate(db.session, first_email, DEMO_PASSWORD, now) is not None
    # the hash was computed once (fixture above): the same stored hash means the same password
    hashes = {u.email: u.password_hash for u in db.session.scalars(select(User))}
    assert sorted(hashes) == sorted(email for email, _ in DEMO_LOGINS)
    assert set(hashes.values()) == {hashes[first_email]}


def test_demo_sends_no_invitation(app, now, outbox):
    load_demo(db.session, now)
    db.session.commit()
    assert outbox == []


def test_loading_the_demo_is_deterministic(app, now):
    load_demo(db.session, now)
    first = _snapshot()
    db.session.rollback()
    assert network_is_empty(db.session)
    load_demo(db.session, now)
    assert _snapshot() == first


def test_demo_books_next_week_through_the_booking_service(app, now):
    from mutualise.models import Booking, QuotaRule

    load_demo(db.session, now)
    db.session.commit()
    bookings = list(db.session.scalars(select(Booking)))
    statuses = sorted({b.status for b in bookings})
    assert len(bookings) == 7 + 8  # seven single bookings and a weekly series of eight
    assert statuses == ["confirmed", "pending"]  # the kitchen waits for its referent
    assert all(b.start_at > now for b in bookings)
    assert db.session.scalar(select(QuotaRule.limit)) == 12
