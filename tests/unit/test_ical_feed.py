"""Specification of the calendar files: feeds, free/busy and invitations as three parsers read them
(icalendar, vobject with validation, and ical.js, the parser of Thunderbird, through tests/js/parse.mjs)."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ical_readers import parsed, with_icalendar, with_icaljs

from mutualise.domain.ical_feed import (
    FeedCalendar,
    FeedEvent,
    render_feed,
    render_freebusy,
    render_invitation,
)
from mutualise.domain.recurrence import expand

PARIS = ZoneInfo("Europe/Paris")
STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
CALENDAR = FeedCalendar(name="Salle Jaurès", timezone="Europe/Paris", refresh_minutes=30, colour="#ff0000")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def event(number: int = 1, **overrides) -> FeedEvent:
    values = dict(
        uid=f"booking-{number}@mutualise.test",
        start=paris(2026, 3, 10, 10).astimezone(UTC) + timedelta(days=number),
        end=paris(2026, 3, 10, 11).astimezone(UTC) + timedelta(days=number),
        summary=f"Réunion {number}",
        status="CONFIRMED",
        sequence=0,
        created=datetime(2026, 2, 1, 8, tzinfo=UTC),
        last_modified=datetime(2026, 2, 2, 9, tzinfo=UTC),
        location="Salle Jaurès, 1er étage",
    )
    values.update(overrides)
    return FeedEvent(**values)


def content_lines(data: bytes) -> list[str]:
    """Unfolded content lines."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_feed_with_events_is_read_by_icalendar_vobject_and_icaljs():
    events = [event(1), event(2, status="TENTATIVE", description="Approbation attendue"), event(3)]
    cal, vcal, js = parsed(render_feed(CALENDAR, events, STAMP))

    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [e.uid for e in events]
    assert [e.uid.value for e in vcal.vevent_list] == [e.uid for e in events]
    assert js["event_count"] == 3
    assert js["uids"] == [e.uid for e in events]
    assert js["summaries"] == ["Réunion 1", "Réunion 2", "Réunion 3"]
    assert js["starts"] == [utc_iso(e.start) for e in events]
    assert js["events"][0]["location"] == "Salle Jaurès, 1er étage"
    assert js["events"][1]["status"] == "TENTATIVE"
    assert js["method"] == "PUBLISH" and js["name"] == "Salle Jaurès"


def test_empty_feed_is_still_a_valid_calendar_with_its_time_zone():
    data = render_feed(CALENDAR, [], STAMP)
    cal, vcal, js = parsed(data)
    assert js["event_count"] == 0 and js["timezones"] == ["Europe/Paris"]
    assert list(cal.walk("VEVENT")) == []
    assert vcal.x_wr_calname.value == "Salle Jaurès"


def test_calendar_properties_of_a_subscribed_feed():
    lines = content_lines(render_feed(CALENDAR, [event()], STAMP))
    assert lines[:5] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mutualise//Mutualise//FR",
                         "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for expected in ("NAME:Salle Jaurès", "X-WR-CALNAME:Salle Jaurès", "X-WR-TIMEZONE:Europe/Paris",
                     "REFRESH-INTERVAL;VALUE=DURATION:PT30M", "X-PUBLISHED-TTL:PT30M", "COLOR:red"):
        assert expected in lines
    assert lines[-1] == "END:VCALENDAR"


def test_no_colour_line_without_a_colour():
    plain = FeedCalendar(name="Tout le réseau", timezone="Europe/Paris")
    assert not any(line.startswith("COLOR") for line in content_lines(render_feed(plain, [], STAMP)))


def test_every_event_has_the_required_properties_with_utc_stamps():
    cal = with_icalendar(render_feed(CALENDAR, [event(1), event(2)], STAMP))
    for vevent in cal.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS", "SEQUENCE", "CREATED",
                     "LAST-MODIFIED"):
            assert name in vevent, name
        assert vevent["DTSTAMP"].dt == STAMP
        assert vevent["CREATED"].dt == datetime(2026, 2, 1, 8, tzinfo=UTC)
        assert vevent["LAST-MODIFIED"].dt == datetime(2026, 2, 2, 9, tzinfo=UTC)
    lines = content_lines(render_feed(CALENDAR, [event(1)], STAMP))
    assert "DTSTAMP:20260301T120000Z" in lines and "CREATED:20260201T080000Z" in lines


