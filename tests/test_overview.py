"""Following letters up: the overview (progress per letter, overdue marked), searching a letter's recipients, and
sending one officer's failed email again."""

from datetime import timedelta

from flask import Flask

from models import AuditEvent, Delivery, Endorsement, db
from services import days, jobs, overview
from tests.conftest import Auth, Client, issued_endorsement, sqlite_only


def test_each_letter_shows_answered_and_complied_and_overdue(app: Flask, client: Client, auth: Auth):
    tokens = issued_endorsement(app)
    first, second = sorted(tokens)[:2]
    client.submit(f"/a/{tokens[first]}", {"response": "aligned"})
    client.submit(f"/a/{tokens[second]}", {"response": "different", "igot_email": "z@gmail.com"})
    with app.app_context():
        today = days.today()
        assert not overview.overview(db.session, today)[0][0].overdue  # no deadline, never overdue
        db.session.execute(db.update(Endorsement).values(deadline=today - timedelta(days=1)))
        db.session.commit()
        (row,), total = overview.overview(db.session, today)
        assert (total, row.recipients, row.answered, row.compliant) == (1, 40, 2, 1)
        assert (row.answered_percent, row.compliant_percent) == (5.0, 2.5)
        assert row.overdue  # the deadline has passed with officers pending
        db.session.execute(db.update(Endorsement).values(deadline=today + timedelta(days=1)))
        db.session.commit()
        assert not overview.overview(db.session, today)[0][0].overdue
        assert overview.overview(db.session, today, page=2)[0] == []
    auth.login("viewer")
    page = client.get("/endorsements/").get_data(as_text=True)
    assert "5.0 %" in page and "2.5 %" in page and "overdue" not in page


@sqlite_only
def test_no_letters_yet_says_so(app: Flask, client: Client, auth: Auth):
    auth.login("viewer")
    assert "No letters sent yet" in client.get("/endorsements/").get_data(as_text=True)


@sqlite_only
def test_a_letters_recipients_can_be_searched_by_name_or_email(app: Flask, client: Client, auth: Auth):
    issued_endorsement(app)
    auth.login("viewer")
    page = client.get("/endorsements/1?q=KAVITA").get_data(as_text=True)
    assert "kavita.garg@nic.in" in page and "prashant.dahiya@nic.in" not in page
    assert "No recipient matches" in client.get("/endorsements/1?q=nobody&state=pending").get_data(as_text=True)


@sqlite_only
def test_one_officers_failed_email_can_be_sent_again(app: Flask, client: Client, auth: Auth):
    issued_endorsement(app)
    with app.app_context():
        failed = db.session.scalars(db.select(Delivery).order_by(Delivery.id).limit(2)).all()
        for delivery in failed:
            delivery.status, delivery.last_error = "failed", "550 mailbox unavailable"
        db.session.commit()
        chosen, other = failed[0].recipient_id, failed[1].id
    auth.login("clerk")
    page = client.get("/endorsements/1?state=failed").get_data(as_text=True)
    assert page.count(">Resend</button>") == 2
    done = client.submit(
        "/endorsements/1", {}, action=f"/endorsements/1/recipients/{chosen}/resend", follow_redirects=True
    )
    assert "Queued again" in done.get_data(as_text=True)
    again = client.submit(
        "/endorsements/1", {}, action=f"/endorsements/1/recipients/{chosen}/resend", follow_redirects=True
    )
    assert "nothing to send again" in again.get_data(as_text=True)
    with app.app_context():
        jobs.executor().wait(30)
        assert db.session.get(Delivery, failed[0].id).status == "sent"  # type: ignore[union-attr]
        assert db.session.get(Delivery, other).status == "failed"  # type: ignore[union-attr]
        resent = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "recipient.resent")).one()
        assert (resent.entity_id, resent.details) == (chosen, {"endorsement": 1})
