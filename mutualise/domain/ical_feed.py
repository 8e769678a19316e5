"""iCalendar (RFC 5545, RFC 7986) for feeds, free/busy and e-mail invitations; pure Python.

Callers (services/feeds.py, services/booking_mail.py) rely on these names. Every local time is written
with TZID=<network zone> and that zone's VTIMEZONE is in the file (never a floating time), except a time
in the hour repeated when clocks go back, written in UTC (see ical_text.zoned_property); stamps (DTSTAMP,
CREATED, LAST-MODIFIED) and free/busy periods are in UTC. The text layer (escaping, folding)
is in ical_text, the VTIMEZONE in ical_timezone, the COLOR names in ical_colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mutualise.domain.ical_colour import css3_name
from mutualise.domain.ical_text import (
    escape_text,
    minutes_duration,
    param_value,
    serialise,
    utc_stamp,
    zoned_property,
)
from mutualise.domain.ical_timezone import vtimezone_lines, zone_info

EVENT_STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})
INVITATION_METHODS = frozenset({"REQUEST", "CANCEL"})


@dataclass(frozen=True)
class FeedEvent:
    """One booking as a calendar event. Datetimes are aware (UTC). `uid` is stable across edits
    ("booking-<id>@<host>"); `sequence` rises when time or place change; status is "CONFIRMED",
    "TENTATIVE" (pending) or "CANCELLED"."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    status: str
    sequence: int
    created: datetime
    last_modified: datetime
    location: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class FeedCalendar:
    """The calendar around the events: its name (NAME and X-WR-CALNAME), the network's time zone (IANA
    name; events are written with its TZID and its VTIMEZONE is in the file), how often clients should
    refresh (REFRESH-INTERVAL;VALUE=DURATION and X-PUBLISHED-TTL), its colour (CSS3 name or #rrggbb,
    COLOR), and PRODID."""

    name: str
    timezone: str
    refresh_minutes: int = 60
    colour: str | None = None
    product_id: str = "-//Mutualise//Mutualise//FR"


def _header(calendar: FeedCalendar, method: str) -> list[str]:
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{escape_text(calendar.product_id)}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]


