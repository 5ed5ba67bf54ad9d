"""Emails as the bytes that go on the wire: every header from one function that cannot break a line."""

import base64
import functools
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.policy import compat32
from email.utils import format_datetime, parseaddr

# An address as we send to: plain ASCII, no spaces, quotes or angle brackets (officers' addresses
# are checked on import; this is the last guard before a header is written).
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,200}@[A-Za-z0-9.-]{1,200}>")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,60}")
_CRLF = compat32.clone(linesep="\r\n")
# 45 bytes make 60 base64 characters: with "=?utf-8?b?" and "?=", a word fits a 76-character line.
_WORD_BYTES = 45


class BadHeader(ValueError):
    """A value that cannot be put in a header (an address or Message-ID not of the safe form)."""


def one_line(value: str) -> str:
    """Text as a single line: control, format and line-separator characters become spaces, runs of
    space one space. Whatever was typed, nothing of it can end a header line."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c for c in value)
    return " ".join(kept.split())


def _encoded(text: str, name: str) -> str:
    """`text` as header content: plain ASCII as it is (folded at spaces); anything else, or anything
    that looks like an RFC 2047 encoded word, as base64 encoded words of our own, so that a reader
    shows exactly what was typed."""
    if text.isascii() and "=?" not in text:
        return Header(text, "us-ascii", header_name=name).encode(linesep="\r\n")
    return encoded_words(text)


@functools.lru_cache(maxsize=256)  # a letter's subject and sender are the same in every email
def encoded_words(text: str) -> str:
    """`text` as base64 encoded words, each line within 76 characters, whole characters to a word."""
    words, chunk = [], b""
    for char in text:
        encoded = char.encode()
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words if w)


def header(name: str, value: str) -> bytes:
    """One header field, folded and encoded, ending in CRLF. The only way Pavati writes a header.

    Every line break in the result is a fold (CRLF then a space): checked here, rather than trusted
    to the email package, whose handling of line breaks has changed between Python versions.
    """
    if not _NAME.fullmatch(name):
        raise BadHeader(f"not a header name: {name[:40]!r}")
    field = f"{name}: {value}" if _is_structured(name) else f"{name}: {_encoded(one_line(value), name)}"
    unfolded = field.replace("\r\n ", " ").replace("\r\n\t", " ")
    if "\r" in unfolded or "\n" in unfolded or any(unicodedata.category(c) == "Cc" for c in unfolded):
        raise BadHeader(f"{name} would break a line")
    return (field + "\r\n").encode("ascii")


def _is_structured(name: str) -> bool:
    # Values of these are made by `mailbox`, `message_id` or the date: never free text.
    return name.lower() in {"from", "to", "cc", "reply-to", "sender", "message-id", "date", "in-reply-to"}


def mailbox(display_name: str, address: str) -> str:
    """`"Name" <address>` for a From or To header: the name always quoted or encoded, the address
    checked, so that no name (`Sharma, A <x@y>`) can add a recipient."""
    address = address.strip()
    if not _ADDRESS.fullmatch(address) or ".." in address:
        raise BadHeader(f"{address[:80]!r} is not an address we can send to")
    name = one_line(display_name)
    if not name:
        return f"<{address}>"
    if name.isascii() and "=?" not in name:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    return f"{encoded_words(name)} <{address}>"


def sender(configured: str) -> tuple[str, str]:
    """The configured sender (`PAR Cell <parcell@hry.gov.in>`) as (name, address)."""
    name, address = parseaddr(configured)
    return name, address


def message_id(value: str) -> str:
    """A Message-ID as we make them, checked."""
    if not _MESSAGE_ID.fullmatch(value):
        raise BadHeader(f"not a Message-ID: {value[:80]!r}")
    return value


def attachment(filename: str, content_type: str, data: bytes) -> bytes:
    """A MIME part for a file, encoded once: every officer's email of a letter reuses these bytes."""
    maintype, _, subtype = content_type.partition("/")
    part = MIMEBase(maintype, subtype)
    part.set_payload(data)
    part.add_header("Content-Disposition", "attachment", filename=one_line(filename))
    encoders.encode_base64(part)
    return _part_bytes(part)


def _part_bytes(part: Message) -> bytes:
    return part.as_bytes(policy=_CRLF)


@dataclass(frozen=True)
class Email:
    """One email: who from and to, its subject and Message-ID, a text and an HTML body, and the
    attachments as prebuilt parts (see `attachment`)."""

    sender: tuple[str, str]
    to: tuple[str, str]
    subject: str
    message_id: str
    sent_at: datetime
    text: str
    html: str
    attachments: tuple[bytes, ...] = ()

    def as_bytes(self) -> bytes:
        """The whole message, CRLF line ends, ready for SMTP's DATA or an .eml file."""
        head = b"".join(
            [
                header("From", mailbox(*self.sender)),
                header("To", mailbox(*self.to)),
                header("Subject", self.subject),
                header("Date", format_datetime(self.sent_at)),
                header("Message-ID", message_id(self.message_id)),
                b"MIME-Version: 1.0\r\n",
            ]
        )
        bodies = _multipart("alternative", [_text_part(self.text, "plain"), _text_part(self.html, "html")])
        return head + _multipart("mixed", [bodies, *self.attachments])


def _text_part(text: str, subtype: str) -> bytes:
    """A UTF-8 text part, base64 in lines of 76: built directly, as it is built for every email."""
    encoded = base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode() + encoded
    )


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """A multipart entity (its Content-Type header and body) of parts given as bytes. The boundary is
    random, and cannot occur in base64 lines or in our own part headers."""
    boundary = f"==pavati-{uuid.uuid4().hex}=="
    crlf = b"\r\n"
    mark = f"--{boundary}".encode()
    body = b"".join(mark + crlf + part.rstrip(crlf) + crlf for part in parts) + mark + b"--" + crlf
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n'.encode() + crlf + body
