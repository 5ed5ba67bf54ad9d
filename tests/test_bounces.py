"""Bounces: delivery status notifications in an mbox or .eml file mark the emails they report, by Message-ID."""

import mailbox
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from models import Delivery, Officer, db
from services import bounces, dispatch, outbox, tracking
from tests.conftest import ONE_OFFICER, Inbox, issue_letter, settle


def dsn(message_id: str, recipient: str, action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    return f"""From: MAILER-DAEMON@mx.nic.in (Mail Delivery System)
To: parcell@hry.gov.in
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.nic.in
Arrival-Date: Wed, 11 Mar 2026 10:00:00 +0530

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: PAR Cell <parcell@hry.gov.in>
To: {recipient}
Subject: Instructions regarding Updation of Email ID
Message-ID: {message_id}

--B1--
""".replace("\n", "\r\n").encode()


def sent_letter(app: Flask) -> Delivery:
    endorsement_id = issue_letter(app, ONE_OFFICER + "B Two,IAS,2002,DC,b.two@nic.in,\n")
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    with app.app_context():
        row = db.session.scalar(db.select(Delivery).where(Delivery.to_email == "a.one@nic.in"))
        assert row is not None and row.status == "sent"
        db.session.expunge(row)
        return row


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1])
    return app_config


def test_a_bounce_marks_the_email_and_the_officers_address(app: Flask, runner: Any, tmp_path: Path):
    row = sent_letter(app)
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn(row.message_id, "a.one@nic.in"))
    result = runner.invoke(args=["bounces", "import", str(path)])
    assert result.exit_code == 0 and "1 notifications: 1 emails marked bounced, 0 not ours" in result.output
    with app.app_context():
        bounced = db.session.get(Delivery, row.id)
        officer = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "a.one@nic.in"))
        assert bounced is not None and bounced.status == "bounced" and "User unknown" in (bounced.last_error or "")
        assert (
            officer is not None and officer.email_bounced_at and "User unknown" in (officer.email_bounce_reason or "")
        )
        other = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "b.two@nic.in"))
        assert other is not None and other.email_bounced_at is None


def test_an_mbox_of_notices_skips_delays_strangers_and_other_mail(app: Flask, tmp_path: Path):
    row = sent_letter(app)
    box = mailbox.mbox(str(tmp_path / "bounces.mbox"))
    box.add(dsn(row.message_id, "a.one@nic.in"))
    box.add(dsn(row.message_id, "a.one@nic.in", action="delayed"))
    box.add(dsn("<not-ours@elsewhere>", "x@y.in"))
    box.add(b"From: someone@nic.in\r\nSubject: Out of office\r\n\r\nAway till Monday.\r\n")
    box.flush()
    with app.app_context():
        report = bounces.import_bounces(db.session, tmp_path / "bounces.mbox", None)
        db.session.commit()
    assert (report.notifications, report.bounced, report.unmatched, report.not_failures) == (2, 1, 1, 2)


def test_a_bounced_recipient_is_listed_and_counted(app: Flask, tmp_path: Path):
    row = sent_letter(app)
    with app.app_context():
        found = bounces.bounces_in(bounces.parse(dsn(row.message_id, "a.one@nic.in")))
        bounces.record_bounces(db.session, found, None)
        db.session.commit()
        counts = tracking.counts(db.session, row.endorsement_id)
        listed, total = tracking.recipients(db.session, row.endorsement_id, "bounced")
        assert total == 1 and listed[0][0].email == "a.one@nic.in"
        assert outbox.claim_batch(db.session, 10) == []  # a bounced email is not sent again by itself
    assert counts["bounced"] == 1 and counts["sent"] == 2


def test_a_file_that_is_not_there_is_a_clear_error(runner: Any, tmp_path: Path):
    result = runner.invoke(args=["bounces", "import", str(tmp_path / "missing.mbox")])
    assert result.exit_code != 0 and "is not a file" in result.output