def _published(calendar: FeedCalendar) -> list[str]:
    """What a subscribed calendar shows and how often it is fetched again (RFC 7986 and the X- names
    Apple, Google and Outlook read)."""
    name = escape_text(calendar.name)
    refresh = minutes_duration(calendar.refresh_minutes)
    lines = [
        f"NAME:{name}",
        f"X-WR-CALNAME:{name}",
        f"X-WR-TIMEZONE:{calendar.timezone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    colour = css3_name(calendar.colour)
    if colour is not None:
        lines.append(f"COLOR:{colour}")
    return lines


def _timezone(calendar: FeedCalendar, events: list[FeedEvent], stamp: datetime) -> list[str]:
    """The VTIMEZONE, exact over every year an event touches (and the stamp's year, so that an empty
    feed still defines its X-WR-TIMEZONE)."""
    zone = zone_info(calendar.timezone)
    first = last = stamp.astimezone(zone).year
    if events:
        first = min(first, min(event.start for event in events).astimezone(zone).year)
        last = max(last, max(event.end for event in events).astimezone(zone).year)
    return list(vtimezone_lines(calendar.timezone, first - 1, last + 1))


def _event_lines(event: FeedEvent, tzid: str, zone: ZoneInfo, dtstamp: str, status: str | None = None,
                 sequence: int | None = None) -> list[str]:
    status = status or event.status
    if status not in EVENT_STATUSES:
        raise ValueError(f"event status must be one of {sorted(EVENT_STATUSES)}, not {status!r}")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{dtstamp}",
        zoned_property("DTSTART", event.start, tzid, zone),
        zoned_property("DTEND", event.end, tzid, zone),
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{status}",
        f"SEQUENCE:{event.sequence if sequence is None else sequence}",
        f"CREATED:{utc_stamp(event.created)}",
        f"LAST-MODIFIED:{utc_stamp(event.last_modified)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.url:
        lines.append("URL:" + "".join(event.url.split()))  # a URI holds no white space
    # a cancelled booking no longer blocks anyone's time
    lines.append("TRANSP:TRANSPARENT" if status == "CANCELLED" else "TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return lines


def render_feed(calendar: FeedCalendar, events: list[FeedEvent], stamp: datetime) -> bytes:
    """A VCALENDAR with METHOD:PUBLISH holding every event (DTSTAMP = `stamp`), UTF-8, CRLF, lines folded
    at 75 octets without splitting a character. An empty list is still a valid calendar."""
    zone = zone_info(calendar.timezone)
    tzid = calendar.timezone
    dtstamp = utc_stamp(stamp)
    lines = _header(calendar, "PUBLISH")
    lines += _published(calendar)
    lines += _timezone(calendar, events, stamp)
    for event in events:
        lines += _event_lines(event, tzid, zone, dtstamp)
    lines.append("END:VCALENDAR")
    return serialise(lines)


def merge_periods(busy: list[tuple[datetime, datetime]], start: datetime,
                  end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy periods clipped to [start, end), sorted, overlapping or touching ones merged; empty dropped."""
    clipped = sorted((max(s, start), min(e, end)) for s, e in busy if min(e, end) > max(s, start))
    merged: list[tuple[datetime, datetime]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def render_freebusy(calendar: FeedCalendar, busy: list[tuple[datetime, datetime]], start: datetime,
                    end: datetime, stamp: datetime, uid: str) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) with one VFREEBUSY over [start, end) listing the busy periods in UTC
    (FREEBUSY;FBTYPE=BUSY, one period per line, clipped to the window, overlapping ones merged)."""
    if end <= start:
        raise ValueError("the free/busy window must end after it starts")
    lines = _header(calendar, "PUBLISH")
    lines += _published(calendar)
    lines += [
        "BEGIN:VFREEBUSY",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(start)}",
        f"DTEND:{utc_stamp(end)}",
    ]
    for s, e in merge_periods(busy, start.astimezone(UTC), end.astimezone(UTC)):
        lines.append(f"FREEBUSY;FBTYPE=BUSY:{utc_stamp(s)}/{utc_stamp(e)}")
    lines += ["END:VFREEBUSY", "END:VCALENDAR"]
    return serialise(lines)


def _address(prop: str, name: str, email: str, params: str = "") -> str:
    return f"{prop};CN={param_value(name)}{params}:mailto:{email.strip()}"


def render_invitation(method: str, calendar: FeedCalendar, event: FeedEvent, organizer: tuple[str, str],
                      attendees: list[tuple[str, str]], stamp: datetime) -> bytes:
    """An iTIP message for e-mail (RFC 5546): `method` "REQUEST" (booking confirmed) or "CANCEL" (same UID,
    SEQUENCE raised, STATUS:CANCELLED); ORGANIZER and ATTENDEE as (name, e-mail)."""
    if method not in INVITATION_METHODS:
        raise ValueError(f"method must be one of {sorted(INVITATION_METHODS)}, not {method!r}")
    zone = zone_info(calendar.timezone)
    lines = _header(calendar, method)
    lines += _timezone(calendar, [event], stamp)
    body = _event_lines(event, calendar.timezone, zone, utc_stamp(stamp),
                        status="CANCELLED" if method == "CANCEL" else None)
    # the booking is already decided: attendees are told, not asked (RSVP=FALSE)
    attendee_params = ";ROLE=REQ-PARTICIPANT"
    if method == "REQUEST":
        attendee_params += ";PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
    people = [_address("ORGANIZER", *organizer)]
    people += [_address("ATTENDEE", name, email, attendee_params) for name, email in attendees]
    lines += body[:-1] + people + body[-1:]
    lines.append("END:VCALENDAR")
    return serialise(lines)
