"""Messages as mail.build_message writes them read back the same by a modern parser: headers outside
ASCII (long ones folded), the text, and the calendar parts in the shape calendar clients act on."""

from email import message_from_bytes, policy

import pytest

from mutualise.mail import body_text, build_message

ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def _read_back(message):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


@pytest.mark.parametrize("subject", [
    "Réservation confirmée : Salle du Peignage, 9 mars 2026",
    "Réservation confirmée : Salle du Peignage, lundi 9 mars 2026 — un sujet assez long pour être plié",
    "A plain subject, long enough to be folded when the generator writes it out on more than one line",
])
def test_headers_read_back_as_written(subject):
    read = _read_back(build_message("Réseau Mutualisé <noreply@example.org>", "lea@example.org", subject,
                                    "Bonjour Léa,\n"))
    assert read["Subject"] == subject
    assert read["From"].addresses[0].display_name == "Réseau Mutualisé"
    assert read["From"].addresses[0].addr_spec == "noreply@example.org"
    assert read["To"] == "lea@example.org"
    assert read["Message-ID"] and read["Date"]
    assert read.get_content() == "Bonjour Léa,\n"


def test_an_invitation_is_an_alternative_to_the_text_and_an_attachment():
    message = build_message("Mutualise <noreply@example.org>", "lea@example.org", "Invitation", "Texte é\n",
                            (ICS, "request"))
    raw = message.as_bytes().decode()
    assert "Content-Type: text/calendar; method=REQUEST; charset=utf-8" in raw.splitlines()
    assert raw.count("MIME-Version") == 1
    read = _read_back(message)
    assert read.get_content_type() == "multipart/mixed"
    alternative, attachment = read.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/calendar"]
    assert alternative.get_payload()[1].get_payload(decode=True) == ICS  # CRLF kept
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == ICS
    assert read.get_body(preferencelist=("plain",)).get_content() == "Texte é\n" == body_text(message)


def test_an_itip_method_must_be_a_word():
    with pytest.raises(ValueError):
        build_message("Mutualise <noreply@example.org>", "lea@example.org", "x", "x", (ICS, "REQUEST\r\nX"))