def test_times_carry_the_network_zone_and_its_vtimezone_never_float():
    lines = content_lines(render_feed(CALENDAR, [event(1)], STAMP))
    assert "DTSTART;TZID=Europe/Paris:20260311T100000" in lines
    assert "DTEND;TZID=Europe/Paris:20260311T110000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Paris" in lines


def test_weekly_series_keeps_ten_oclock_local_across_both_dst_changes():
    # Sundays at 10:00 Paris from 15 March to 8 November 2026: across 29 March and 25 October
    occurrences = expand("FREQ=WEEKLY;COUNT=35", paris(2026, 3, 15, 10), paris(2026, 3, 15, 11), PARIS)
    events = [event(i, start=s, end=e) for i, (s, e) in enumerate(occurrences)]
    data = render_feed(CALENDAR, events, STAMP)
    cal, vcal, js = parsed(data)

    starts = [line for line in content_lines(data) if line.startswith("DTSTART;")]
    assert len(starts) == 35 and all(line.endswith("T100000") for line in starts)
    assert [e["local_start"][11:] for e in js["events"]] == ["10:00:00"] * 35
    assert js["starts"] == [utc_iso(s) for s, _ in occurrences]
    # before 29 March and after 25 October 10:00 is 09:00 UTC; in between, 08:00 UTC
    assert js["starts"][0] == "2026-03-15T09:00:00.000Z"
    assert js["starts"][2] == "2026-03-29T08:00:00.000Z"
    assert js["starts"][31] == "2026-10-18T08:00:00.000Z"
    assert js["starts"][32] == "2026-10-25T09:00:00.000Z"
    assert [v["DTSTART"].dt.astimezone(UTC) for v in cal.walk("VEVENT")] == [s for s, _ in occurrences]
    assert {v.dtstart.value.astimezone(PARIS).hour for v in vcal.vevent_list} == {10}


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney", "Pacific/Chatham",
                                  "UTC"])
def test_icaljs_reads_the_same_instants_through_the_vtimezone(zone):
    # every 17 hours over two years: every hour of the day comes round, on both sides of every change
    first = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    instants = [first + timedelta(hours=17 * i) for i in range(1031)]
    events = [event(i, start=t, end=t + timedelta(minutes=30)) for i, t in enumerate(instants)]
    calendar = FeedCalendar(name="Zones", timezone=zone)
    js = with_icaljs(render_feed(calendar, events, STAMP))
    assert js["starts"] == [utc_iso(t) for t in instants]


def test_daylight_onset_is_written_in_the_time_before_the_change():
    # RFC 5545: an observance starts at a local time read with TZOFFSETFROM, 02:00 in Paris in March;
    # 03:30 CEST on 29 March 2026 is 01:30 UTC, an hour a shifted onset would get wrong
    early = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    data = render_feed(CALENDAR, [event(1, start=early, end=early + timedelta(hours=1))], STAMP)
    text = data.decode()
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20250330T020000\r\n" in text
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" in text
    assert "DTSTART;TZID=Europe/Paris:20260329T033000" in text
    assert with_icaljs(data)["starts"] == ["2026-03-29T01:30:00.000Z"]


def test_a_time_in_the_repeated_hour_is_written_in_utc_so_every_client_reads_the_same_instant():
    # 02:30 occurs twice in Paris on 25 October 2026; ical.js would read the second one
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    data = render_feed(CALENDAR, [event(1, start=first, end=second), event(2, start=second,
                                                                          end=second + timedelta(hours=2))],
                       STAMP)
    lines = content_lines(data)
    assert "DTSTART:20261025T003000Z" in lines and "DTEND:20261025T013000Z" in lines
    assert "DTSTART:20261025T013000Z" in lines and "DTEND;TZID=Europe/Paris:20261025T043000" in lines
    cal, _, js = parsed(data)
    assert js["starts"] == [utc_iso(first), utc_iso(second)]
    assert [v["DTSTART"].dt for v in cal.walk("VEVENT")] == [first, second]


