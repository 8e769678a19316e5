"""E-mails about bookings, each in its recipient's language and queued for after the commit (mail.py), so
a refused or rolled-back change sends nothing.

- confirmed: to the booker, with a calendar invitation (iTIP REQUEST, UID booking-<id>@<host>);
- cancelled: to the booker, with the invitation withdrawn (CANCEL, same UID, SEQUENCE raised);
- approval requested: to the resource's referents (its administrators when it has none), and the booker
  told the booking awaits their decision (no invitation until it is approved);
- approval withdrawn: to the referents, when a booking awaiting their decision is cancelled;
- changed (new time or title): to the booker, with the updated REQUEST; a change that needs approval again
  tells the referents, and withdraws (CANCEL) the invitation already in the booker's calendar;
- approved (with the REQUEST) and rejected (with the reason): to the booker;
- reminder: to the booker before the start, once (`send_reminders`, run by `flask mutualise tick`).

A series made or cancelled in one go gets one mail listing its dates, without an invitation: iTIP carries
one UID per message, and each occurrence is its own event (booking-<id>) in the calendar feeds, which are
the way to get a whole series into a calendar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualise import mail
from mutualise.domain.ical_feed import FeedCalendar, FeedEvent, render_invitation
from mutualise.models import Booking, BookingStatus, User
from mutualise.services.calendar_ids import booking_uid
from mutualise.services.settings import get_settings

MAX_LISTED_DATES = 20  # a longer series is listed up to there, then counted
_ICAL_STATUS = {BookingStatus.CONFIRMED.value: "CONFIRMED", BookingStatus.PENDING.value: "TENTATIVE",
                BookingStatus.CANCELLED.value: "CANCELLED", BookingStatus.REJECTED.value: "CANCELLED"}


def reminder_window() -> timedelta:
    return timedelta(hours=current_app.config["REMINDER_HOURS"])


# The mails

def bookings_made(session: Session, bookings: Sequence[Booking]) -> None:
    """After create_booking: confirmed bookings to their booker, pending ones to the referents; one mail
    for a whole series."""
    if not bookings:
        return
    first = bookings[0]
    if first.status == BookingStatus.PENDING.value:
        approval_requested(session, first, series=bookings)
        _to_booker(session, first, list(bookings), "booking_pending", None)
    elif first.status == BookingStatus.CONFIRMED.value:
        booking_confirmed(session, first, series=bookings)


def booking_confirmed(session: Session, booking: Booking, *, series: Sequence[Booking] = ()) -> None:
    """To the booker: the booking is confirmed, with its invitation (METHOD:REQUEST). `series`: every
    occurrence made together (booking first); more than one gives a list of dates and no invitation.

    A booking confirmed less than the reminder window before its start counts as reminded: this mail
    already says it is coming."""
    occurrences = list(series) or [booking]
    calendar = None if len(occurrences) > 1 else _invitation(session, booking, "REQUEST")
    _skip_reminder_if_close(occurrences)
    _to_booker(session, booking, occurrences, "booking_confirmed", calendar)


def booking_cancelled(session: Session, booking: Booking, *, series: Sequence[Booking] = (),
                      was_pending: bool = False) -> None:
    """To the booker: the booking (or the listed occurrences of its series) is cancelled; one booking
    carries METHOD:CANCEL with its UID and raised SEQUENCE, which removes it from the calendar. When it
    was awaiting approval, its deciders learn they need not decide."""
    occurrences = list(series) or [booking]
    if was_pending:
        for decider in _deciders(session, booking):
            _queue(session, decider, booking, occurrences, "approval_withdrawn", None,
                   booker=booking.user.name)
    calendar = None if len(occurrences) > 1 else _invitation(session, booking, "CANCEL")
    canceller = session.get(User, booking.cancelled_by_id) if booking.cancelled_by_id else None
    _to_booker(session, booking, occurrences, "booking_cancelled", calendar,
               cancelled_by=canceller.name if canceller and canceller.id != booking.user_id else None,
               reason=booking.reason, cancelled_late=booking.cancelled_late)


def approval_requested(session: Session, booking: Booking, *, series: Sequence[Booking] = ()) -> None:
    """To each referent of the resource (to the administrators when it has none): a booking awaits
    their decision."""
    occurrences = list(series) or [booking]
    for decider in _deciders(session, booking):
        _queue(session, decider, booking, occurrences, "approval_requested", None,
               booker=booking.user.name, approvals_link=mail.external_url("bookings.approvals"))


def booking_changed(session: Session, booking: Booking, *, was_confirmed: bool) -> None:
    """After a booking got a new time or title: to the booker, the updated invitation (REQUEST, same UID,
    SEQUENCE raised by the move). A change that made it wait for approval again asks the deciders, and
    withdraws the invitation the booker already had (CANCEL); approval sends it again."""
    if booking.status == BookingStatus.PENDING.value:
        approval_requested(session, booking)
        calendar = _invitation(session, booking, "CANCEL") if was_confirmed else None
        _to_booker(session, booking, [booking], "booking_pending", calendar, changed=True)
    else:
        _skip_reminder_if_close([booking])
        _to_booker(session, booking, [booking], "booking_changed",
                   _invitation(session, booking, "REQUEST"))


def booking_approved(session: Session, booking: Booking) -> None:
    """To the booker: a referent approved the booking; with its invitation (METHOD:REQUEST)."""
    _skip_reminder_if_close([booking])
    _to_booker(session, booking, [booking], "booking_approved",
               _invitation(session, booking, "REQUEST"))


def booking_rejected(session: Session, booking: Booking) -> None:
    """To the booker: a referent refused the booking, with the reason given."""
    _to_booker(session, booking, [booking], "booking_rejected", None, reason=booking.reason)


def send_reminders(session: Session, now: datetime) -> int:
    """Remind the bookers of the confirmed bookings starting within the reminder window (REMINDER_HOURS,
    24 by default) that were not reminded yet; each is marked, so running this again sends nothing.
    Returns the number of reminders queued. Concurrent runs skip each other's rows (PostgreSQL)."""
    due = list(session.scalars(
        select(Booking)
        .where(Booking.status == BookingStatus.CONFIRMED.value, Booking.reminder_sent_at.is_(None),
               Booking.start_at > now, Booking.start_at <= now + reminder_window())
        .order_by(Booking.start_at, Booking.id)
        .with_for_update(skip_locked=True)))
    sent = 0
    for booking in due:
        booking.reminder_sent_at = now
        if _to_booker(session, booking, [booking], "booking_reminder", None):
            sent += 1
    session.flush()
    return sent


