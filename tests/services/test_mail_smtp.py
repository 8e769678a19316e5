"""Mail through a real SMTP server (aiosmtpd on the loopback): sent after the commit, never on rollback,
and kept when the server cannot take it, until tick sends it."""

from sqlalchemy import select

from mutualise import mail
from mutualise.extensions import db
from mutualise.mail import MAX_ATTEMPTS
from mutualise.models import OutgoingMail
from mutualise.services import users


def _invite(make, now, email="lea.martin@example.org"):
    admin = make.user(is_admin=True)
    return users.create_user(db.session, admin, now, users.UserInput(email=email, name="Léa Martin",
                                                                     locale="en"))


def test_invitation_arrives_at_the_smtp_server_after_the_commit(smtp_server, make, now, outbox):
    _invite(make, now)
    assert smtp_server.envelopes == []  # flushed, not committed: nothing leaves yet
    db.session.commit()
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["lea.martin@example.org"]
    message = smtp_server.messages()[0]
    assert message["To"] == "lea.martin@example.org"
    assert message["Subject"] == "You are invited to Mutualise"
    body = message.get_content()
    assert "Léa Martin" in body
    assert "http://127.0.0.1:5000/password/invite/" in body
    assert outbox == []  # the console outbox is not used with the SMTP backend


def test_a_rolled_back_invitation_sends_nothing(smtp_server, make, now):
    _invite(make, now)
    db.session.rollback()
    db.session.commit()  # a later commit must not send what the rollback dropped
    _invite(make, now, email="karim.haddad@example.org")
    db.session.commit()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["karim.haddad@example.org"]]
    assert db.session.scalars(select(OutgoingMail)).all() == []  # nothing kept either


# Nothing lost: a message the server could not take is kept and sent again by tick

def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def _kept() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def _tick(app) -> str:
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_mail_the_server_cannot_take_is_kept_and_sent_by_the_next_tick(app, smtp_server, make, now):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _closed_port()
    _invite(make, now)
    db.session.commit()  # the data stays committed whatever the mail server does
    assert smtp_server.envelopes == []
    kept, = _kept()
    assert (kept.recipient, kept.attempts, kept.sent_at) == ("lea.martin@example.org", 1, None)
    assert "ConnectionRefusedError" in kept.last_error

    assert "0 kept mail(s) sent, 1 waiting." in _tick(app)  # still down: it waits, no attempt spent
    assert _kept()[0].attempts == 1

    app.config["MAIL_PORT"] = port
    assert "1 kept mail(s) sent, 0 waiting." in _tick(app)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea.martin@example.org"]]
    message = smtp_server.messages()[0]
    assert message["Subject"] == "You are invited to Mutualise"
    assert "/password/invite/" in message.get_content()
    assert _kept()[0].sent_at is not None
    assert "0 kept mail(s) sent, 0 waiting." in _tick(app)  # sent once only
    assert len(smtp_server.envelopes) == 1


def test_kept_mails_go_out_oldest_first_on_one_connection(app, smtp_server, make, now):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _closed_port()
    for email in ("first@example.org", "second@example.org", "third@example.org"):
        _invite(make, now, email=email)
        db.session.commit()
    app.config["MAIL_PORT"] = port
    assert "3 kept mail(s) sent, 0 waiting." in _tick(app)
    assert [e.rcpt_tos[0] for e in smtp_server.envelopes] == ["first@example.org", "second@example.org",
                                                               "third@example.org"]


def test_a_mail_tried_too_often_is_given_up(app, smtp_server, now):
    db.session.add(OutgoingMail(created_at=now, recipient="gone@example.org", message=b"To: x\r\n\r\nx",
                                attempts=MAX_ATTEMPTS, last_error="SMTPRecipientsRefused"))
    db.session.commit()
    assert "0 kept mail(s) sent, 0 waiting." in _tick(app)
    assert smtp_server.envelopes == []


# MAIL_DEFERRED: written with the data, sent by tick

def test_deferred_mail_is_written_with_the_data_and_sent_by_tick_only(app, smtp_server, make, now):
    app.config["MAIL_DEFERRED"] = True
    _invite(make, now)
    db.session.commit()
    assert smtp_server.envelopes == []
    kept, = _kept()
    assert (kept.recipient, kept.attempts, kept.sent_at) == ("lea.martin@example.org", 0, None)
    assert "1 kept mail(s) sent, 0 waiting." in _tick(app)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lea.martin@example.org"]]
    assert "0 kept mail(s) sent, 0 waiting." in _tick(app)


def test_deferred_mail_of_a_rolled_back_request_is_never_written(app, smtp_server, make, now):
    app.config["MAIL_DEFERRED"] = True
    _invite(make, now)
    db.session.flush()
    db.session.rollback()
    _invite(make, now, email="karim.haddad@example.org")
    mail.discard_queued(db.session)  # e.g. the demo: written nowhere, sent to nobody
    db.session.commit()
    assert _kept() == []
    assert "0 kept mail(s) sent, 0 waiting." in _tick(app)
    assert smtp_server.envelopes == []
