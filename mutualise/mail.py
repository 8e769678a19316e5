"""Outgoing mail. Services queue messages on the database session; they leave only once the
transaction commits, so a refused request never sends anything. A message that cannot be sent then is
kept in the database (OutgoingMail) and sent again by `flask mutualise tick`: nothing is lost. With
MAIL_DEFERRED every message is written there in the request's transaction and sent by tick."""

import base64
import logging
import os
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email import message_from_bytes
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mutualise.clock import utcnow
from mutualise.models import OutgoingMail

log = logging.getLogger(__name__)
# Headers outside ASCII as base64 encoded words: the package's default for UTF-8 weighs quoted-printable
# against base64 character by character, which was most of the cost of writing a message.
_HEADER_CHARSET = Charset("utf-8")
_HEADER_CHARSET.header_encoding = BASE64
_QUEUE_KEY = "mutualise_mail"
_DEFERRED_KEY = "mutualise_mail_deferred"
MAX_ATTEMPTS = 10  # a message the server keeps refusing is given up after this many tries


def init_app(app: Flask) -> None:
    # Development outbox: every message the console backend "sent", newest last.
    app.extensions["mutualise_outbox"] = []


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also outside a request (CLI, periodic tasks)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def queue_template(session: Session, *, to: str, locale: str, subject, template: str,
                   calendar: tuple[bytes, str] | None = None, **context) -> None:
    """Render `mail/<template>.txt` in the recipient's language and queue it for after the commit.

    `calendar` (iCalendar bytes, iTIP method such as "REQUEST" or "CANCEL") adds an invitation that
    calendar clients act on."""
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        subject = str(subject)
    message = build_message(current_app.config["MAIL_DEFAULT_SENDER"], to, subject, body, calendar)
    if current_app.config["MAIL_DEFERRED"]:
        # written with the data it tells about and sent by tick: the request neither waits for the mail
        # server nor spends its time on it, and a crash right after the commit loses nothing
        row = OutgoingMail(**_kept(message))
        session.add(row)
        session.info.setdefault(_DEFERRED_KEY, []).append(row)
    else:
        session.info.setdefault(_QUEUE_KEY, []).append(message)


def build_message(sender: str, to: str, subject: str, body: str,
                  calendar: tuple[bytes, str] | None = None) -> Message:
    """The MIME message, built with the email package's compat32 classes: the default policy parses and
    refolds every header it is given, which made a booking confirmation cost half of the booking request
    (docs/performance.md). Headers outside ASCII are encoded here (RFC 2047).

    With a calendar, the shape Google, Yahoo and Thunderbird send (RFC 6047): the text and the iTIP part
    as alternatives, which Outlook and Gmail act on, and the same calendar again as an invite.ics
    attachment, for the clients that only look at attachments."""
    text = MIMEText(body, "plain", "utf-8")
    if calendar is None:
        message = text
    else:
        ics, method = calendar
        if not method.isalpha():
            raise ValueError(f"not an iTIP method: {method!r}")
        itip = _part("text", "calendar", ics, method=method.upper(), charset="utf-8")
        invite = _part("application", "ics", ics, name="invite.ics")
        invite.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message = MIMEMultipart("mixed", _subparts=[_inner(MIMEMultipart("alternative", _subparts=[
            _inner(text), itip])), invite])
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address), charset=_HEADER_CHARSET)
    message["To"] = to
    message["Subject"] = subject if subject.isascii() else Header(subject, _HEADER_CHARSET)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="mutualise")
    return message


def _part(maintype: str, subtype: str, data: bytes, **params: str) -> MIMENonMultipart:
    part = _inner(MIMENonMultipart(maintype, subtype))
    # written as given (method=REQUEST, unquoted, as calendar clients expect); the values are tokens
    part.replace_header("Content-Type", "; ".join([f"{maintype}/{subtype}",
                                                   *(f"{key}={value}" for key, value in params.items())]))
    # base64 keeps the calendar's CRLF line ends and folded lines exactly
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def _inner(part: Message) -> Message:
    del part["MIME-Version"]  # the email package writes it on every part; it belongs on the message only
    return part


