"""The outbox: sent once the transaction commits, retried when the server says later, resent after a crash."""

import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from models import Delivery, Officer, Recipient, db, utcnow
from services import acknowledgements, dispatch, intake, letters, outbox, roster
from services.errors import Conflict
from tests.conftest import MEMO_FIELDS, Inbox, sample

ONE = "name,service,batch,designation,sparrow_email,mobile\nA One,IAS,2001,DC,a.one@nic.in,\n"


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


def issued(app: Flask, roster_csv: str = ONE) -> int:
    with app.app_context():
        memo = intake.read_memo(sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        roster.import_roster(db.session, roster_csv.encode(), None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
        endorsement = letters.prepare_endorsement(db.session, circular.id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        db.session.commit()
        return endorsement.id


def settle(app: Flask) -> None:
    with app.app_context():
        assert outbox.executor().wait(30)


def delivery(app: Flask) -> Delivery:
    with app.app_context():
        row = db.session.scalar(db.select(Delivery).order_by(Delivery.id.desc()))
        assert row is not None
        db.session.expunge(row)
        return row


def test_nothing_is_sent_when_the_transaction_rolls_back(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.rollback()
        db.session.commit()  # a later commit of the same session must not send the rolled-back rows
    settle(app)
    time.sleep(0.2)
    assert smtp[0].messages == []


def test_temporary_refusal_is_retried_later(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    inbox.defer.add("a.one@nic.in")
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    row = delivery(app)
    assert row.status == "queued" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
    with app.app_context():
        assert outbox.executor().sweep() == 0  # not due yet
        db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        inbox.defer.clear()
        assert outbox.executor().sweep() == 1
    settle(app)
    row = delivery(app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(inbox.messages) == 1 and inbox.messages[0]["Message-ID"] == row.message_id


def test_send_abandoned_by_a_dead_worker_is_sent_again_with_the_same_message_id(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        ids = db.session.info.pop("pavati.outbox.pending")  # as if the process died before sending
        db.session.commit()
        assert dispatch.claim(db.session, ids[0])  # a worker took it, then died
        assert outbox.executor().sweep() == 0
        db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert outbox.executor().sweep() == 1
    settle(app)
    row = delivery(app)
    assert row.status == "sent" and row.attempts == 2
    assert [m["Message-ID"] for m in smtp[0].messages] == [row.message_id]


KILLED_WORKER = """
import os, signal, sys
from app import create_app
from models import db
from services import dispatch
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": sys.argv[2], "OUTBOX_SWEEP_SECONDS": 0})
with app.app_context():
    assert dispatch.claim(db.session, int(sys.argv[3]))
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-send: the row is claimed and nothing recorded
"""


def test_a_worker_killed_mid_send_frees_its_rows_at_once(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        ids = db.session.info.pop("pavati.outbox.pending")  # the other process is to send it
        db.session.commit()
    config = app.config
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, config["SQLALCHEMY_DATABASE_URI"], config["SECRET_KEY"], str(ids[0])],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        timeout=60,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()
    row = delivery(app)
    assert row.status == "sending" and row.claimed_by and row.next_attempt_at is not None
    assert row.next_attempt_at > utcnow() + timedelta(seconds=config["SEND_CLAIM_SECONDS"] - 60)
    with app.app_context():
        assert outbox.executor().sweep() == 1  # its claim has not lapsed, but its process is gone
    settle(app)
    row = delivery(app)
    assert row.status == "sent" and row.attempts == 2
    assert [m["Message-ID"] for m in smtp[0].messages] == [row.message_id]


def test_a_live_workers_claim_is_left_alone_until_it_lapses(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        ids = db.session.info.pop("pavati.outbox.pending")
        db.session.commit()
        assert dispatch.claim(db.session, ids[0])  # this very process: alive
        db.session.execute(db.update(Delivery).values(claimed_by="other-host:1:1"))
        db.session.commit()
        assert outbox.executor().sweep() == 0
        assert dispatch.release_dead_claims(db.session) == 0


def test_distribute_again_sends_only_to_officers_added_since(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
        with pytest.raises(Conflict):
            dispatch.distribute(db.session, endorsement_id, None)
        db.session.rollback()
        roster.import_roster(db.session, (ONE + "B Two,IAS,2002,DC,b.two@nic.in,\n").encode(), None)
        assert dispatch.distribute(db.session, endorsement_id, None) == 1
        db.session.commit()
    settle(app)
    assert sorted(str(m["To"]) for m in smtp[0].messages) == ["A One <a.one@nic.in>", "B Two <b.two@nic.in>"]


def test_inactive_officers_are_not_sent_and_answered_ones_not_reminded(app: Flask, smtp: tuple[Inbox, int]):
    three = ONE + "B Two,IAS,2002,DC,b.two@nic.in,\nC Three,IAS,2003,DC,c.three@nic.in,\n"
    endorsement_id = issued(app, three)
    with app.app_context():
        c_three = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "c.three@nic.in"))
        assert c_three is not None
        roster.set_active(db.session, c_three.id, False, None)
        assert dispatch.distribute(db.session, endorsement_id, None) == 2
        db.session.commit()
        settle(app)
        first = db.session.scalar(db.select(Recipient).where(Recipient.email == "a.one@nic.in"))
        assert first is not None
        token = acknowledgements.link_token(first.token_nonce)
        acknowledgements.acknowledge(db.session, token, {"response": "aligned"}, None, None)
        db.session.commit()
        assert dispatch.send_reminders(db.session, endorsement_id, None) == 1
        db.session.commit()
    settle(app)
    assert [str(m["To"]) for m in smtp[0].messages[2:]] == ["B Two <b.two@nic.in>"]


def test_reminders_wait_until_first_emails_are_out_and_skip_those_who_answered(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    two = ONE + "B Two,IAS,2002,DC,b.two@nic.in,\n"
    endorsement_id = issued(app, two)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.info.pop("pavati.outbox.pending")  # still queued, as if the sender were slow
        db.session.commit()
        with pytest.raises(Conflict, match="still being sent"):
            dispatch.send_reminders(db.session, endorsement_id, None)
        db.session.rollback()
        outbox.executor().sweep()
    settle(app)
    with app.app_context():
        # The reminder is queued; then A One answers before it goes out.
        assert dispatch.send_reminders(db.session, endorsement_id, None) == 2
        ids = db.session.info.pop("pavati.outbox.pending")
        db.session.commit()
        first = db.session.scalar(db.select(Recipient).where(Recipient.email == "a.one@nic.in"))
        assert first is not None
        acknowledgements.acknowledge(
            db.session, acknowledgements.link_token(first.token_nonce), {"response": "aligned"}, None, None
        )
        db.session.commit()
        outbox.executor().submit(ids)
    settle(app)
    assert [str(m["To"]) for m in inbox.messages[2:]] == ["B Two <b.two@nic.in>"]
    with app.app_context():
        statuses = db.session.scalars(db.select(Delivery.status).where(Delivery.is_reminder)).all()
        assert sorted(statuses) == ["cancelled", "sent"]


def test_a_changed_secret_fails_the_send_instead_of_mailing_a_dead_link(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    app.config["SECRET_KEY"] = "a-new-secret-" + "y" * 32
    with app.app_context():
        db.session.execute(db.update(Delivery).values(status="failed"))
        dispatch.retry_failed(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    row = delivery(app)
    assert row.status == "failed" and "SECRET_KEY has changed" in (row.last_error or "")
    assert len(smtp[0].messages) == 1


def test_sweep_does_not_queue_what_is_already_on_its_way(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issued(app)
    with app.app_context():
        box = outbox.executor()
        dispatch.distribute(db.session, endorsement_id, None)
        delivery_id = db.session.scalar(db.select(Delivery.id))
        assert delivery_id is not None
        box._in_flight.add(delivery_id)  # as if a worker had it: the commit's own submit is skipped too
        db.session.commit()
        assert box.sweep() == 0
        box._in_flight.discard(delivery_id)
        assert box.sweep() == 1  # once no worker has it, the due row is taken
    settle(app)
    assert len(smtp[0].messages) == 1


@pytest.mark.parametrize(
    ("exc", "temporary"),
    [
        (smtplib.SMTPResponseException(451, b"later"), True),
        (smtplib.SMTPResponseException(550, b"no"), False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no")}), False),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPNotSupportedError("no"), False),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (ValueError("bad header"), False),
    ],
)
def test_which_failures_are_retried(exc: Exception, temporary: bool):
    assert dispatch.is_temporary(exc) is temporary
