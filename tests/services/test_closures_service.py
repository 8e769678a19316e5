"""Closures through their service: checks per field, who may write, affected bookings, public holidays."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mutualise.extensions import db
from mutualise.models import Booking, Closure, NetworkSettings
from mutualise.services import closures
from mutualise.services.closures import ClosureInput, create_closure, delete_closure, list_closures
from mutualise.services.errors import Forbidden, NotFound, ValidationError
from mutualise.services.settings import SettingsInput, update_settings

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def admin(make):
    return make.user(is_admin=True)


@pytest.fixture
def member(make):
    return make.user(structures=[make.structure()])


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Closure))


@pytest.fixture
def network(app):
    """Stores the network's settings with the given holiday choice (English names, Paris by default)."""

    def _network(mode: str, timezone: str = "Europe/Paris") -> NetworkSettings:
        settings = NetworkSettings(id=1, name="Réseau", timezone=timezone, currency="EUR",
                                   default_locale="en", public_holidays=mode)
        db.session.add(settings)
        db.session.commit()
        return settings

    return _network


def _input(**overrides) -> ClosureInput:
    values = {"resource_id": None, "start": datetime(2026, 4, 6, 8, 0, tzinfo=UTC),
              "end": datetime(2026, 4, 10, 18, 0, tzinfo=UTC), "reason": "Travaux de peinture"}
    values.update(overrides)
    return ClosureInput(**values)


def _refused(admin, now, **overrides) -> dict:
    with pytest.raises(ValidationError) as refused:
        create_closure(db.session, admin, now, _input(**overrides))
    db.session.rollback()
    assert _count() == 0
    with force_locale("en"):
        return {name: str(message) for name, message in refused.value.fields.items()}


def _booking(resource, member, start: datetime, hours: int = 2, status: str = "confirmed") -> Booking:
    end = start + timedelta(hours=hours)
    booking = Booking(resource_id=resource.id, structure_id=member.memberships[0].structure_id,
                      user_id=member.id, title="Réunion", quantity=1, start_at=start, end_at=end,
                      blocked_until=end, exclusive=True, status=status, created_at=start, updated_at=start)
    db.session.add(booking)
    db.session.commit()
    return booking


# Manual closures

def test_admin_closes_one_resource_for_a_period(admin, make, now):
    room = make.resource(name="Salle Jaurès")
    closure = create_closure(db.session, admin, now, _input(resource_id=room.id, reason="  Peinture  "))
    db.session.commit()
    stored = db.session.get(Closure, closure.id)
    assert (stored.resource_id, stored.reason, stored.source, stored.holiday_code) == \
        (room.id, "Peinture", "manual", None)
    assert stored.start_at == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)


def test_local_times_are_stored_in_utc(admin, now):
    closure = create_closure(db.session, admin, now, _input(start=datetime(2026, 7, 1, 9, 0, tzinfo=PARIS),
                                                          end=datetime(2026, 7, 1, 12, 0, tzinfo=PARIS)))
    assert closure.start_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_a_closure_without_resource_closes_every_resource(admin, now):
    closure = create_closure(db.session, admin, now, _input(resource_id=None))
    assert closure.resource_id is None


@pytest.mark.parametrize("resource_id", [999_999, 2**40, "1", True, -3])
def test_an_unknown_resource_is_refused(admin, now, resource_id):
    assert _refused(admin, now, resource_id=resource_id) == {"resource_id": "Unknown resource."}


def test_start_and_end_are_required(admin, now):
    fields = _refused(admin, now, start=None, end=None)
    assert set(fields) == {"start", "end"}


NAIVE = datetime(2026, 4, 6, 8, 0)  # noqa: DTZ001  (refused: a naive time is ambiguous)


@pytest.mark.parametrize("value", [NAIVE, "2026-04-06T08:00:00+00:00", 12])
def test_start_must_be_an_aware_datetime(admin, now, value):
    assert set(_refused(admin, now, start=value)) == {"start"}


def test_end_must_come_after_start(admin, now):
    start = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
    assert _refused(admin, now, start=start, end=start)["end"] == "Must be after the start."


