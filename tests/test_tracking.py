"""Following a letter up: the counts, the recipients list and the answers chart, checked against their
definitions over a random mix of emails and answers; and the page's queries, which do not grow with recipients."""

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from models import Acknowledgement, Delivery, DeliveryStatus, Officer, Recipient, db
from services import dispatch, kinds, letters, tracking
from services import roster as roster_service
from tests.conftest import Auth, Client, issue_letter

INDIA = ZoneInfo("Asia/Kolkata")
REACHED = {"sent", "bounced"}


def roster(n: int) -> str:
    rows = [f"Officer {chr(65 + i % 26)}{i:03},IAS,2001,DC,officer{i:03}@nic.in," for i in range(n)]
    return "name,service,batch,designation,sparrow_email,mobile\n" + "\n".join(rows) + "\n"


def mixed_letter(app: Flask, n: int, seed: int) -> int:
    """A letter sent to `n` officers (and a copy to an office), then given a random history: each
    email's fate, reminders, and answers (some changed, some at the edge of a day in India)."""
    rng = random.Random(seed)
    endorsement_id = issue_letter(app, roster(n), copy_to="DoPT <us.training@nic.in>")
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.info.pop("pavati.jobs.pending")  # nothing is sent: the test writes what happened
        db.session.commit()
        statuses = [s.value for s in DeliveryStatus]
        for delivery in db.session.scalars(sa.select(Delivery)):
            delivery.status = rng.choice(statuses)
        started = datetime.now(UTC) - timedelta(days=6)
        for recipient in db.session.scalars(sa.select(Recipient)):
            for round_ in range(1, rng.choice([1, 1, 2, 3])):
                db.session.add(
                    Delivery(
                        endorsement_id=endorsement_id,
                        recipient_id=recipient.id,
                        kind="reminder",
                        round=round_,
                        to_name="x",
                        to_email=recipient.email,
                        status=rng.choice(statuses),
                        message_id=f"<{recipient.id}.{round_}@test>",
                    )
                )
            if rng.random() < 0.4:
                continue
            # 18:30 UTC is midnight in India: answers just before and after it fall on different days.
            day = started + timedelta(days=rng.randrange(6))
            first = day.replace(hour=18, minute=29, second=59) + timedelta(seconds=rng.choice([0, 1, 3600, -7200]))
            for at in [first, first + timedelta(days=rng.choice([0, 1, 2]))][: rng.choice([1, 2])]:
                state = rng.choice(["aligned", "mismatch"])
                db.session.add(Acknowledgement(recipient_id=recipient.id, response="x", state=state, at=at))
                recipient.state, recipient.acknowledged_at = state, at
                recipient.first_answered_at = recipient.first_answered_at or at
        db.session.commit()
    return endorsement_id


def expected(endorsement_id: int) -> dict[str, Any]:
    """The definitions, computed the long way from every row."""
    recipients = db.session.scalars(sa.select(Recipient).where(Recipient.endorsement_id == endorsement_id)).all()
    emails: dict[int | None, list[Delivery]] = defaultdict(list)
    for d in db.session.scalars(sa.select(Delivery).where(Delivery.endorsement_id == endorsement_id).order_by("id")):
        emails[d.recipient_id].append(d)
    states = Counter(r.state for r in recipients)
    copies = Counter(d.status for d in emails[None])
    counts = {
        "recipients": len(recipients),
        "queued": sum(any(d.status in ("queued", "sending") for d in emails[r.id]) for r in recipients),
        "sent": sum(any(d.status in REACHED for d in emails[r.id]) for r in recipients),
        "failed": sum(emails[r.id][-1].status == "failed" for r in recipients),
        "bounced": sum(any(d.status == "bounced" for d in emails[r.id]) for r in recipients),
        "acknowledged": len(recipients) - states["pending"],
        "aligned": states["aligned"],
        "mismatch": states["mismatch"],
        "pending": states["pending"],
        "copies": len(emails[None]),
        "copies_sent": copies["sent"],
        "copies_failed": copies["failed"],
        "compliant": states["aligned"],
        "alias": 0,
        "by_hand": 0,
        "resolved": 0,
    }
    lists = {
        state: [
            r.id
            for r in recipients
            if state == r.state
            or (state == "acknowledged" and r.state != "pending")
            or (state in ("failed", "bounced") and emails[r.id][-1].status == state)
            or (state == "alias" and r.flag == state)
            or (state == "by_hand" and r.recorded_by_id is not None)
            or (state == "resolved" and r.resolution is not None)
        ]
        for state in tracking.filters(kinds.KINDS["email_alignment"])
    }
    latest = {r.id: emails[r.id][-1].id for r in recipients}
    return {"counts": counts, "lists": lists, "latest": latest}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_and_lists_match_their_definitions(app: Flask, seed: int):
    endorsement_id = mixed_letter(app, 40, seed)
    with app.app_context():
        want = expected(endorsement_id)
        assert tracking.counts(db.session, endorsement_id) == want["counts"]
        names = dict(db.session.execute(sa.select(Recipient.id, Officer.name).join(Officer)).tuples().all())
        for state, ids in want["lists"].items():
            rows, total = tracking.recipients(db.session, endorsement_id, state, 1, 1000)
            assert total == len(ids), state
            assert [r.id for r, _ in rows] == sorted(ids, key=lambda i: names[i]), state
            assert {r.id: d.id if d else None for r, d in rows} == {i: want["latest"][i] for i in ids}, state
        # A page is a slice of the whole, in the same order.
        everyone, _ = tracking.recipients(db.session, endorsement_id, None, 1, 1000)
        second, total = tracking.recipients(db.session, endorsement_id, None, 2, 7)
        assert total == 40 and [r.id for r, _ in second] == [r.id for r, _ in everyone[7:14]]


