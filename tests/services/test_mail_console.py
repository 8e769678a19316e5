"""The console backend (development): each message is appended to instance/outbox.mbox, which mail
clients and Python's mailbox module read back whole, and the newest are kept in memory."""

import mailbox
import os

from mutualise import mail
from mutualise.extensions import db
from mutualise.services import users


def _invite(make, now, email):
    admin = make.user(is_admin=True)
    users.create_user(db.session, admin, now, users.UserInput(email=email, name="Léa Martin", locale="fr"))
    db.session.commit()


def test_each_message_is_appended_to_the_instance_mbox(app, make, now, outbox):
    for email in ("lea@example.org", "karim@example.org"):
        _invite(make, now, email)
    box = mailbox.mbox(os.path.join(app.instance_path, mail.OUTBOX_FILE), create=False)
    read = list(box)
    assert [m["To"] for m in read] == ["lea@example.org", "karim@example.org"]
    assert [m.as_bytes() for m in read] == [m.data.replace(b"\r\n", b"\n") for m in outbox]
    body = read[0].get_payload(decode=True).decode("utf-8")
    assert "Léa Martin" in body and "/password/invite/" in body


def test_only_the_newest_messages_stay_in_memory(app, make, now, outbox, monkeypatch):
    monkeypatch.setattr(mail, "OUTBOX_KEPT", 2)
    for email in ("first@example.org", "second@example.org", "third@example.org"):
        _invite(make, now, email)
    assert [m.to for m in outbox] == ["second@example.org", "third@example.org"]
