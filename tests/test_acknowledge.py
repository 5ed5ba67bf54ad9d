"""Officers' answers: opening records nothing, answers may be changed, bad answers change nothing."""

import threading
from typing import Any

import pytest
from flask import Flask

from models import Acknowledgement, AuditEvent, Officer, Recipient, db
from services import acknowledgements, dispatch, intake, jobs, letters, roster
from tests.conftest import MEMO_FIELDS, Client, sample


def issued_endorsement(app: Flask, ack_kind: str = "email_alignment") -> dict[str, str]:
    """An issued, distributed endorsement; returns each officer's email → link token."""
    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        fields = {**letters.draft_defaults(db.session, circular.id), "ack_kind": ack_kind, "dated": "2026-03-11"}
        endorsement = letters.prepare_endorsement(db.session, circular.id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        dispatch.distribute(db.session, endorsement.id, None)
        db.session.commit()
        jobs.executor().wait(30)
        return {r.email: acknowledgements.link_token(r.token_nonce) for r in db.session.scalars(db.select(Recipient))}


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def test_tokens_are_stored_only_hashed(app: Flask):
    tokens = issued_endorsement(app)
    with app.app_context():
        stored = {r.token_hash for r in db.session.scalars(db.select(Recipient))}
        columns = [str(v) for r in db.session.scalars(db.select(Recipient)) for v in vars(r).values()]
    assert not set(tokens.values()) & stored
    assert not any(token in value for token in tokens.values() for value in columns)
    assert all(len(t) >= 43 for t in tokens.values())


def test_opening_the_link_records_nothing(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    before = count(app, AuditEvent)
    for _ in range(3):
        assert client.get(f"/a/{token}").status_code == 200
        assert client.head(f"/a/{token}").status_code == 200
    assert count(app, Acknowledgement) == 0 and count(app, AuditEvent) == before
    assert client.get(f"/a/{token}/letter.pdf").data.startswith(b"%PDF-")


def test_answers_can_be_changed_and_all_are_kept(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    assert client.submit(f"/a/{token}", {"response": "different", "igot_email": "kg@gmail.com"}).status_code == 303
    page = client.get(f"/a/{token}").get_data(as_text=True)
    assert "You may change your answer" in page and 'value="kg@gmail.com"' in page
    assert client.submit(f"/a/{token}", {"response": "updated"}).status_code == 303
    with app.app_context():
        recipient = db.session.scalar(db.select(Recipient).where(Recipient.email == "kavita.garg@nic.in"))
        assert recipient is not None
        assert (recipient.state, recipient.response, recipient.igot_email) == ("aligned", "updated", None)
        history = db.session.scalars(db.select(Acknowledgement.response).order_by(Acknowledgement.id)).all()
        assert history == ["different", "updated"]
        officer = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "kavita.garg@nic.in"))
        assert officer is not None and officer.igot_email == "kavita.garg@nic.in"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please choose one of the answers"),
        ({"response": "maybe"}, "Not a valid choice"),
        ({"response": "noted"}, "Not a valid choice"),
        ({"response": "different"}, "Please type the email ID you use on iGOT Karmayogi"),
        ({"response": "different", "igot_email": "not an email"}, "not a valid email address"),
        ({"response": "different", "igot_email": "a@b.c\r\nBcc: x@y.z"}, "not a valid email address"),
    ],
)
def test_bad_answers_change_nothing(app: Flask, client: Client, data: dict[str, str], message: str):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    response = client.submit(f"/a/{token}", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Acknowledgement) == 0


def test_answer_without_csrf_token_is_refused(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    assert client.post(f"/a/{token}", data={"response": "aligned"}).status_code == 422
    assert count(app, Acknowledgement) == 0


def test_altered_token_is_404(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/a/{altered}").status_code == 404
    assert client.post(f"/a/{altered}", data={"response": "aligned"}).status_code == 404
    assert count(app, Acknowledgement) == 0


def test_read_kind_asks_only_read_and_noted(app: Flask, client: Client):
    token = issued_endorsement(app, ack_kind="read")["kavita.garg@nic.in"]
    page = client.get(f"/a/{token}").get_data(as_text=True)
    assert "noted" in page and "iGOT Karmayogi email ID is different" not in page
    assert client.submit(f"/a/{token}", {"response": "aligned"}).status_code == 422
    assert client.submit(f"/a/{token}", {"response": "noted"}).status_code == 303
    with app.app_context():
        recipient = db.session.scalar(db.select(Recipient).where(Recipient.state == "noted"))
        assert recipient is not None and recipient.email == "kavita.garg@nic.in"


def test_officer_page_is_not_cached_and_sends_no_referrer_elsewhere(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    response = client.get(f"/a/{token}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_answers_by_day_counts_each_officer_once_in_office_time(app: Flask, client: Client):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from services import tracking

    india = ZoneInfo("Asia/Kolkata")
    tokens = issued_endorsement(app)
    emails = sorted(tokens)
    for email in emails[:3]:
        client.submit(f"/a/{tokens[email]}", {"response": "aligned"})
    client.submit(f"/a/{tokens[emails[0]]}", {"response": "updated"})  # a second answer is not a second officer
    # One answer given at 20:00 UTC three days ago: the next day in India.
    late_at = (datetime.now(UTC) - timedelta(days=3)).replace(hour=20, minute=0)
    with app.app_context():
        late = db.session.scalar(db.select(Acknowledgement).where(Acknowledgement.response == "aligned").limit(1))
        assert late is not None
        late.at = late_at
        db.session.commit()
        today = datetime.now(india).date()
        timeline = tracking.answers_by_day(db.session, 1, india, today)
    first_day = late_at.astimezone(india).date()
    assert first_day == late_at.date() + timedelta(days=1)
    assert timeline[0] == (first_day, 1, 1)
    assert [d for d, _, _ in timeline] == [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
    assert timeline[-1] == (today, 2, 3)
    assert client.get("/a/" + tokens[emails[0]]).status_code == 200


def test_simultaneous_answers_leave_the_latest_by_the_databases_order_current(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    answers = [{"response": "different", "igot_email": f"kg{i}@gmail.com"} for i in range(20)]
    answers += [{"response": "aligned"}, {"response": "updated"}] * 10
    clients = [app.test_client() for _ in answers]
    tokens = [c.csrf_token(f"/a/{token}") for c in clients]  # type: ignore[attr-defined]
    barrier = threading.Barrier(len(answers))
    codes: list[int] = []

    def answer(i: int) -> None:
        barrier.wait()
        codes.append(clients[i].post(f"/a/{token}", data={**answers[i], "csrf_token": tokens[i]}).status_code)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [303] * len(answers)
    with app.app_context():
        stored = db.session.scalars(db.select(Acknowledgement).order_by(Acknowledgement.id)).all()
        recipient = db.session.scalar(db.select(Recipient).where(Recipient.email == "kavita.garg@nic.in"))
        assert recipient is not None and len(stored) == len(answers)
        assert [a.at for a in stored] == sorted(a.at for a in stored)
        latest = stored[-1]
        assert (recipient.response, recipient.igot_email) == (latest.response, latest.igot_email)
        assert recipient.acknowledged_at == latest.at
