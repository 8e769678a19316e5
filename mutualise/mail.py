"""Outgoing mail. Services queue messages on the database session; they leave only once the
transaction commits, so a refused request never sends anything. A message that cannot be sent then is
kept in the database (OutgoingMail) and sent again by `flask mutualise tick`: nothing is lost. With
MAIL_DEFERRED every message is written there in the request's transaction and sent by tick."""

import logging
import os
import re
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from flask import Flask, current_app, has_request_context, url_for
from flask_babel import force_locale, get_translations
from jinja2 import Environment, Template
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mutualise.clock import utcnow
from mutualise.mail_message import Mail, build_message, read_back
from mutualise.models import OutgoingMail

log = logging.getLogger(__name__)
_QUEUE_KEY = "mutualise_mail"
_DEFERRED_KEY = "mutualise_mail_deferred"
MAX_ATTEMPTS = 10  # a message the server keeps refusing is given up after this many tries
OUTBOX_KEPT = 200  # the console backend's newest messages kept in memory (tests read them)
OUTBOX_FILE = "outbox.mbox"
_LINE_END = re.compile(rb"\r?\n")
_MBOX_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)  # quoted as mboxrd does


def init_app(app: Flask) -> None:
    # Development outbox: the newest messages the console backend "sent", newest last.
    app.extensions["mutualise_outbox"] = []
    app.extensions["mutualise_mail_jinja"] = {}  # locale -> Jinja environment (_mail_template)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also outside a request (CLI, periodic tasks)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def queue_template(session: Session, *, to: str, locale: str, subject, template: str,
                   calendar: tuple[bytes | Callable[[], bytes], str] | None = None, **context) -> None:
    """Queue `mail/<template>.txt`, rendered in the recipient's language, for after the commit.

    `calendar` (iCalendar bytes, iTIP method such as "REQUEST" or "CANCEL") adds an invitation that
    calendar clients act on. Everything given is plain data, not database objects: the mail is rendered
    after the commit (on SQLite, once the write lock is free for the next writer; with MAIL_DEFERRED at
    once, to be written with the data), and nothing is read again for it. A callable, as `subject`, the
    calendar's bytes or a context value, is called then, under the recipient's locale (formatting dates
    is part of rendering)."""
    draft = _Draft(to, locale, subject, template, calendar, context)
    if current_app.config["MAIL_DEFERRED"]:
        # written with the data it tells about and sent by tick: the request never waits for the mail
        # server, and a crash right after the commit loses nothing
        row = OutgoingMail(**_kept(draft.render()))
        session.add(row)
        session.info.setdefault(_DEFERRED_KEY, []).append(row)
    else:
        session.info.setdefault(_QUEUE_KEY, []).append(draft)


@dataclass(frozen=True)
class _Draft:
    to: str
    locale: str
    subject: Any
    template: str
    calendar: tuple[bytes | Callable[[], bytes], str] | None
    context: dict

    def render(self) -> Mail:
        with force_locale(self.locale):
            subject = str(_value(self.subject))
            body = _mail_template(self.template, self.locale).render(
                {key: _value(value) for key, value in self.context.items()})
        calendar = None if self.calendar is None else (_value(self.calendar[0]), self.calendar[1])
        return build_message(current_app.config["MAIL_DEFAULT_SENDER"], self.to, subject, body, calendar)


def _mail_template(name: str, locale: str) -> Template:
    """mail/<name>.txt, loaded (under force_locale(locale)) by an environment of its own per locale whose
    gettext reads that locale's catalogue directly: Flask-Babel's looks the catalogue up again at every
    call. Mail templates use nothing but gettext, ngettext and includes (no request globals, no context
    processor, no escaping of plain text)."""
    environments = current_app.extensions["mutualise_mail_jinja"]
    environment = environments.get(locale)
    if environment is None:
        pages = current_app.jinja_env
        environment = Environment(loader=pages.loader, extensions=["jinja2.ext.i18n"], autoescape=False,
                                  auto_reload=pages.auto_reload)
        environment.install_gettext_translations(get_translations(), newstyle=True)
        environments[locale] = environment
    return environment.get_template(f"mail/{name}.txt")


def _value(value):
    return value() if callable(value) else value


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
    for draft in session.info.pop(_QUEUE_KEY, []):
        try:
            message = draft.render()
        except Exception:  # noqa: BLE001  (a fault of ours must not turn the committed change into an error)
            log.exception("could not render the mail %s to %s", draft.template, draft.to)
            continue
        try:
            send(message)
        except (OSError, smtplib.SMTPException) as error:
            # The data is committed; a mail server outage must neither turn it into an error page nor
            # lose the message: it is kept for `tick`.
            log.warning("could not send mail to %s (%s); kept to be sent again", message.to, error)
            _keep_for_later(session, message, error)


def _keep_for_later(session: Session, message: Mail, error: Exception) -> None:
    try:
        with session.get_bind().begin() as connection:  # the request's transaction is over
            connection.execute(insert(OutgoingMail).values(**_kept(message, failure=error)))
    except SQLAlchemyError:
        log.exception("could not keep the mail to %s either; its text follows\n%s", message.to,
                      message.text)


def _kept(message: Mail, failure: Exception | None = None) -> dict:
    """The OutgoingMail row of a message: to send later, or after a first try that failed."""
    return {"created_at": utcnow(), "recipient": message.to, "message": message.data,
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
                    deliver(read_back(row.recipient, row.message))
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


def send(message: Mail) -> None:
    with _sender(current_app.config) as deliver:
        deliver(message)


@contextmanager
def _sender(config) -> Iterator[Callable[[Mail], None]]:
    """A function sending messages through the configured backend: one SMTP connection for all."""
    if config["MAIL_BACKEND"] != "smtp":
        yield _keep_in_outbox
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    envelope_from = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        # CRLF everywhere: messages kept by earlier versions were written with bare LF, which servers
        # guarding against SMTP smuggling refuse
        yield lambda message: smtp.sendmail(envelope_from, [message.to],
                                            _LINE_END.sub(b"\r\n", message.data))


def _keep_in_outbox(message: Mail) -> None:
    """Development: the message is appended to instance/outbox.mbox, which mail clients open (one file:
    creating a file per message cost a tenth of a booking request), printed in the log (links included,
    such as an invitation's) and kept in the app's outbox list (its newest OUTBOX_KEPT)."""
    outbox = current_app.extensions["mutualise_outbox"]
    outbox.append(message)
    del outbox[:-OUTBOX_KEPT]
    text = _MBOX_FROM_LINE.sub(rb">\1", message.data.replace(b"\r\n", b"\n"))
    entry = b"From mutualise " + time.asctime(time.gmtime()).encode() + b"\n" + text + b"\n"
    with open(os.path.join(current_app.instance_path, OUTBOX_FILE), "ab", buffering=0) as handle:
        handle.write(entry)  # in one write: what several workers append never interleaves
    log.warning("mail (console backend) to %s: %s\n%s", message.to, message.subject, message.text)
