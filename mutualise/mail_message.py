"""Outgoing messages written out directly as MIME text (RFC 5322, 2045-2047, CRLF line ends).

The messages are always of the same few shapes, so they are written here rather than built as
email.message objects and flattened: the email package's generator (boundary search, header folding)
cost more than the rest of a booking request (docs/performance.md). Every body is base64, so no line is
ever too long and no text needs escaping; headers outside ASCII are base64 encoded words.
"""

import base64
import secrets
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.charset import BASE64, Charset
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache

CRLF = "\r\n"
_WORD_BYTES = 39  # UTF-8 bytes per encoded word: "Subject: " + the first word stays within 78 columns
_HEADER_CHARSET = Charset("utf-8")
_HEADER_CHARSET.header_encoding = BASE64


@dataclass(frozen=True)
class Mail:
    """A message ready to send: `data` is exactly what goes to the SMTP server."""

    to: str
    subject: str
    text: str  # the plain-text body, as rendered
    message_id: str
    data: bytes


def build_message(sender: str, to: str, subject: str, body: str,
                  calendar: tuple[bytes, str] | None = None) -> Mail:
    """The message from `sender` ("Name <address>") to the address `to`.

    With a calendar (iCalendar bytes, iTIP method), the shape Google, Yahoo and Thunderbird send (RFC
    6047): the text and the iTIP part as alternatives, which Outlook and Gmail act on, and the same
    calendar again as an invite.ics attachment, for the clients that only look at attachments."""
    if any(character in to for character in "\r\n<>,"):
        raise ValueError(f"not a single address: {to!r}")
    text = _leaf('text/plain; charset="utf-8"', body.encode("utf-8"))
    if calendar is None:
        content = text
    else:
        ics, method = calendar
        if not method.isalpha():
            raise ValueError(f"not an iTIP method: {method!r}")
        itip = _leaf(f"text/calendar; method={method.upper()}; charset=utf-8", ics)
        invite = _leaf('application/ics; name="invite.ics"', ics,
                       'Content-Disposition: attachment; filename="invite.ics"')
        content = _multipart("mixed", [_multipart("alternative", [text, itip]), invite])
    message_id = make_msgid(domain="mutualise")
    headers = [f"From: {_from_header(sender)}", f"To: {to}", f"Subject: {_subject_header(subject)}",
               f"Date: {formatdate(localtime=False)}", f"Message-ID: {message_id}", "MIME-Version: 1.0"]
    data = CRLF.join(headers) + CRLF + content + CRLF
    return Mail(to=to, subject=subject, text=body, message_id=message_id, data=data.encode("ascii"))


def read_back(to: str, data: bytes) -> Mail:
    """A message kept in the database as sent (OutgoingMail), as a Mail again."""
    parsed = message_from_bytes(data, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    return Mail(to=to, subject=str(parsed["Subject"] or ""), text=body.get_content() if body else "",
                message_id=str(parsed["Message-ID"] or make_msgid(domain="mutualise")), data=data)


def _leaf(content_type: str, payload: bytes, *headers: str) -> str:
    """A part with its headers; base64 keeps a calendar's CRLF and folded lines exactly."""
    encoded = base64.encodebytes(payload).decode("ascii").rstrip("\n").replace("\n", CRLF)
    return CRLF.join([f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64", *headers,
                      "", encoded])


def _multipart(subtype: str, parts: list[str]) -> str:
    # "_" is outside the base64 alphabet and the parts' headers never hold "=_": no part can contain it
    boundary = f"=_{secrets.token_hex(12)}"
    body = "".join(f"--{boundary}{CRLF}{part}{CRLF}" for part in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}{body}--{boundary}--'


@lru_cache(maxsize=16)
def _from_header(sender: str) -> str:
    name, address = parseaddr(sender)
    return formataddr((name, address), charset=_HEADER_CHARSET)


def _subject_header(subject: str) -> str:
    """The subject on lines of at most 78 columns: folded at spaces when ASCII, else as encoded words
    (RFC 2047) of whole characters, which readers join back without the folding space."""
    subject = " ".join(subject.split())  # no line break can reach the header, and none is meaningful
    if subject.isascii():
        return _fold_ascii(subject, len("Subject: "))
    data, words, start = subject.encode("utf-8"), [], 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: the character goes on
            end -= 1
        words.append(base64.b64encode(data[start:end]).decode("ascii"))
        start = end
    return f"{CRLF} ".join(f"=?utf-8?b?{word}?=" for word in words)


def _fold_ascii(value: str, used: int, width: int = 78) -> str:
    lines, line = [], ""
    for word in value.split(" "):
        if line and used + len(line) + 1 + len(word) > width:
            lines.append(line)
            line, used = word, 1  # the continuation line starts with the folding space
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return f"{CRLF} ".join(lines)