def body_text(message: Message) -> str:
    """The plain-text body of a message built by build_message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode("utf-8")
    return ""


def discard_queued(session: Session) -> None:
    """Forget the mail queued so far in this transaction (e.g. the demo's bookings notify nobody)."""
    session.info.pop(_QUEUE_KEY, None)
    for row in session.info.pop(_DEFERRED_KEY, []):
        if row in session.new:
            session.expunge(row)
        else:
            session.delete(row)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    session.info.pop(_DEFERRED_KEY, None)  # committed: tick sends them
    for message in session.info.pop(_QUEUE_KEY, []):
        try:
            send(message)
        except (OSError, smtplib.SMTPException) as error:
            # The data is committed; a mail server outage must neither turn it into an error page nor
            # lose the message: it is kept for `tick`.
            log.warning("could not send mail to %s (%s); kept to be sent again", message["To"], error)
            _keep_for_later(session, message, error)


def _keep_for_later(session: Session, message: Message, error: Exception) -> None:
    try:
        with session.get_bind().begin() as connection:  # the request's transaction is over
            connection.execute(insert(OutgoingMail).values(**_kept(message, failure=error)))
    except SQLAlchemyError:
        log.exception("could not keep the mail to %s either; its text follows\n%s", message["To"],
                      body_text(message))


def _kept(message: Message, failure: Exception | None = None) -> dict:
    """The OutgoingMail row of a message: to send later, or after a first try that failed."""
    return {"created_at": utcnow(), "recipient": message["To"], "message": message.as_bytes(),
            "attempts": 0 if failure is None else 1,
            "last_error": None if failure is None else _error_text(failure)}


def deliver_pending(session: Session, now: datetime, *, batch: int = 100) -> tuple[int, int]:
    """Send the messages kept after a failure, oldest first, on one connection; returns (sent, still
    waiting). A message the server refuses counts an attempt and is given up after MAX_ATTEMPTS; when the
    server cannot be reached the run stops, to try again next time. The caller commits: a crash between
    sending and that commit sends a message twice rather than never."""
    waiting = select(OutgoingMail).where(OutgoingMail.sent_at.is_(None),
                                         OutgoingMail.attempts < MAX_ATTEMPTS).order_by(OutgoingMail.id)
    rows = list(session.scalars(waiting.limit(batch).with_for_update(skip_locked=True)))
    sent = 0
    try:
        with _sender(current_app.config) as deliver:
            for row in rows:
                row.attempts += 1
                try:
                    deliver(message_from_bytes(row.message))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                    # refused, this message only: the next ones may go
                    row.last_error = _error_text(error)
                    continue
                row.sent_at, row.last_error = now, None
                sent += 1
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unreachable (%s); %d kept message(s) wait for the next run", error,
                    len(rows) - sent)
    session.flush()
    left = session.scalar(select(func.count()).select_from(waiting.subquery()))
    return sent, left


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:OutgoingMail.ERROR_MAX]


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUE_KEY, None)
    session.info.pop(_DEFERRED_KEY, None)


def send(message: Message) -> None:
    with _sender(current_app.config) as deliver:
        deliver(message)


@contextmanager
def _sender(config) -> Iterator[Callable[[Message], None]]:
    """A function sending messages through the configured backend: one SMTP connection for all."""
    if config["MAIL_BACKEND"] != "smtp":
        yield _keep_in_outbox
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        yield smtp.send_message


def _keep_in_outbox(message: Message) -> None:
    """Development: the message goes to instance/outbox/ as a .eml file, to the log (links included, such
    as an invitation's) and to the app's outbox list."""
    current_app.extensions["mutualise_outbox"].append(message)
    folder = os.path.join(current_app.instance_path, "outbox")
    os.makedirs(folder, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_") + ".eml"
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(message.as_bytes())
    log.warning("mail (console backend) to %s: %s\n%s", message["To"], message["Subject"],
                body_text(message))
