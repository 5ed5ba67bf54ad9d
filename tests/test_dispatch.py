"""Who is sent what: the letter once per officer, copies to offices, reminders by hand and on a schedule,
retries, pause and cancel."""

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from models import Delivery, Endorsement, Officer, Recipient, SendingState, db, utcnow
from services import acknowledgements, dispatch, jobs, outbox, roster, tracking
from services.errors import Conflict, Invalid
from tests.conftest import ONE_OFFICER, Inbox, issue_letter, settle

THREE = ONE_OFFICER + "B Two,IAS,2002,DC,b.two@nic.in,\nC Three,IAS,2003,DC,c.three@nic.in,\n"


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


def deliveries(app: Flask) -> list[Delivery]:
    with app.app_context():
        rows = db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()
        db.session.expunge_all()
        return list(rows)


def answer(recipient_email: str, response: str = "aligned") -> None:
    recipient = db.session.scalar(db.select(Recipient).where(Recipient.email == recipient_email))
    assert recipient is not None
    token = acknowledgements.link_token(recipient.token_nonce)
    acknowledgements.acknowledge(db.session, token, {"response": response}, None, None)
    db.session.commit()


def test_nothing_is_sent_when_the_transaction_rolls_back(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.rollback()
        db.session.commit()  # a later commit of the same session must not send the rolled-back rows
    settle(app)
    assert smtp[0].messages == [] and deliveries(app) == []


def test_distribute_again_sends_only_to_officers_added_since(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
        with pytest.raises(Conflict):
            dispatch.distribute(db.session, endorsement_id, None)
        db.session.rollback()
        roster.import_roster(db.session, (ONE_OFFICER + "B Two,IAS,2002,DC,b.two@nic.in,\n").encode(), None)
        assert dispatch.distribute(db.session, endorsement_id, None) == 1
        db.session.commit()
    settle(app)
    assert sorted(str(m["To"]) for m in smtp[0].messages) == ["A One <a.one@nic.in>", "B Two <b.two@nic.in>"]


def test_the_same_email_cannot_be_written_twice(app: Flask):
    endorsement_id = issue_letter(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
        row = db.session.scalar(db.select(Delivery))
        assert row is not None
        db.session.add(
            Delivery(
                endorsement_id=row.endorsement_id,
                recipient_id=row.recipient_id,
                kind=row.kind,
                round=row.round,
                to_name=row.to_name,
                to_email=row.to_email,
                message_id="<another@pavati.local>",
            )
        )
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.commit()
        db.session.rollback()


def test_copy_to_offices_with_an_email_get_a_copy_without_a_link(app: Flask, smtp: tuple[Inbox, int]):
    copy_to = "The Under Secretary, DoPT (Training Wing) <us.training@nic.in>\nPS to CM, Haryana\nBad <not an address>"
    endorsement_id = issue_letter(app, copy_to=copy_to)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    (copy,) = smtp[0].to("us.training@nic.in")
    text = copy.get_body(preferencelist=("plain",)).get_content()
    assert "for information" in text and "/a/" not in text
    (letter,) = smtp[0].to("a.one@nic.in")
    assert "/a/" in letter.get_body(preferencelist=("plain",)).get_content()
    with app.app_context():
        counts = tracking.counts(db.session, endorsement_id)
    assert (counts["recipients"], counts["sent"], counts["copies"], counts["copies_sent"]) == (1, 1, 1, 1)
    rows = deliveries(app)
    assert sorted((d.kind, d.to_email) for d in rows) == [("copy", "us.training@nic.in"), ("letter", "a.one@nic.in")]


def test_inactive_officers_are_not_sent_and_answered_ones_not_reminded(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, THREE)
    with app.app_context():
        c_three = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "c.three@nic.in"))
        assert c_three is not None
        roster.set_active(db.session, c_three.id, False, None)
        assert dispatch.distribute(db.session, endorsement_id, None) == 2
        db.session.commit()
    settle(app)
    with app.app_context():
        answer("a.one@nic.in")
        assert dispatch.send_reminders(db.session, endorsement_id, None) == 1
        db.session.commit()
    settle(app)
    assert [str(m["To"]) for m in smtp[0].messages[2:]] == ["B Two <b.two@nic.in>"]


def test_reminders_wait_for_the_letter_and_skip_who_answered_meanwhile(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, THREE)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.info.pop("pavati.jobs.pending")  # still queued, as if the sender were slow
        db.session.commit()
        with pytest.raises(Conflict, match="still being sent"):
            dispatch.send_reminders(db.session, endorsement_id, None)
        db.session.rollback()
        outbox.send_due()
        assert dispatch.send_reminders(db.session, endorsement_id, None) == 3
        db.session.info.pop("pavati.jobs.pending")
        db.session.commit()
        answer("a.one@nic.in")  # before the reminder goes out
        outbox.send_due()
        with pytest.raises(Conflict, match="less than 10 minutes"):
            dispatch.send_reminders(db.session, endorsement_id, None)
    inbox = smtp[0]
    assert sorted(str(m["To"]) for m in inbox.messages[3:]) == ["B Two <b.two@nic.in>", "C Three <c.three@nic.in>"]
    assert all(m["Subject"].startswith("Reminder: ") for m in inbox.messages[3:])
    reminders = [d for d in deliveries(app) if d.kind == "reminder"]
    assert sorted(d.status for d in reminders) == ["cancelled", "sent", "sent"] and {d.round for d in reminders} == {1}


def test_reminders_to_the_officers_ticked(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, THREE)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    with app.app_context():
        answer("a.one@nic.in")
        ids = db.session.scalars(db.select(Recipient.id).where(Recipient.email.in_(["a.one@nic.in", "b.two@nic.in"])))
        assert dispatch.send_reminders(db.session, endorsement_id, None, list(ids)) == 1  # A One has answered
        db.session.commit()
    settle(app)
    assert [str(m["To"]) for m in smtp[0].messages[3:]] == ["B Two <b.two@nic.in>"]


def test_scheduled_reminders_go_every_n_days_until_the_deadline_at_most_k_times(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, THREE, deadline="2099-12-31")
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        dispatch.schedule_reminders(db.session, endorsement_id, 3, 2, None)
        db.session.commit()
    settle(app)

    def days_pass(days: int) -> None:
        earlier = utcnow() - timedelta(days=days)
        db.session.execute(db.update(Delivery).values(created_at=earlier))
        last = Endorsement.last_reminded_at
        db.session.execute(db.update(Endorsement).where(last.is_not(None)).values(last_reminded_at=earlier))
        db.session.commit()

    with app.app_context():
        assert dispatch.run_due_reminders() == {}  # not three days yet
        days_pass(3)
        answer("c.three@nic.in")
        assert dispatch.run_due_reminders() == {endorsement_id: 2}
        assert dispatch.run_due_reminders() == {}  # safe to run again: the round is taken
        settle(app)
        days_pass(3)
        assert dispatch.run_due_reminders() == {endorsement_id: 2}
        settle(app)
        days_pass(3)
        assert dispatch.run_due_reminders() == {}  # at most two rounds
        endorsement = db.session.get(Endorsement, endorsement_id)
        assert endorsement is not None and endorsement.reminder_rounds == 2
    assert not smtp[0].to("c.three@nic.in")[1:]  # answered: never reminded


def test_no_scheduled_reminder_after_the_deadline(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, deadline="2026-03-12")
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        dispatch.schedule_reminders(db.session, endorsement_id, 1, None, None)
        db.session.commit()
        assert dispatch.due_for_reminders(db.session, date(2026, 3, 13)) == []
        with pytest.raises(Invalid):
            dispatch.schedule_reminders(db.session, endorsement_id, 0, None, None)


def test_pause_stops_sending_resume_sends_cancel_never(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app, THREE)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        dispatch.set_sending(db.session, endorsement_id, SendingState.PAUSED, None)
        db.session.commit()
        outbox.send_due()
        assert smtp[0].messages == []
        dispatch.set_sending(db.session, endorsement_id, SendingState.ACTIVE, None)
        db.session.commit()
    settle(app)
    assert len(smtp[0].messages) == 3
    with app.app_context():
        answer("a.one@nic.in")
        dispatch.send_reminders(db.session, endorsement_id, None)
        dispatch.set_sending(db.session, endorsement_id, SendingState.CANCELLED, None)
        db.session.commit()
        outbox.send_due()
        with pytest.raises(Conflict, match="cancelled"):
            dispatch.set_sending(db.session, endorsement_id, SendingState.ACTIVE, None)
        with pytest.raises(Conflict, match="cancelled"):
            dispatch.send_reminders(db.session, endorsement_id, None)
    settle(app)
    assert len(smtp[0].messages) == 3
    assert sorted(d.status for d in deliveries(app) if d.kind == "reminder") == ["cancelled", "cancelled"]


def test_retry_failed_queues_each_recipients_latest_failure(app: Flask, smtp: tuple[Inbox, int]):
    smtp[0].refuse.add("a.one@nic.in")
    endorsement_id = issue_letter(app)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    settle(app)
    (row,) = deliveries(app)
    assert row.status == "failed" and row.last_error == "550 5.1.1 No such user here" and row.attempts == 1
    smtp[0].refuse.clear()
    with app.app_context():
        assert dispatch.retry_failed(db.session, endorsement_id, None) == 1
        db.session.commit()
    settle(app)
    assert [d.status for d in deliveries(app)] == ["sent"] and len(smtp[0].messages) == 1


def test_a_changed_secret_fails_the_send_instead_of_mailing_a_dead_link(app: Flask, smtp: tuple[Inbox, int]):
    endorsement_id = issue_letter(app)
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
    (row,) = deliveries(app)
    assert row.status == "failed" and "SECRET_KEY has changed" in (row.last_error or "")
    assert len(smtp[0].messages) == 1


def test_jobs_wait_for_the_commit(app: Flask):
    with app.app_context():
        jobs.run_after_commit(db.session, outbox.send_due)
        assert db.session.info["pavati.jobs.pending"] == [("services.outbox.send_due", [])]
        db.session.rollback()
        assert "pavati.jobs.pending" not in db.session.info