# Building them

# Subjects by template: the resource and the first date, in the recipient's language.
_SUBJECTS = {
    "booking_confirmed": _l("Booking confirmed: %(resource)s, %(date)s"),
    "booking_cancelled": _l("Booking cancelled: %(resource)s, %(date)s"),
    "approval_requested": _l("Approval requested: %(resource)s, %(date)s"),
    "approval_withdrawn": _l("No longer awaiting approval: %(resource)s, %(date)s"),
    "booking_pending": _l("Booking awaiting approval: %(resource)s, %(date)s"),
    "booking_changed": _l("Booking changed: %(resource)s, %(date)s"),
    "booking_approved": _l("Booking approved: %(resource)s, %(date)s"),
    "booking_rejected": _l("Booking refused: %(resource)s, %(date)s"),
    "booking_reminder": _l("Reminder: %(resource)s, %(date)s"),
}


def _deciders(session: Session, booking: Booking) -> list[User]:
    """Who decides on the resource's bookings: its active referents, else the active administrators."""
    deciders = [u for u in booking.resource.referents if u.active]
    if deciders:
        return deciders
    return list(session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))
                                .order_by(User.id)))


def _to_booker(session: Session, booking: Booking, occurrences: list[Booking], template: str,
               calendar: tuple[Callable[[], bytes], str] | None, **context) -> bool:
    return _queue(session, booking.user, booking, occurrences, template, calendar, **context)


def _queue(session: Session, recipient: User | None, booking: Booking, occurrences: list[Booking],
           template: str, calendar: tuple[Callable[[], bytes], str] | None, **context) -> bool:
    """Queue one mail to `recipient` in their language (their profile's, else the network's), times on
    the network's clock; False when there is nobody to write to. What the mail says is read here; the
    words and dates are written when it is rendered, after the commit (mail.queue_template)."""
    if recipient is None or not recipient.active:
        return False
    settings = get_settings(session)
    locale = recipient.locale or settings.default_locale
    zone = ZoneInfo(settings.timezone)
    resource = booking.resource.name
    first_start = occurrences[0].start_at
    slots = [(b.start_at, b.end_at) for b in occurrences[:MAX_LISTED_DATES]]
    mail.queue_template(
        session, to=recipient.email, locale=locale, template=template, calendar=calendar,
        subject=lambda: str(_SUBJECTS[template]) % {
            "resource": resource,
            "date": format_date(first_start.astimezone(zone), "medium", locale=get_locale())},
        slots=lambda: [_slot_text(start, end, zone, get_locale()) for start, end in slots],
        name=recipient.name, resource=resource, place=_place(booking),
        structure=booking.structure.name, title=booking.title, count=len(occurrences),
        more=max(0, len(occurrences) - MAX_LISTED_DATES), invitation=calendar is not None,
        link=mail.external_url("bookings.show", booking_id=booking.id), **context)
    return True


def _slot_text(start: datetime, end: datetime, zone: ZoneInfo, locale: Locale) -> str:
    """"Tuesday 10 March 2026, 10:00–11:00" on the network's clock (both dates when it spans days), with
    the msgids of the booking pages."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s", day=format_date(start, "full", locale=locale),
                 start=format_time(start, "short", locale=locale),
                 end=format_time(end, "short", locale=locale))
    return _("%(start)s – %(end)s", start=format_datetime(start, "short", locale=locale),
             end=format_datetime(end, "short", locale=locale))


def _place(booking: Booking) -> str:
    site = booking.resource.site
    parts = [booking.resource.name]
    if site is not None:
        parts += [site.name, site.address or ""]
    return ", ".join(p for p in parts if p)


def _skip_reminder_if_close(occurrences: list[Booking]) -> None:
    for occurrence in occurrences:
        if occurrence.reminder_sent_at is None and \
                occurrence.start_at - occurrence.updated_at <= reminder_window():
            occurrence.reminder_sent_at = occurrence.updated_at


def _invitation(session: Session, booking: Booking, method: str) -> tuple[Callable[[], bytes], str]:
    """The iTIP message for the booker's calendar (the network organises, the booker attends) and its
    method; written when the mail is rendered."""
    settings = get_settings(session)
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    event = FeedEvent(
        uid=booking_uid(booking.id), start=booking.start_at, end=booking.end_at,
        summary=f"{booking.title} ({booking.resource.name})",
        status="CANCELLED" if method == "CANCEL" else _ICAL_STATUS[booking.status],
        sequence=booking.sequence, created=booking.created_at, last_modified=booking.updated_at,
        location=_place(booking), description=mail.external_url("bookings.show", booking_id=booking.id),
        categories=(booking.structure.name,))
    calendar = FeedCalendar(name=settings.name, timezone=settings.timezone,
                            colour=booking.resource.colour)
    return partial(render_invitation, method, calendar, event, (settings.name, sender),
                   [(booking.user.name, booking.user.email)], booking.updated_at), method