def test_summary_with_commas_semicolons_backslashes_and_newlines_comes_back_unchanged():
    summary = "Salle 1, étage 2; clé \\ badge\nSecond line, too"
    data = render_feed(CALENDAR, [event(1, summary=summary, description=summary)], STAMP)
    assert "SUMMARY:Salle 1\\, étage 2\\; clé \\\\ badge\\nSecond line\\, too" in content_lines(data)
    cal, vcal, js = parsed(data)
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == summary
    assert vcal.vevent.summary.value == summary
    assert js["summaries"] == [summary]
    assert js["events"][0]["description"] == summary


def test_long_french_summary_folds_at_75_octets_without_breaking_a_character():
    summary = "Réunion du conseil coopératif, salle Jaurès é " * 12 + "é"
    data = render_feed(CALENDAR, [event(1, summary=summary)], STAMP)
    physical = data.split(b"\r\n")
    assert physical[-1] == b""
    assert max(len(line) for line in physical) == 75
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a character was cut in two
    folded = [line for line in physical if line.startswith(b" ")]
    assert len(folded) >= 8
    cal, vcal, js = parsed(data)
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == summary
    assert vcal.vevent.summary.value == summary
    assert js["summaries"] == [summary]


def test_every_line_ends_with_crlf():
    data = render_feed(CALENDAR, [event(1, summary="a\nb")], STAMP)
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"\r\r" not in data


def test_cancelled_event_in_a_feed_shows_status_cancelled_and_its_sequence():
    data = render_feed(CALENDAR, [event(1, status="CANCELLED", sequence=3)], STAMP)
    assert "STATUS:CANCELLED" in content_lines(data) and "SEQUENCE:3" in content_lines(data)
    cal, vcal, js = parsed(data)
    assert js["events"][0]["status"] == "CANCELLED" and js["events"][0]["sequence"] == 3
    assert cal.walk("VEVENT")[0]["SEQUENCE"] == 3
    assert vcal.vevent.status.value == "CANCELLED"


def test_freebusy_lists_merged_busy_periods_in_utc():
    start, end = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
    hour = timedelta(hours=1)
    busy = [
        (paris(2026, 3, 3, 10), paris(2026, 3, 3, 12)),
        (paris(2026, 3, 3, 11), paris(2026, 3, 3, 13)),  # overlaps the first
        (paris(2026, 3, 3, 13), paris(2026, 3, 3, 14)),  # touches it
        (paris(2026, 3, 5, 9), paris(2026, 3, 5, 10)),
        (start - hour, start + hour),  # clipped to the window
        (end + hour, end + 2 * hour),  # outside
    ]
    data = render_freebusy(CALENDAR, busy, start, end, STAMP, "freebusy-7@mutualise.test")
    lines = content_lines(data)
    assert "METHOD:PUBLISH" in lines
    assert [line for line in lines if line.startswith("FREEBUSY")] == [
        "FREEBUSY;FBTYPE=BUSY:20260302T000000Z/20260302T010000Z",
        "FREEBUSY;FBTYPE=BUSY:20260303T090000Z/20260303T130000Z",
        "FREEBUSY;FBTYPE=BUSY:20260305T080000Z/20260305T090000Z",
    ]
    cal, vcal, js = parsed(data)
    fb = cal.walk("VFREEBUSY")[0]
    assert (fb["DTSTART"].dt, fb["DTEND"].dt, fb["DTSTAMP"].dt) == (start, end, STAMP)
    assert str(fb["UID"]) == "freebusy-7@mutualise.test"
    assert vcal.vfreebusy.uid.value == "freebusy-7@mutualise.test"
    assert js["freebusy"] == [{
        "uid": "freebusy-7@mutualise.test", "start": utc_iso(start), "end": utc_iso(end),
        "busy": [[utc_iso(s), utc_iso(e)] for s, e in
                 [(start, start + hour), (paris(2026, 3, 3, 10), paris(2026, 3, 3, 14)),
                  (paris(2026, 3, 5, 9), paris(2026, 3, 5, 10))]],
    }]


