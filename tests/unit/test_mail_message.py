"""Messages as mail_message.build_message writes them read back the same, without a defect, by the email
package's modern parser: headers outside ASCII (long ones folded), the text, and the calendar parts in the
shape calendar clients act on. The lines are those of RFC 5322: CRLF ends, at most 78 columns."""

from email import message_from_bytes, policy

import pytest

from mutualise.mail_message import build_message, read_back

ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
SENDER = "Réseau Mutualisé <noreply@example.org>"


def _read_back(mail):
    read = message_from_bytes(mail.data, policy=policy.default)
    assert [part.defects for part in read.walk()] == [[] for _ in read.walk()]
    return read


def _lines(mail) -> list[bytes]:
    assert mail.data.endswith(b"\r\n")
    lines = mail.data[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines)  # no bare line end anywhere
    return lines


@pytest.mark.parametrize("subject", [
    "Réservation confirmée : Salle du Peignage, 9 mars 2026",
    "Réservation confirmée : Salle du Peignage, lundi 9 mars 2026 — un sujet assez long pour être plié",
    "A plain subject, long enough to be folded when the generator writes it out on more than one line",
    "Émojis 🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐🚐 et 中文字符中文字符中文字符中文字符中文字符",
    "Unbreakable" + "x" * 90,
])
def test_headers_read_back_as_written(subject):
    mail = build_message(SENDER, "lea@example.org", subject, "Bonjour Léa,\n")
    read = _read_back(mail)
    assert read["Subject"] == subject == mail.subject
    assert read["From"].addresses[0].display_name == "Réseau Mutualisé"
    assert read["From"].addresses[0].addr_spec == "noreply@example.org"
    assert read["To"] == "lea@example.org" == mail.to
    assert read["Message-ID"] == mail.message_id and read["Date"]
    assert read.get_content() == "Bonjour Léa,\n" == mail.text
    header_lines = _lines(mail)[:_lines(mail).index(b"")]
    assert all(len(line) <= 78 for line in header_lines if not line.startswith(b"Subject: Unbreakable"))


def test_a_line_break_in_a_subject_cannot_add_a_header():
    mail = build_message(SENDER, "lea@example.org", "Salle A\r\nBcc: everyone@example.org\nX: y", "x")
    read = _read_back(mail)
    assert read["Bcc"] is None and read["X"] is None
    assert read["Subject"] == "Salle A Bcc: everyone@example.org X: y"


@pytest.mark.parametrize("to", ["lea@example.org\r\nBcc: x@example.org", "a@example.org, b@example.org",
                                "Léa <lea@example.org>"])
def test_the_recipient_is_one_bare_address(to):
    with pytest.raises(ValueError):
        build_message(SENDER, to, "x", "x")


def test_an_invitation_is_an_alternative_to_the_text_and_an_attachment():
    mail = build_message("Mutualise <noreply@example.org>", "lea@example.org", "Invitation", "Texte é\n",
                         (ICS, "request"))
    lines = _lines(mail)
    assert b"Content-Type: text/calendar; method=REQUEST; charset=utf-8" in lines
    assert lines.count(b"MIME-Version: 1.0") == 1
    assert max(len(line) for line in lines) <= 78
    read = _read_back(mail)
    assert read.get_content_type() == "multipart/mixed"
    alternative, attachment = read.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/calendar"]
    assert alternative.get_payload()[1].get_payload(decode=True) == ICS  # CRLF kept
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == ICS
    assert read.get_body(preferencelist=("plain",)).get_content() == "Texte é\n"


def test_each_message_has_its_own_boundaries_and_id():
    first, second = (build_message(SENDER, "lea@example.org", "x", "x", (ICS, "REQUEST")) for _ in range(2))
    assert first.message_id != second.message_id
    boundaries = {_read_back(mail).get_boundary() for mail in (first, second)}
    assert len(boundaries) == 2


def test_a_kept_message_reads_back_as_the_mail_it_was():
    mail = build_message(SENDER, "lea@example.org", "Réservation annulée : Salle", "Plus besoin\n",
                         (ICS, "CANCEL"))
    assert read_back(mail.to, mail.data) == mail


def test_an_itip_method_must_be_a_word():
    with pytest.raises(ValueError):
        build_message("Mutualise <noreply@example.org>", "lea@example.org", "x", "x", (ICS, "REQUEST\r\nX"))