def test_a_closure_lasts_at_most_366_days(admin, now):
    start = datetime(2026, 4, 6, tzinfo=UTC)
    assert set(_refused(admin, now, start=start, end=start + timedelta(days=366, seconds=1))) == {"end"}
    assert create_closure(db.session, admin, now, _input(start=start, end=start + timedelta(days=366)))


@pytest.mark.parametrize("reason", [None, "   ", "x" * (Closure.REASON_MAX + 1), 42])
def test_a_reason_is_required_and_bounded(admin, now, reason):
    assert set(_refused(admin, now, reason=reason)) == {"reason"}


def test_all_field_errors_are_reported_together(admin, now):
    fields = _refused(admin, now, resource_id=999_999, start=None, reason="")
    assert set(fields) == {"resource_id", "start", "reason"}


def test_members_cannot_create_or_delete_closures(admin, member, now):
    with pytest.raises(Forbidden):
        create_closure(db.session, member, now, _input())
    closure = create_closure(db.session, admin, now, _input())
    db.session.commit()
    with pytest.raises(Forbidden):
        delete_closure(db.session, member, closure.id)
    assert _count() == 1


def test_admin_deletes_a_closure_and_an_unknown_one_is_not_found(admin, now):
    closure = create_closure(db.session, admin, now, _input())
    delete_closure(db.session, admin, closure.id)
    assert _count() == 0
    with pytest.raises(NotFound):
        delete_closure(db.session, admin, closure.id)


def test_members_read_closures_of_a_resource_including_those_of_every_resource(admin, member, make, now):
    room, van = make.resource(name="Salle"), make.resource(name="Kangoo", kind="vehicle")
    create_closure(db.session, admin, now, _input(resource_id=van.id, reason="Révision"))
    create_closure(db.session, admin, now, _input(resource_id=room.id, reason="Peinture",
                                                  start=datetime(2026, 5, 1, tzinfo=UTC),
                                                  end=datetime(2026, 5, 2, tzinfo=UTC)))
    create_closure(db.session, admin, now, _input(reason="Fermeture estivale",
                                                  start=datetime(2026, 4, 1, tzinfo=UTC),
                                                  end=datetime(2026, 4, 3, tzinfo=UTC)))
    db.session.commit()
    assert [c.reason for c in list_closures(db.session, member, resource_id=room.id)] == \
        ["Fermeture estivale", "Peinture"]
    in_april = list_closures(db.session, member, start=datetime(2026, 4, 2, tzinfo=UTC),
                             end=datetime(2026, 4, 30, tzinfo=UTC))
    assert [c.reason for c in in_april] == ["Fermeture estivale", "Révision"]


def test_closures_of_an_archived_resource_are_hidden_from_members(admin, member, make, now):
    archived = make.resource(active=False)
    create_closure(db.session, admin, now, _input(resource_id=archived.id))
    db.session.commit()
    assert list_closures(db.session, member) == []
    assert len(list_closures(db.session, admin)) == 1
    with pytest.raises(NotFound):
        list_closures(db.session, member, resource_id=archived.id)


# Affected bookings

def test_affected_bookings_are_the_active_ones_overlapping_the_closure(admin, member, make, now):
    room, other = make.resource(), make.resource()
    inside = _booking(room, member, datetime(2026, 4, 7, 9, 0, tzinfo=UTC))
    _booking(room, member, datetime(2026, 4, 7, 14, 0, tzinfo=UTC), status="cancelled")
    _booking(room, member, datetime(2026, 4, 6, 6, 0, tzinfo=UTC))  # ends exactly when the closure starts
    elsewhere = _booking(other, member, datetime(2026, 4, 8, 9, 0, tzinfo=UTC), status="pending")
    closure = create_closure(db.session, admin, now, _input(resource_id=room.id))
    assert [b.id for b in closures.affected_bookings(db.session, closure)] == [inside.id]
    everywhere = create_closure(db.session, admin, now, _input())
    assert [b.id for b in closures.affected_bookings(db.session, everywhere)] == [inside.id, elsewhere.id]
    assert db.session.get(Booking, inside.id).status == "confirmed"  # nothing cancelled


# Public holidays

def test_holidays_are_generated_once_and_a_second_run_creates_none(now, network):
    settings = network("france")
    assert closures.generate_holidays(db.session, now, settings, [2026]) == 11
    db.session.commit()
    assert closures.generate_holidays(db.session, now, settings, [2026]) == 0
    db.session.commit()
    assert _count() == 11