def test_an_officer_renamed_on_the_roster_moves_in_each_letters_list(app: Flask):
    endorsement_id = mixed_letter(app, 5, 1)
    with app.app_context():
        first = tracking.recipients(db.session, endorsement_id)[0][0][0]
        roster_service.save_officer(db.session, first.officer_id, {"name": "Zorawar Singh"}, None)
        db.session.commit()
        rows, _ = tracking.recipients(db.session, endorsement_id)
        assert [r.officer.name for r, _ in rows][-1] == "Zorawar Singh"
        assert [r.name for r, _ in rows] == sorted(r.officer.name for r, _ in rows)
        found, total = tracking.recipients(db.session, endorsement_id, search="zorawar")
        assert total == 1 and found[0][0].id == first.id
        # What is typed is looked for as itself: % and _ are no wildcards.
        assert tracking.recipients(db.session, endorsement_id, search="_")[1] == 0
        assert tracking.recipients(db.session, endorsement_id, search="zor%")[1] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_answers_by_day_follow_each_officers_first_answer_in_office_time(app: Flask, seed: int):
    endorsement_id = mixed_letter(app, 40, seed)
    with app.app_context():
        started = db.session.scalar(sa.select(sa.func.min(Delivery.created_at)))
        first: dict[int, datetime] = {}
        for ack in db.session.scalars(sa.select(Acknowledgement).order_by(Acknowledgement.at)):
            first.setdefault(ack.recipient_id, ack.at)
        per_day = Counter(at.astimezone(INDIA).date() for at in first.values())
        today = datetime.now(INDIA).date()
        day, running, want = min([started.astimezone(INDIA).date(), *per_day]), 0, []
        while day <= today:
            running += per_day[day]
            want.append((day, per_day[day], running))
            day += timedelta(days=1)
        assert tracking.answers_by_day(db.session, endorsement_id, INDIA, today) == want
        assert tracking.answers_by_day(db.session, endorsement_id, INDIA, today, most_days=3) == want[-3:]
        # In another zone the same answers fall on other days.
        utc = tracking.answers_by_day(db.session, endorsement_id, ZoneInfo("UTC"), today)
        assert Counter({d: n for d, n, _ in utc if n}) == Counter(at.date() for at in first.values())


def test_an_answer_in_the_last_instant_of_an_office_day_counts_on_that_day(app: Flask):
    endorsement_id = mixed_letter(app, 5, 1)
    with app.app_context():
        db.session.execute(sa.update(Recipient).values(first_answered_at=None))
        last_instant = datetime(2026, 11, 2, 18, 29, 59, 999_999, tzinfo=UTC)  # 23:59:59.999999 in India
        recipient = db.session.scalars(sa.select(Recipient).where(Recipient.endorsement_id == endorsement_id)).first()
        assert recipient is not None
        recipient.first_answered_at = last_instant
        db.session.commit()
        timeline = tracking.answers_by_day(db.session, endorsement_id, INDIA, date(2026, 11, 3))
        assert {day: n for day, n, _ in timeline if n} == {date(2026, 11, 2): 1}


def test_answers_by_day_before_any_email_is_empty(app: Flask):
    endorsement_id = issue_letter(app)
    with app.app_context():
        assert tracking.answers_by_day(db.session, endorsement_id, INDIA, date.today()) == []


def test_the_page_and_the_api_make_as_many_queries_for_many_recipients_as_for_few(
    app: Flask, client: Client, auth: Auth, api_token: Any
):
    few = mixed_letter(app, 3, 1)
    auth.login("clerk")
    headers = api_token("viewer")
    with app.app_context():
        roster_service.import_roster(db.session, roster(60).encode(), None)
        fields = {**letters.draft_defaults(db.session, 1), "dated": "2026-03-11", "file_no": "No.2"}
        many = letters.prepare_endorsement(db.session, 1, fields, None).id
        letters.issue_endorsement(db.session, many, None)
        dispatch.distribute(db.session, many, None)
        db.session.info.pop("pavati.jobs.pending")
        db.session.commit()
    for url in ("/endorsements/{}", "/endorsements/{}?state=failed", "/api/v1/endorsements/{}"):
        kwargs = {"headers": headers} if url.startswith("/api") else {}
        queries = []
        for endorsement_id in (few, many):
            seen: list[str] = []

            def record(*args: Any, seen: list[str] = seen) -> None:
                seen.append(args[2])

            with app.app_context():
                sa.event.listen(db.engine, "before_cursor_execute", record)
                try:
                    assert client.get(url.format(endorsement_id), **kwargs).status_code == 200
                finally:
                    sa.event.remove(db.engine, "before_cursor_execute", record)
            queries.append(len(seen))
        assert queries[0] == queries[1], url
