"""Booking e-mails through a real SMTP server (aiosmtpd on the loopback): who gets what, in which language,
with which calendar part; and `tick` reminds once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import render_template_string
from sqlalchemy import event

from mutualise import mail
from mutualise.extensions import db
from mutualise.models import Booking, NetworkSettings
from mutualise.services import booking_actions
from mutualise.services.bookings import BookingInput, create_booking, update_booking
from mutualise.services.errors import BookingConflict

PARIS = ZoneInfo("Europe/Paris")
# `now` is 2026-03-03 09:00 UTC; Monday 9 March 10:00 in Paris is 09:00 UTC.
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)
SENDER = "noreply@mutualise.localhost"


@pytest.fixture
def people(make):
    structure = make.structure(name="Atelier Vélo")
    return {
        "structure": structure,
        "member": make.user(structures=[structure], name="Léa Martin", email="lea@example.org", locale="en"),
        "referent": make.user(name="Karim Haddad", email="karim@example.org", locale="en"),
        "second_referent": make.user(name="Zoé Petit", email="zoe@example.org", locale="en"),
        "admin": make.user(is_admin=True, email="admin@example.org", locale="en"),
    }


def book(people, now, resource, start=MONDAY, hours=1, **extra):
    result = create_booking(db.session, people["member"], now, BookingInput(
        resource_id=resource.id, structure_id=people["structure"].id, start=start,
        end=start + timedelta(hours=hours), **extra))
    db.session.commit()
    return result.bookings


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def calendar_parts(message) -> list:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def invitation(message):
    """The message's iTIP part (its Content-Type header as sent), the calendar it holds and its VEVENT;
    the invite.ics attachment carries the same calendar."""
    parts = calendar_parts(message)
    assert len(parts) == 1
    ics = parts[0].get_payload(decode=True)
    attachments = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
    assert [a.get_payload(decode=True) for a in attachments] == [ics]
    calendar = icalendar.Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return content_type_as_sent(message), calendar, events[0]


def content_type_as_sent(message) -> str:
    """The raw Content-Type line of the text/calendar part (parsing would normalise its quoting)."""
    lines = [line for line in message.as_bytes().decode().splitlines()
             if line.startswith("Content-Type: text/calendar")]
    assert len(lines) == 1
    return lines[0].removeprefix("Content-Type: ")


def test_a_confirmed_booking_mails_the_booker_an_invitation(smtp_server, make, people, now):
    room = make.resource(name="Salle du Peignage")
    booking, = book(people, now, room)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"] == "Booking confirmed: Salle du Peignage, Mar 9, 2026"
    body = text_of(message)
    assert "Monday, March 9, 2026, 10:00\u202fAM–11:00\u202fAM" in body  # the network's clock, not UTC
    assert f"http://127.0.0.1:5000/bookings/{booking.id}" in body
    content_type, calendar, event = invitation(message)
    assert content_type == "text/calendar; method=REQUEST; charset=utf-8"
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"booking-{booking.id}@127.0.0.1"
    assert event.decoded("DTSTART") == MONDAY
    assert event.decoded("DTEND") == MONDAY + timedelta(hours=1)
    assert int(event["SEQUENCE"]) == 0
    assert event["ORGANIZER"] == f"mailto:{SENDER}"
    assert event["ORGANIZER"].params["CN"] == "Mutualise"
    assert event["ATTENDEE"] == "mailto:lea@example.org"
    assert event["ATTENDEE"].params["CN"] == "Léa Martin"


def test_a_cancellation_withdraws_the_invitation_under_the_same_uid_with_a_higher_sequence(
        smtp_server, make, people, now):
    booking, = book(people, now, make.resource())
    _, _, invited = invitation(smtp_server.messages()[0])
    booking_actions.cancel_booking(db.session, people["member"], now, booking.id, reason="Plus besoin")
    db.session.commit()
    assert len(smtp_server.envelopes) == 2
    message = smtp_server.messages()[1]
    assert message["To"] == "lea@example.org"
    assert message["Subject"].startswith("Booking cancelled: ")
    assert "Plus besoin" in text_of(message)
    content_type, calendar, event = invitation(message)
    assert content_type == "text/calendar; method=CANCEL; charset=utf-8"
    assert calendar["METHOD"] == "CANCEL"
    assert event["UID"] == invited["UID"]
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(invited["SEQUENCE"])


def test_a_late_cancellation_by_someone_else_says_who_and_that_a_fee_may_apply(smtp_server, make, people,
                                                                               now):
    booking, = book(people, now, make.resource(cancel_deadline_minutes=7 * 24 * 60))
    booking_actions.cancel_booking(db.session, people["admin"], now, booking.id, reason="Salle inondée")
    db.session.commit()
    body = text_of(smtp_server.messages()[1])
    assert "cancelled your booking" in body and "Salle inondée" in body
    assert "late-cancellation fee may apply" in body


def test_the_mail_is_written_once_the_transaction_has_committed(smtp_server, make, people, now,
                                                                  monkeypatch):
    """What a mail says is read in the transaction and written after the commit: on SQLite the next writer
    does not wait while it is rendered."""
    room = make.resource(name="Salle du Peignage")
    steps = []
    build_message = mail.build_message
    monkeypatch.setattr(mail, "build_message", lambda *args: steps.append("written") or build_message(*args))
    event.listen(db.engine, "commit", committed := lambda connection: steps.append("committed"))
    try:
        book(people, now, room)
    finally:
        event.remove(db.engine, "commit", committed)
    assert steps == ["committed", "written"]
    assert "Salle du Peignage" in smtp_server.messages()[0]["Subject"]


def test_a_booking_awaiting_approval_is_announced_to_each_referent_and_the_booker_told_it_waits(
        smtp_server, make, people, now):
    van = make.resource(kind="vehicle", name="Kangoo", requires_approval=True,
                        referents=[people["referent"], people["second_referent"]])
    booking, = book(people, now, van)
    messages = {message["To"]: message for message in smtp_server.messages()}
    assert sorted(messages) == ["karim@example.org", "lea@example.org", "zoe@example.org"]
    booker_mail = messages.pop("lea@example.org")
    assert booker_mail["Subject"] == "Booking awaiting approval: Kangoo, Mar 9, 2026"
    assert "awaits a referent's approval" in text_of(booker_mail)
    assert calendar_parts(booker_mail) == []  # the invitation comes with the approval
    for message in messages.values():
        assert message["Subject"].startswith("Approval requested: Kangoo")
        body = text_of(message)
        assert "Léa Martin" in body
        assert f"/bookings/{booking.id}" in body
        assert "/bookings/approvals" in body
        assert calendar_parts(message) == []


def test_a_resource_without_referents_asks_the_administrators(smtp_server, make, people, now):
    book(people, now, make.resource(requires_approval=True))
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == ["admin@example.org", "lea@example.org"]


def test_an_approval_sends_the_booker_the_invitation(smtp_server, make, people, now):
    room = make.resource(requires_approval=True, referents=[people["referent"]])
    booking, = book(people, now, room)
    smtp_server.envelopes.clear()
    booking_actions.approve_booking(db.session, people["referent"], now, booking.id)
    db.session.commit()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"].startswith("Booking approved: ")
    content_type, calendar, event = invitation(message)
    assert content_type == "text/calendar; method=REQUEST; charset=utf-8"
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"booking-{booking.id}@127.0.0.1"
    assert event["STATUS"] == "CONFIRMED"


def test_a_rejection_tells_the_booker_why_without_an_invitation(smtp_server, make, people, now):
    room = make.resource(requires_approval=True, referents=[people["referent"]])
    booking, = book(people, now, room)
    smtp_server.envelopes.clear()
    booking_actions.reject_booking(db.session, people["referent"], now, booking.id,
                                   reason="Salle en travaux ce jour-là")
    db.session.commit()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"].startswith("Booking refused: ")
    assert "Salle en travaux ce jour-là" in text_of(message)
    assert calendar_parts(message) == []


def test_a_series_gets_one_mail_listing_every_date(smtp_server, make, people, now):
    bookings = book(people, now, make.resource(), rrule="FREQ=WEEKLY;COUNT=4")
    assert len(bookings) == 4
    assert len(smtp_server.envelopes) == 1
    body = text_of(smtp_server.messages()[0])
    for day in ("March 9", "March 16", "March 23", "March 30"):  # 10:00 in Paris across the DST change
        assert f"Monday, {day}, 2026, 10:00\u202fAM–11:00\u202fAM" in body
    assert calendar_parts(smtp_server.messages()[0]) == []


def test_cancelling_a_whole_series_sends_one_mail(smtp_server, make, people, now):
    bookings = book(people, now, make.resource(), rrule="FREQ=WEEKLY;COUNT=3")
    smtp_server.envelopes.clear()
    booking_actions.cancel_booking(db.session, people["member"], now, bookings[1].id, scope="all")
    db.session.commit()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    assert text_of(smtp_server.messages()[0]).count("Monday, March") == 3


def test_a_refused_booking_sends_nothing(smtp_server, make, people, now):
    room = make.resource()
    book(people, now, room)
    smtp_server.envelopes.clear()
    with pytest.raises(BookingConflict):
        book(people, now, room, start=MONDAY + timedelta(minutes=30))
    db.session.rollback()
    db.session.commit()  # a later commit must not send what the rollback dropped
    assert smtp_server.envelopes == []
    assert db.session.query(Booking).count() == 1


def test_each_recipient_reads_the_mail_in_their_own_language(smtp_server, make, people, now):
    db.session.add(NetworkSettings(id=1, default_locale="fr"))
    people["member"].locale = None  # follows the network's language
    db.session.commit()
    book(people, now, make.resource())
    message = smtp_server.messages()[0]
    assert "lundi 9 mars 2026, 10:00–11:00" in text_of(message)
    assert "9 mars 2026" in message["Subject"]
    assert "Monday" not in text_of(message)


def test_mails_in_two_languages_keep_their_own_words_and_leave_the_pages_alone(app, smtp_server, make,
                                                                                people, now):
    # each language's mail templates have their own catalogue: neither may leak into the other, nor into
    # the pages' templates, which follow the request's language
    db.session.add(NetworkSettings(id=1, default_locale="fr"))
    people["member"].locale = None
    db.session.commit()
    resource = make.resource()
    book(people, now, resource)
    people["member"].locale = "en"
    db.session.commit()
    book(people, now, resource, start=MONDAY + timedelta(days=1))
    french, english = smtp_server.messages()
    assert text_of(french).startswith("Bonjour Léa Martin,")
    assert text_of(english).startswith("Hello Léa Martin,")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string('{{ _("Hello %(name)s,", name="Léa") }}') == "Hello Léa,"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string('{{ _("Hello %(name)s,", name="Léa") }}') == "Bonjour Léa,"


# Reminders, from the command line as cron runs them

def test_tick_reminds_each_booking_once(app, smtp_server, make, people):
    real_now = datetime.now(UTC).replace(second=0, microsecond=0)
    soon = real_now.replace(minute=0) + timedelta(hours=4)
    booked_earlier = real_now - timedelta(days=3)
    room = make.resource()
    reminded, = book(people, booked_earlier, room, start=soon)
    later, = book(people, booked_earlier, room, start=soon + timedelta(days=2))
    smtp_server.envelopes.clear()

    first = app.test_cli_runner().invoke(args=["tick"])
    assert first.exit_code == 0, first.output
    assert "1 reminder(s) sent." in first.output
    second = app.test_cli_runner().invoke(args=["tick"])
    assert "0 reminder(s) sent." in second.output

    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"].startswith("Reminder: ")
    assert f"/bookings/{reminded.id}" in text_of(message)
    db.session.expire_all()
    assert db.session.get(Booking, reminded.id).reminder_sent_at is not None
    assert db.session.get(Booking, later.id).reminder_sent_at is None


def test_a_booking_confirmed_shortly_before_its_start_gets_no_separate_reminder(app, smtp_server, make,
                                                                                people):
    real_now = datetime.now(UTC).replace(second=0, microsecond=0)
    book(people, real_now, make.resource(), start=real_now.replace(minute=0) + timedelta(hours=4))
    assert len(smtp_server.envelopes) == 1  # the confirmation
    result = app.test_cli_runner().invoke(args=["tick"])
    assert "0 reminder(s) sent." in result.output
    assert len(smtp_server.envelopes) == 1


# Changes and withdrawals

def move(people, now, booking, start, actor="member"):
    moved = update_booking(db.session, people[actor], now, booking.id,
                           BookingInput(start=start, end=start + timedelta(hours=1)))
    db.session.commit()
    return moved


def test_moving_a_confirmed_booking_sends_the_updated_invitation(smtp_server, make, people, now):
    booking, = book(people, now, make.resource(name="Salle du Peignage"))
    _, _, invited = invitation(smtp_server.messages()[0])
    smtp_server.envelopes.clear()
    move(people, now, booking, MONDAY + timedelta(hours=3))
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"] == "Booking changed: Salle du Peignage, Mar 9, 2026"
    assert "1:00\u202fPM–2:00\u202fPM" in text_of(message)
    content_type, _, event = invitation(message)
    assert content_type == "text/calendar; method=REQUEST; charset=utf-8"
    assert event["UID"] == invited["UID"]
    assert event.decoded("DTSTART") == MONDAY + timedelta(hours=3)
    assert int(event["SEQUENCE"]) > int(invited["SEQUENCE"])


def test_a_change_that_needs_approval_again_withdraws_the_invitation_until_approved(smtp_server, make,
                                                                                   people, now):
    room = make.resource(requires_approval=True, referents=[people["referent"]])
    booking, = book(people, now, room)
    booking_actions.approve_booking(db.session, people["referent"], now, booking.id)
    db.session.commit()
    _, _, approved = invitation(smtp_server.messages()[-1])
    smtp_server.envelopes.clear()

    move(people, now, booking, MONDAY + timedelta(days=1))
    messages = {message["To"]: message for message in smtp_server.messages()}
    assert sorted(messages) == ["karim@example.org", "lea@example.org"]
    assert messages["karim@example.org"]["Subject"] == f"Approval requested: {room.name}, Mar 10, 2026"
    to_booker = messages["lea@example.org"]
    assert to_booker["Subject"].startswith("Booking awaiting approval: ")
    assert "awaits a referent's approval again" in text_of(to_booker)
    content_type, _, withdrawn = invitation(to_booker)
    assert content_type == "text/calendar; method=CANCEL; charset=utf-8"
    assert withdrawn["STATUS"] == "CANCELLED"
    assert int(withdrawn["SEQUENCE"]) > int(approved["SEQUENCE"])

    smtp_server.envelopes.clear()
    booking_actions.approve_booking(db.session, people["referent"], now, booking.id)
    db.session.commit()
    _, _, again = invitation(smtp_server.messages()[0])
    assert again["STATUS"] == "CONFIRMED"
    assert int(again["SEQUENCE"]) > int(withdrawn["SEQUENCE"])  # supersedes the CANCEL


def test_cancelling_a_request_tells_the_referents_they_need_not_decide(smtp_server, make, people, now):
    room = make.resource(requires_approval=True, referents=[people["referent"]])
    booking, = book(people, now, room)
    smtp_server.envelopes.clear()
    booking_actions.cancel_booking(db.session, people["member"], now, booking.id)
    db.session.commit()
    messages = {message["To"]: message for message in smtp_server.messages()}
    assert sorted(messages) == ["karim@example.org", "lea@example.org"]
    assert messages["karim@example.org"]["Subject"].startswith("No longer awaiting approval: ")
    assert "Léa Martin's request" in text_of(messages["karim@example.org"])
    assert messages["lea@example.org"]["Subject"].startswith("Booking cancelled: ")


def test_cancelling_a_confirmed_booking_does_not_write_to_the_referents(smtp_server, make, people, now):
    booking, = book(people, now, make.resource(referents=[people["referent"]]))
    smtp_server.envelopes.clear()
    booking_actions.cancel_booking(db.session, people["member"], now, booking.id)
    db.session.commit()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea@example.org"]]


def test_a_refused_change_sends_nothing(smtp_server, make, people, now):
    room = make.resource()
    first, = book(people, now, room)
    book(people, now, room, start=MONDAY + timedelta(hours=2))
    smtp_server.envelopes.clear()
    with pytest.raises(BookingConflict):
        move(people, now, first, MONDAY + timedelta(hours=2))
    db.session.rollback()
    db.session.commit()
    assert smtp_server.envelopes == []
