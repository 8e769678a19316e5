"""Making, reading and moving bookings through the JSON API (API.md, issue 3): one booking or a series,
and every bad request refused with its code and nothing written.

Through HTTP the real clock runs, so dates are Mondays at least eight days ahead (Europe/Paris, the
network's default time zone)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from api_helpers import api_error as _error
from api_helpers import monday
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.models import Booking, Series
from mutualise.services.quota_rules import QuotaRuleInput, create_quota_rule

PARIS = ZoneInfo("Europe/Paris")
NOT_DATETIME = "Must be a date and time such as 2026-03-03T10:00:00+01:00."


def _count(model=Booking) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coop(make):
    return make.structure(name="Coop Vélo")


@pytest.fixture
def member(make, coop):
    return make.user(structures=[coop])


@pytest.fixture
def room(make):
    return make.resource(name="Salle Jaurès")


def _body(room, structure, start=None, end=None, **extra) -> dict:
    start = start or monday()
    end = end or start + timedelta(hours=2)
    return {"resource_id": room.id, "structure_id": structure.id, "start": start.isoformat(),
            "end": end.isoformat(), "title": "Assemblée", **extra}


# Making one booking

def test_a_booking_is_made_for_the_callers_structure_and_answered_with_the_network_offset(api, member, coop,
                                                                                         room):
    start = monday()
    response = api(member).post("/api/v1/bookings", json=_body(room, coop, start))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert {key: body[key] for key in ("resource_id", "structure_id", "user_id", "title", "quantity",
                                       "status", "series_id", "odometer_out", "odometer_in")} == {
        "resource_id": room.id, "structure_id": coop.id, "user_id": member.id, "title": "Assemblée",
        "quantity": 1, "status": "confirmed", "series_id": None, "odometer_out": None, "odometer_in": None}
    assert body["start"] == start.isoformat() and body["start"].endswith(start.strftime("%z")[:3] + ":00")
    assert body["end"] == (start + timedelta(hours=2)).isoformat()
    assert {"created_at", "updated_at", "sequence", "cancelled_late", "distance_km", "no_show",
            "reason"} <= set(body)
    assert api(member).get(f"/api/v1/bookings/{body['id']}").get_json() == body


def test_a_datetime_without_offset_is_read_in_the_network_time_zone(api, member, coop, room):
    start = monday(hour=9)
    naive = {"start": start.replace(tzinfo=None).isoformat(),
             "end": (start + timedelta(hours=1)).replace(tzinfo=None).isoformat()}
    response = api(member).post("/api/v1/bookings", json={**_body(room, coop), **naive})
    assert response.status_code == 201, response.get_data(as_text=True)
    booking = db.session.get(Booking, response.get_json()["id"])
    assert booking.start_at == start.astimezone(UTC)
    assert response.get_json()["start"] == start.isoformat()


def test_a_time_zone_named_in_brackets_places_the_local_time_in_that_zone(api, member, coop, room):
    new_york = monday(hour=4).replace(tzinfo=None)  # 04:00 in New York is mid-morning in Paris
    body = {**_body(room, coop), "start": f"{new_york.isoformat()}[America/New_York]",
            "end": f"{(new_york + timedelta(hours=1)).isoformat()}[America/New_York]"}
    response = api(member).post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    booking = db.session.get(Booking, response.get_json()["id"])
    assert booking.start_at == new_york.replace(tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_a_stocked_resource_is_booked_by_units_until_none_is_left(api, make, member, coop):
    chairs = make.resource(kind="equipment", name="Chaises", quantity=3)
    caller = api(member, language="en")
    assert caller.post("/api/v1/bookings", json=_body(chairs, coop, quantity=2)).status_code == 201
    refused = caller.post("/api/v1/bookings", json=_body(chairs, coop, quantity=2))
    assert _error(refused, 409, "conflict")["message"] == "Not enough units left then: 3 in stock."
    assert caller.post("/api/v1/bookings", json=_body(chairs, coop, quantity=1)).status_code == 201
    assert _count() == 2


# Refusals: the right code, a clear message, nothing written

@pytest.mark.parametrize(("change", "field", "message"), [
    ({"start": "2026-03-09T10:00:00[Mars/Olympus]"}, "start",
     "Unknown time zone; use an IANA name such as Europe/Paris."),
    ({"start": "2026-03-09T10:00:00+05:00[Europe/Paris]"}, "start",
     "The offset does not match the time zone named after it on that date."),
    ({"start": "2026-03-09T10:00:00+25:00"}, "start", NOT_DATETIME),
    ({"start": "lundi prochain"}, "start", NOT_DATETIME),
    ({"start": 1773046800}, "start", NOT_DATETIME),
    ({"start": "0001-01-01T00:00:00+01:00"}, "start", "Must be between the years 2000 and 2200."),
    ({"end": "SWAP"}, "end", "The end must come after the start."),
    ({"quantity": 0}, "quantity", "Must be at least 1."),
    ({"quantity": -1}, "quantity", "Must be at least 1."),
    ({"quantity": "2"}, "quantity", "Must be a whole number."),
    ({"quantity": True}, "quantity", "Must be a whole number."),
    ({"quantity": 2}, "quantity", "Only 1 in stock."),
    ({"resource_id": 999_999}, "resource_id", "Unknown resource."),
    ({"resource_id": 2**40}, "resource_id", "Must be at most 2147483647."),
    ({"structure_id": 999_999}, "structure_id", "Unknown structure."),
    ({"structure_id": None}, "structure_id", "Must be a whole number."),
    ({"title": "x" * (Booking.TITLE_MAX + 1)}, "title", "At most 200 characters."),
    ({"on_conflict": "ignore"}, "on_conflict", "Must be one of: fail, skip."),
    ({"colour": "#ff0000"}, "colour", "Unknown field."),
])
def test_a_wrong_field_is_a_validation_error_and_nothing_is_written(api, member, coop, room, change, field,
                                                                    message):
    body = _body(room, coop)
    if change.get("end") == "SWAP":
        change = {"end": body["start"], "start": body["end"]}
    response = api(member, language="en").post("/api/v1/bookings", json={**body, **change})
    assert _error(response, 422, "validation")["details"]["fields"] == {field: message}
    assert _count() == 0


def test_a_missing_field_is_named_and_nothing_is_written(api, member, coop, room):
    response = api(member, language="en").post("/api/v1/bookings", json={"resource_id": room.id})
    fields = _error(response, 422, "validation")["details"]["fields"]
    assert fields == {"structure_id": "This field is required.", "start": "This field is required.",
                      "end": "This field is required."}
    assert _count() == 0


def test_messages_follow_the_request_language_french_by_default(api, member, room):
    french = api(member).post("/api/v1/bookings", json={"resource_id": room.id})
    english = api(member, language="en").post("/api/v1/bookings", json={"resource_id": room.id})
    with force_locale("fr"):
        expected = gettext("This field is required.")
    assert expected != "This field is required."
    assert _error(french, 422, "validation")["details"]["fields"]["start"] == expected
    assert _error(english, 422, "validation")["details"]["fields"]["start"] == "This field is required."


def test_booking_for_a_structure_one_cannot_see_reads_as_unknown(api, make, coop, room):
    outsider = make.user(structures=[make.structure(name="Régie de quartier")])
    response = api(outsider, language="en").post("/api/v1/bookings", json=_body(room, coop))
    assert _error(response, 422, "validation")["details"]["fields"] == {"structure_id": "Unknown structure."}
    assert _count() == 0


def test_booking_for_a_visible_structure_one_does_not_belong_to_is_forbidden(api, make, coop, room):
    treasurer = make.user(is_treasurer=True)  # sees every structure, belongs to none
    response = api(treasurer, language="en").post("/api/v1/bookings", json=_body(room, coop))
    assert _error(response, 403, "forbidden")["message"] == "You can only book for a structure you belong to."
    assert _count() == 0


@pytest.mark.parametrize(("rrule", "message"), [
    ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31;COUNT=3", "This repetition rule gives no date at all."),
    ("FREQ=DAILY;COUNT=100000", "A series holds at most 200 bookings."),
    ("FREQ=WEEKLY", "Say when the repetition ends, with COUNT or UNTIL."),
    ("every other tuesday", "This repetition rule cannot be read (e.g. FREQ=WEEKLY;COUNT=10)."),
    ("FREQ=HOURLY;COUNT=3", "Repeat daily, weekly, monthly or yearly, without changing the time of day."),
])
def test_an_impossible_enormous_unbounded_or_garbled_rrule_is_refused(api, member, coop, room, rrule,
                                                                       message):
    response = api(member, language="en").post("/api/v1/bookings",
                                               json=_body(room, coop, recurrence={"rrule": rrule}))
    assert _error(response, 422, "validation")["details"]["fields"] == {"recurrence": message}
    assert (_count(), _count(Series)) == (0, 0)


def test_a_recurrence_must_be_an_object_with_an_rrule(api, member, coop, room):
    caller = api(member, language="en")
    as_text = caller.post("/api/v1/bookings", json=_body(room, coop, recurrence="FREQ=WEEKLY;COUNT=2"))
    assert _error(as_text, 422, "validation")["details"]["fields"] == {
        "recurrence": "Must be a set of names and values."}
    empty = caller.post("/api/v1/bookings", json=_body(room, coop, recurrence={}))
    assert _error(empty, 422, "validation")["details"]["fields"] == {
        "recurrence.rrule": "This field is required."}
    assert _count() == 0


@pytest.mark.parametrize(("rules", "start_minute", "hours", "rule"), [
    ({"step_minutes": 30}, 5, 2, "step"),
    ({"max_duration_minutes": 60}, 0, 2, "max_duration"),
    ({"opening_hours": {"tue": [["08:00", "18:00"]]}}, 0, 2, "opening_hours"),
    ({"max_advance_days": 3}, 0, 2, "max_advance"),
])
def test_a_broken_resource_rule_is_a_rule_violation_naming_the_rule(api, make, member, coop, rules,
                                                                     start_minute, hours, rule):
    resource = make.resource(**rules)
    start = monday(minute=start_minute)
    response = api(member, language="en").post(
        "/api/v1/bookings", json=_body(resource, coop, start, start + timedelta(hours=hours)))
    error = _error(response, 422, "rule_violation")
    assert error["details"]["rule"] == rule
    assert error["message"]
    assert _count() == 0


def test_a_booking_in_the_past_is_refused(api, member, coop, room):
    start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    response = api(member).post("/api/v1/bookings", json=_body(room, coop, start))
    assert _error(response, 422, "rule_violation")["details"]["rule"] == "past"
    assert _count() == 0


def test_a_conflict_lists_the_slot_and_names_the_booking_only_to_those_who_may_see_it(api, make, member,
                                                                                       coop, room):
    start = monday()
    first = api(member).post("/api/v1/bookings", json=_body(room, coop, start)).get_json()
    colleague = make.user(structures=[coop])
    outsider_structure = make.structure(name="Régie")
    outsider = make.user(structures=[outsider_structure])
    overlapping = start + timedelta(hours=1)

    seen = _error(api(colleague).post("/api/v1/bookings", json=_body(room, coop, overlapping)), 409,
                  "conflict")
    assert [c["booking_id"] for c in seen["details"]["conflicts"]] == [first["id"]]
    hidden = _error(api(outsider).post("/api/v1/bookings", json=_body(room, outsider_structure, overlapping)),
                    409, "conflict")
    [slot] = hidden["details"]["conflicts"]
    assert "booking_id" not in slot
    assert (slot["start"], slot["end"]) == (start.isoformat(), (start + timedelta(hours=2)).isoformat())
    assert "Assemblée" not in str(hidden) and "Coop" not in str(hidden)
    assert _count() == 1


def test_the_buffer_between_bookings_is_a_conflict(api, make, member, coop):
    room = make.resource(buffer_minutes=30)
    start = monday()
    assert api(member).post("/api/v1/bookings", json=_body(room, coop, start)).status_code == 201
    after = start + timedelta(hours=2, minutes=15)
    response = api(member, language="en").post("/api/v1/bookings", json=_body(room, coop, after))
    assert "30 minutes between bookings" in _error(response, 409, "conflict")["message"]
    assert _count() == 1


def test_an_exceeded_quota_gives_the_rule_window_and_amounts(api, make, member, coop, room):
    admin = make.user(is_admin=True)
    rule = create_quota_rule(db.session, admin, utcnow(), QuotaRuleInput(structure_id=coop.id, unit="hours",
                                                                           window="week", limit=3))
    db.session.commit()
    start = monday()
    caller = api(member, language="en")
    assert caller.post("/api/v1/bookings", json=_body(room, coop, start)).status_code == 201
    response = caller.post("/api/v1/bookings", json=_body(room, coop, start + timedelta(hours=3),
                                                          start + timedelta(hours=4, minutes=30)))
    error = _error(response, 422, "quota_exceeded")
    details = error["details"]
    assert details["rule"]["id"] == rule.id and "3 h per week" in details["rule"]["description"]
    assert details["unit"] == "hours"
    assert (details["used"], details["limit"], details["requested"]) == (2, 3, 1.5)
    week_start = datetime.combine(start.date(), time(), PARIS)
    assert details["window"] == {"start": week_start.isoformat(),
                                 "end": (week_start + timedelta(days=7)).isoformat()}
    assert _count() == 1


def test_an_admin_may_book_beyond_a_quota_with_a_reason(api, make, coop, room):
    admin = make.user(is_admin=True, structures=[coop])
    create_quota_rule(db.session, admin, utcnow(), QuotaRuleInput(structure_id=coop.id, unit="bookings",
                                                                  window="week", limit=0))
    db.session.commit()
    caller = api(admin, language="en")
    assert _error(caller.post("/api/v1/bookings", json=_body(room, coop)), 422, "quota_exceeded")
    no_reason = caller.post("/api/v1/bookings", json=_body(room, coop, override_quota=True))
    assert _error(no_reason, 422, "validation")["details"]["fields"] == {
        "override_reason": "This field is required."}
    forced = caller.post("/api/v1/bookings", json=_body(room, coop, override_quota=True,
                                                        override_reason="AG annuelle"))
    assert forced.status_code == 201
    assert db.session.get(Booking, forced.get_json()["id"]).quota_override_reason == "AG annuelle"


def test_a_member_may_not_override_a_quota(api, member, coop, room):
    response = api(member, language="en").post(
        "/api/v1/bookings", json=_body(room, coop, override_quota=True, override_reason="please"))
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "override_quota": "Only an administrator may book beyond a quota."}
    assert _count() == 0


# Series

def test_a_weekly_series_keeps_its_local_time_and_answers_with_every_booking(api, member, coop, room):
    start = monday()
    response = api(member).post("/api/v1/bookings",
                                json=_body(room, coop, start, recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"}))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["skipped"] == []
    assert body["series_id"] == db.session.scalar(select(Series.id))
    starts = [datetime.fromisoformat(b["start"]) for b in body["bookings"]]
    assert [s.date() for s in starts] == [start.date() + timedelta(weeks=n) for n in range(4)]
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
    assert {b["series_id"] for b in body["bookings"]} == {body["series_id"]}
    assert _count() == 4


def test_skip_books_the_free_dates_and_reports_the_others(api, make, member, coop, room):
    start = monday()
    taken = start + timedelta(weeks=2)
    other = make.structure()
    api(make.user(structures=[other])).post("/api/v1/bookings", json=_body(room, other, taken))
    response = api(member, language="en").post("/api/v1/bookings", json=_body(
        room, coop, start, recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"}, on_conflict="skip"))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert len(body["bookings"]) == 3
    [skipped] = body["skipped"]
    assert (skipped["start"], skipped["reason"]) == (taken.isoformat(), "conflict")
    assert skipped["message"].startswith("This slot is already taken")
    assert _count() == 4


def test_fail_refuses_the_whole_series_when_one_date_is_taken(api, make, member, coop, room):
    start = monday()
    other = make.structure()
    api(make.user(structures=[other])).post("/api/v1/bookings",
                                            json=_body(room, other, start + timedelta(weeks=1)))
    response = api(member).post("/api/v1/bookings", json=_body(
        room, coop, start, recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"}, on_conflict="fail"))
    error = _error(response, 409, "conflict")
    assert error["details"]["occurrence"]["start"] == (start + timedelta(weeks=1)).isoformat()
    assert (_count(), _count(Series)) == (1, 0)


def test_a_series_over_quota_is_refused_whole_with_fail(api, make, member, coop, room):
    admin = make.user(is_admin=True)
    create_quota_rule(db.session, admin, utcnow(), QuotaRuleInput(structure_id=None, unit="bookings",
                                                                  window="month", limit=2))
    db.session.commit()
    response = api(member).post("/api/v1/bookings", json=_body(
        room, coop, monday(), recurrence={"rrule": "FREQ=DAILY;COUNT=3"}))
    assert _error(response, 422, "quota_exceeded")["details"]["limit"] == 2
    assert (_count(), _count(Series)) == (0, 0)


# Reading

def test_people_of_another_structure_neither_get_nor_list_the_booking(api, make, member, coop, room):
    booking = api(member).post("/api/v1/bookings", json=_body(room, coop)).get_json()
    outsider = api(make.user(structures=[make.structure()]))
    assert _error(outsider.get(f"/api/v1/bookings/{booking['id']}"), 404, "not_found")
    assert outsider.get("/api/v1/bookings").get_json()["items"] == []
    colleague = api(make.user(structures=[coop]))
    assert [b["id"] for b in colleague.get("/api/v1/bookings").get_json()["items"]] == [booking["id"]]
    assert [b["id"] for b in api(make.user(is_auditor=True)).get("/api/v1/bookings").get_json()["items"]] == [
        booking["id"]]


def test_the_list_filters_by_resource_structure_status_and_period(api, make, member, coop, room):
    other_room = make.resource()
    caller = api(member)
    monday_morning = caller.post("/api/v1/bookings", json=_body(room, coop)).get_json()
    next_week = caller.post("/api/v1/bookings", json=_body(room, coop, monday(weeks=1))).get_json()
    elsewhere = caller.post("/api/v1/bookings", json=_body(other_room, coop)).get_json()
    caller.post(f"/api/v1/bookings/{next_week['id']}/cancel", json={})

    def ids(query: str) -> list[int]:
        response = caller.get(f"/api/v1/bookings?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(b["id"] for b in response.get_json()["items"])

    assert ids(f"resource_id={room.id}") == [monday_morning["id"], next_week["id"]]
    assert ids(f"structure_id={coop.id}&status=confirmed") == [monday_morning["id"], elsewhere["id"]]
    assert ids("status=cancelled") == [next_week["id"]]
    # an unescaped "+" of the offset reaches the server as a space: it is read back as "+"
    day_start = datetime.combine(monday().date(), time(), PARIS).isoformat()
    day_end = datetime.combine(monday().date() + timedelta(days=1), time(), PARIS).isoformat()
    assert ids(f"start={day_start}&end={day_end}") == [monday_morning["id"], elsewhere["id"]]


def test_the_list_is_paged_with_a_cursor(api, member, coop, room):
    caller = api(member)
    made = [caller.post("/api/v1/bookings", json=_body(room, coop, monday(weeks=n))).get_json()["id"]
            for n in range(3)]
    first = caller.get("/api/v1/bookings?limit=2").get_json()
    second = caller.get(f"/api/v1/bookings?limit=2&cursor={first['next']}").get_json()
    assert [b["id"] for b in first["items"] + second["items"]] == made
    assert second["next"] is None


def test_pages_hold_only_visible_bookings_and_end_without_a_cursor(api, member, coop, room, make):
    other = make.structure()
    outsider = api(make.user(structures=[other]))
    caller = api(member)
    mine = []
    for n in range(4):  # interleaved with bookings the member may not see
        mine.append(caller.post("/api/v1/bookings", json=_body(room, coop, monday(weeks=n))).get_json()["id"])
        theirs = outsider.post("/api/v1/bookings", json=_body(room, other, monday(hour=14, weeks=n)))
        assert theirs.status_code == 201
    first = caller.get("/api/v1/bookings?limit=2").get_json()
    second = caller.get(f"/api/v1/bookings?limit=2&cursor={first['next']}").get_json()
    assert [b["id"] for b in first["items"]] == mine[:2]
    assert [b["id"] for b in second["items"]] == mine[2:]
    assert second["next"] is None  # exactly two left: no empty third page


@pytest.mark.parametrize(("query", "field"), [
    ("status=lost", "status"),
    ("start=yesterday", "start"),
    ("resource_id=abc", "resource_id"),
    ("start=2026-03-09T10:00[Atlantis/Capital]", "start"),
])
def test_a_wrong_filter_is_a_validationapi_error(api, member, query, field):
    response = api(member, language="en").get(f"/api/v1/bookings?{query}")
    assert set(_error(response, 422, "validation")["details"]["fields"]) == {field}


# Changing

def test_moving_a_booking_rechecks_conflicts_and_raises_its_sequence(api, make, member, coop, room):
    caller = api(member)
    start = monday()
    booking = caller.post("/api/v1/bookings", json=_body(room, coop, start)).get_json()
    other = caller.post("/api/v1/bookings", json=_body(room, coop, start + timedelta(hours=4))).get_json()

    later = start + timedelta(hours=2)
    moved = caller.patch(f"/api/v1/bookings/{booking['id']}",
                         json={"start": later.isoformat(), "end": (later + timedelta(hours=1)).isoformat()})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert (moved.get_json()["start"], moved.get_json()["sequence"]) == (later.isoformat(),
                                                                         booking["sequence"] + 1)
    onto_other = caller.patch(f"/api/v1/bookings/{booking['id']}", json={
        "end": (start + timedelta(hours=5)).isoformat()})
    assert [c["booking_id"] for c in _error(onto_other, 409, "conflict")["details"]["conflicts"]] == [
        other["id"]]
    db.session.expire_all()
    assert db.session.get(Booking, booking["id"]).end_at == (later + timedelta(hours=1)).astimezone(UTC)


def test_a_patch_with_wrong_fields_changes_nothing(api, member, coop, room):
    caller = api(member, language="en")
    booking = caller.post("/api/v1/bookings", json=_body(room, coop)).get_json()
    response = caller.patch(f"/api/v1/bookings/{booking['id']}",
                            json={"quantity": "2", "title": "", "resource_id": 3})
    assert _error(response, 422, "validation")["details"]["fields"] == {
        "quantity": "Must be a whole number.", "resource_id": "Unknown field."}
    retitled = caller.patch(f"/api/v1/bookings/{booking['id']}", json={"title": "   "})
    assert _error(retitled, 422, "validation")["details"]["fields"] == {"title": "This field is required."}
    assert caller.get(f"/api/v1/bookings/{booking['id']}").get_json() == booking


def test_people_of_another_structure_cannot_move_a_booking(api, make, member, coop, room):
    booking = api(member).post("/api/v1/bookings", json=_body(room, coop)).get_json()
    outsider = api(make.user(structures=[make.structure()]))
    assert _error(outsider.patch(f"/api/v1/bookings/{booking['id']}", json={"title": "Mine"}), 404,
                  "not_found")
    plain_colleague = api(make.user(structures=[coop]))
    assert _error(plain_colleague.patch(f"/api/v1/bookings/{booking['id']}", json={"title": "Mine"}), 403,
                  "forbidden")
    assert db.session.get(Booking, booking["id"]).title == "Assemblée"


def test_the_openapi_document_describes_the_booking_endpoints_and_both_creation_answers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/bookings", "/api/v1/bookings/{booking_id}", "/api/v1/bookings/{booking_id}/cancel",
            "/api/v1/bookings/{booking_id}/checkout", "/api/v1/resources/{resource_id}/availability",
            "/api/v1/quotas", "/api/v1/structures/{structure_id}/quotas", "/api/v1/closures"} <= set(
        document["paths"])
    created = document["paths"]["/api/v1/bookings"]["post"]["responses"]["201"]["content"]
    assert created["application/json"]["schema"]["oneOf"] == [{"$ref": "#/components/schemas/Booking"},
                                                               {"$ref": "#/components/schemas/BookingSeries"}]
    schemas = document["components"]["schemas"]
    assert schemas["BookingInput"]["required"] == ["end", "resource_id", "start", "structure_id"]
    assert schemas["QuotaStatus"]["properties"]["remaining"]["type"] == ["number", "null"]