def test_freebusy_with_no_busy_period_is_valid():
    data = render_freebusy(CALENDAR, [], STAMP, STAMP + timedelta(days=7), STAMP, "fb@mutualise.test")
    assert parsed(data)[2]["freebusy"][0]["busy"] == []


def test_request_invitation_names_organizer_and_attendees():
    booking = event(4, sequence=1)
    attendees = [("Camille Martin", "camille@asso.test"), ("Dupont, Jean", "jean@scic.test")]
    data = render_invitation("REQUEST", CALENDAR, booking, ("Réseau Mutualise", "noreply@mutualise.test"),
                             attendees, STAMP)
    lines = content_lines(data)
    assert "METHOD:REQUEST" in lines
    assert "ORGANIZER;CN=Réseau Mutualise:mailto:noreply@mutualise.test" in lines
    assert ("ATTENDEE;CN=Camille Martin;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
            "mailto:camille@asso.test") in lines
    assert any(line.startswith('ATTENDEE;CN="Dupont, Jean";') for line in lines)
    cal, vcal, js = parsed(data)
    (found,) = js["events"]
    assert found["uid"] == booking.uid and found["status"] == "CONFIRMED" and found["sequence"] == 1
    assert found["organizer"] == "mailto:noreply@mutualise.test"
    assert found["attendees"] == [
        {"address": "mailto:camille@asso.test", "cn": "Camille Martin", "partstat": "NEEDS-ACTION"},
        {"address": "mailto:jean@scic.test", "cn": "Dupont, Jean", "partstat": "NEEDS-ACTION"},
    ]
    assert str(cal.walk("VEVENT")[0]["ORGANIZER"]) == "mailto:noreply@mutualise.test"
    assert vcal.method.value == "REQUEST"


def test_cancel_invitation_keeps_the_uid_with_status_cancelled_and_the_raised_sequence():
    booking = event(4, sequence=2)  # the service raised it from 1 when cancelling
    data = render_invitation("CANCEL", CALENDAR, booking, ("Réseau", "noreply@mutualise.test"),
                             [("Camille Martin", "camille@asso.test")], STAMP)
    lines = content_lines(data)
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "SEQUENCE:2" in lines
    assert not any("PARTSTAT" in line for line in lines)
    cal, vcal, js = parsed(data)
    assert js["method"] == "CANCEL"
    assert js["uids"] == [booking.uid]
    assert js["events"][0]["status"] == "CANCELLED" and js["events"][0]["sequence"] == 2
    assert cal.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("call", [
    lambda: render_feed(CALENDAR, [event(1, start=datetime(2026, 3, 1, 10))], STAMP),  # noqa: DTZ001
    lambda: render_feed(CALENDAR, [event(1, status="BOOKED")], STAMP),
    lambda: render_feed(FeedCalendar(name="x", timezone="Mars/Olympus"), [], STAMP),
    lambda: render_feed(FeedCalendar(name="x", timezone="Europe/Paris", refresh_minutes=0), [], STAMP),
    lambda: render_invitation("PUBLISH", CALENDAR, event(1), ("a", "a@b.test"), [], STAMP),
    lambda: render_freebusy(CALENDAR, [], STAMP, STAMP, STAMP, "fb"),
])
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_a_feed_of_many_events_stays_parseable_and_ordered():
    events = [event(i) for i in range(300)]
    js = with_icaljs(render_feed(CALENDAR, events, STAMP))
    assert js["uids"] == [e.uid for e in events]
    assert re.fullmatch(r"booking-299@mutualise\.test", js["uids"][-1])
