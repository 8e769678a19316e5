"""Outgoing mail. Services queue messages on the database session; they leave only once the
transaction commits, so a refused request never sends anything."""

import base64
import logging
import os
import smtplib
from email.message import EmailMessage, MIMEPart
from email.policy import compat32
from email.utils import formatdate, make_msgid

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_QUEUE_KEY = "mutualise_mail"


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
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="mutualise")
    message.set_content(body)
    if calendar is not None:
        _attach_calendar(message, *calendar)
    session.info.setdefault(_QUEUE_KEY, []).append(message)


def _attach_calendar(message: EmailMessage, ics: bytes, method: str) -> None:
    """The shape Google, Yahoo and Thunderbird send (RFC 6047): the text and the iTIP part as alternatives,
    which Outlook and Gmail act on, and the same calendar again as an invite.ics attachment, for the clients
    that only look at attachments."""
    if not method.isalpha():
        raise ValueError(f"not an iTIP method: {method!r}")
    itip = MIMEPart(policy=compat32)  # compat32 writes the header as given: method=REQUEST, unquoted
    itip["Content-Type"] = f"text/calendar; method={method.upper()}; charset=utf-8"
    itip["Content-Transfer-Encoding"] = "base64"  # keeps the CRLF line ends and folded lines exactly
    itip.set_payload(base64.encodebytes(ics).decode("ascii"))
    message.make_alternative()
    message.attach(itip)
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics",
                           params={"name": "invite.ics"})


def discard_queued(session: Session) -> None:
    """Forget the mail queued so far in this transaction (e.g. the demo's bookings notify nobody)."""
    session.info.pop(_QUEUE_KEY, None)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    for message in session.info.pop(_QUEUE_KEY, []):
        try:
            send(message)
        except (OSError, smtplib.SMTPException):
            # The data is committed; a mail server outage must not turn it into an error page.
            log.exception("could not send mail to %s", message["To"])


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUE_KEY, None)


def send(message: EmailMessage) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message, config)
    else:
        _keep_in_outbox(message)


def _send_smtp(message: EmailMessage, config) -> None:
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _keep_in_outbox(message: EmailMessage) -> None:
    current_app.extensions["mutualise_outbox"].append(message)
    folder = os.path.join(current_app.instance_path, "outbox")
    os.makedirs(folder, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_") + ".eml"
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(bytes(message))
    log.warning("mail (console backend) to %s: %s\n%s", message["To"], message["Subject"],
                message.get_body(preferencelist=("plain",)).get_content())
