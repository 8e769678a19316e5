"""Mail through a real SMTP server (aiosmtpd on the loopback): sent after the commit, never on rollback."""



from mutualise.extensions import db
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