def test_alsace_moselle_adds_good_friday_and_st_stephens_day(now, network):
    settings = network("alsace_moselle")
    assert closures.generate_holidays(db.session, now, settings, [2026, 2027]) == 26
    codes = set(db.session.scalars(select(Closure.holiday_code)))
    assert {"2026-04-03:good_friday", "2026-12-26:st_stephen"} <= codes


def test_no_holidays_when_the_setting_is_none(now, network):
    assert closures.generate_holidays(db.session, now, network("none"), [2026]) == 0
    assert _count() == 0


def test_a_holiday_runs_from_local_midnight_to_the_next_one(now, network):
    closures.generate_holidays(db.session, now, network("france"), [2026])
    bastille = db.session.scalar(select(Closure).where(Closure.holiday_code == "2026-07-14:bastille_day"))
    assert bastille.start_at == datetime(2026, 7, 13, 22, 0, tzinfo=UTC)  # 14 July 00:00 in Paris
    assert bastille.end_at == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)
    assert (bastille.resource_id, bastille.source, bastille.reason) == (None, "holiday", "Bastille Day")


def test_holidays_follow_the_network_time_zone(now, network):
    closures.generate_holidays(db.session, now, network("france", timezone="Indian/Reunion"), [2026])
    christmas = db.session.scalar(select(Closure).where(Closure.holiday_code == "2026-12-25:christmas"))
    assert christmas.start_at == datetime(2026, 12, 24, 20, 0, tzinfo=UTC)  # UTC+4


def test_a_deleted_holiday_stays_deleted_for_periodic_runs_but_returns_on_regeneration(admin, now, network):
    settings = network("france")
    closures.generate_holidays(db.session, now, settings, [2026])
    labour_day = db.session.scalar(select(Closure).where(Closure.holiday_code == "2026-05-01:labour_day"))
    delete_closure(db.session, admin, labour_day.id)
    assert closures.generate_holidays(db.session, now, settings, [2026, 2027], missing_years_only=True) == 11
    assert closures.regenerate_holidays(db.session, admin, now, settings) == 1
    assert _count() == 22


def test_members_cannot_regenerate_holidays(member, now, network):
    with pytest.raises(Forbidden):
        closures.regenerate_holidays(db.session, member, now, network("france"))


def test_choosing_holidays_in_the_settings_generates_this_year_and_next(admin, now):
    update_settings(db.session, admin, SettingsInput(public_holidays="alsace_moselle"), now=now)
    assert _count() == 26
    update_settings(db.session, admin, SettingsInput(public_holidays="france"), now=now)
    # upcoming Alsace-Moselle days go; past ones would stay as a record
    assert _count() == 22
    update_settings(db.session, admin, SettingsInput(public_holidays="none"), now=now)
    assert list(db.session.scalars(select(Closure.holiday_code))) == ["2026-01-01:new_year"]  # past


def test_the_settings_refuse_an_unknown_holiday_choice(admin, now):
    with pytest.raises(ValidationError) as refused:
        update_settings(db.session, admin, SettingsInput(public_holidays="belgium"), now=now)
    assert set(refused.value.fields) == {"public_holidays"}
    assert _count() == 0


def test_a_time_zone_change_moves_upcoming_holidays_to_the_new_midnights(admin, now):
    update_settings(db.session, admin, SettingsInput(public_holidays="france"), now=now)
    update_settings(db.session, admin, SettingsInput(timezone="America/Cayenne"), now=now)  # UTC-3

    def bounds(code):
        closure = db.session.scalar(select(Closure).where(Closure.holiday_code == code))
        return closure.start_at, closure.end_at

    assert bounds("2026-12-25:christmas") == (datetime(2026, 12, 25, 3, 0, tzinfo=UTC),
                                              datetime(2026, 12, 26, 3, 0, tzinfo=UTC))
    # already past on 3 March: stays as it was recorded, at Paris midnights
    assert bounds("2026-01-01:new_year") == (datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
                                             datetime(2026, 1, 1, 23, 0, tzinfo=UTC))
    assert _count() == 22  # moved, none added or lost
