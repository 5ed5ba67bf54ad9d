"""Emails on the wire: no typed value can add a header or a recipient, and what was typed reads back as typed."""

import io
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import getaddresses
from typing import Any

import pypdf
import pytest
from flask import Flask

from services import emails, jobs
from tests.conftest import Client, Inbox, api_import, api_register, approver, sample

INJECTED_SUBJECT = "=?utf-8?q?Updation_of_email_IDs=0D=0AReply-To:_x@evil.example?="
HOSTILE_NAMES = [
    "evil2@evil.example, Sharma Anil Kumar Long Padding Name Here",
    'Anil "Ace" <ace@evil.example> Sharma',
    "Sharma\r\nBcc: x@evil.example",
    "=?utf-8?q?A=0D=0ABcc:_x@evil.example?=",
    "अनिल शर्मा",
    "Back\\slash; semi: colon (paren)",
]


HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
BAD_ADDRESSES = ["a@b.in>, x@evil.example", "a b@c.in", "a@b.in\r\nBcc: x@evil.example", "<a@b.in>", "a..b@c.in", ""]


def parse(raw: bytes) -> Any:
    return message_from_bytes(raw, policy=policy.default)


def email_with(subject: str = "Subject", name: str = "A One") -> emails.Email:
    return emails.Email(
        sender=("PAR Cell", "parcell@hry.gov.in"),
        to=(name, "a.one@nic.in"),
        subject=subject,
        message_id="<1.pavati@pavati.local>",
        sent_at=datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
        text="Dear officer,\nplease confirm.",
        html="<p>Dear officer,</p>",
        attachments=(emails.attachment("letter.pdf", "application/pdf", sample("dopt-igot-email-om.pdf")),),
    )


@pytest.mark.parametrize(
    "subject",
    [
        INJECTED_SUBJECT,
        "=?utf-8?b?SGVsbG8NCkJjYzogeEBldmlsLmV4YW1wbGU=?=",
        "Line one\r\nBcc: x@evil.example",
        "Tab\tand\u2028separator\u0085next",
        "विषय: ईमेल आईडी का अद्यतन " * 12,
        "Plain subject " * 30,
    ],
)
def test_a_subject_is_one_header_and_reads_back_as_typed(subject: str):
    message = parse(email_with(subject=subject).as_bytes())
    assert message["Reply-To"] is None and message["Bcc"] is None
    assert sorted(message.keys()) == sorted(HEADERS)
    assert message["Subject"] == emails.one_line(subject)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_display_name_never_adds_a_recipient(name: str):
    message = parse(email_with(name=name).as_bytes())
    assert message["Bcc"] is None
    assert getaddresses([str(message["To"])]) == [(emails.one_line(name), "a.one@nic.in")]


@pytest.mark.parametrize(
    ("name", "value"),
    [("To", "<a@b.in>\r\nBcc: x@evil.example"), ("Message-ID", "<a@b>\nX: y"), ("X\r\nBcc", "v"), ("Subject:", "v")],
)
def test_header_refuses_what_would_start_a_line(name: str, value: str):
    with pytest.raises(emails.BadHeader):
        emails.header(name, value)


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_only_plain_addresses_are_written(address: str):
    with pytest.raises(emails.BadHeader):
        emails.mailbox("Name", address)


def test_the_attachment_is_the_pdf_unchanged():
    message = parse(email_with().as_bytes())
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_content() == sample("dopt-igot-email-om.pdf")
    assert len(pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages) >= 1
    assert message.get_body(preferencelist=("plain",)).get_content().startswith("Dear officer,")


def test_every_line_ends_in_crlf_and_fits_smtp():
    raw = email_with(subject="विषय " * 80, name="अनिल " * 40).as_bytes()
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 998


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


def test_a_memo_subject_and_officer_names_cannot_inject_headers_into_sent_mail(
    app: Flask, client: Client, smtp: tuple[Inbox, int], api_token: Any
):
    headers = api_token("clerk")
    circular = api_register(client, headers, subject=INJECTED_SUBJECT)
    assert circular.status_code == 201, circular.json
    roster = "name,sparrow_email\n" + "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",officer{i}@nic.in\n'
        for i, name in enumerate(n for n in HOSTILE_NAMES if "\r" not in n)
    )
    assert api_import(client, headers, roster.encode()).status_code == 200
    response = client.post(
        f"/api/v1/circulars/{circular.json['id']}/endorsements",
        json={"file_no": "No.1", "dated": "2026-03-11", "ack_kind": "read"},
        headers=headers,
    )
    endorsement_id = response.json["id"]
    assert client.post(f"/api/v1/endorsements/{endorsement_id}/issue", headers=approver(client)).status_code == 200
    assert client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers).status_code == 202
    with app.app_context():
        assert jobs.executor().wait(30)
    inbox = smtp[0]
    assert len(inbox.messages) == len(HOSTILE_NAMES) - 1
    for message in inbox.messages:
        assert message["Reply-To"] is None and message["Bcc"] is None
        assert message["Subject"] == INJECTED_SUBJECT
        assert len(getaddresses([str(message["To"])])) == 1
