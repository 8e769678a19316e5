"""Outgoing mail. Services queue messages on the database session; they leave only once the
transaction commits, so a refused request never sends anything."""

import logging
import os
import smtplib
from email.message import EmailMessage
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


def queue_template(session: Session, *, to: str, locale: str, subject, template: str, **context) -> None:
    """Render `mail/<template>.txt` in the recipient's language and queue it for after the commit."""
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
    session.info.setdefault(_QUEUE_KEY, []).append(message)


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
                message.get_content())
