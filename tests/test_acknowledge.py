"""Officers' answers: opening records nothing, answers may be changed, bad answers change nothing."""

import html
import re
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner

from models import Acknowledgement, AuditEvent, Endorsement, Officer, Recipient, db
from services import acknowledgements, days, office, tracking
from tests.conftest import Auth, Client, issued_endorsement, sqlite_only


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


# Names Hindi pages write in Latin letters too, as the portals and the brand do.
LATIN_IN_HINDI = {"Pavati", "English", "PDF", "iGOT", "SPARROW", "APAR"}


def english_words(app: Flask, token: str, response: Any, *typed: str) -> set[str]:
    """The English words an officer's page in Hindi shows (its text, and what it says to screen readers) beyond its
    data: the letter's particulars, the office's and the officer's names, their email, what they typed."""
    with app.app_context():
        recipient = acknowledgements.recipient_for_token(db.session, token)
        letter, circular = recipient.endorsement, recipient.endorsement.circular
        data = [recipient.officer.name, recipient.email, letter.file_no, app.config["CELL_CONTACT_EMAIL"], *typed]
        data += [circular.subject, circular.reference_no, circular.issued_by]
        data += [value for value in office.particulars(db.session).values() if value]
    page = response.get_data(as_text=True)
    said = html.unescape(" ".join([re.sub(r"<[^>]+>", " ", page), *re.findall(r'(?:aria-label|alt)="([^"]*)"', page)]))
    for value in sorted(data, key=len, reverse=True):
        said = said.replace(value, " ")
    return set(re.findall(r"[A-Za-z]{2,}", said)) - LATIN_IN_HINDI


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
        assert (recipient.state, recipient.response, recipient.details) == ("aligned", "updated", {})
        history = db.session.scalars(db.select(Acknowledgement.response).order_by(Acknowledgement.id)).all()
        assert history == ["different", "updated"]
        officer = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "kavita.garg@nic.in"))
        assert officer is not None and officer.igot_email == "kavita.garg@nic.in"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please choose one of the answers"),
        ({"response": "maybe"}, "Please choose one of the answers"),
        ({"response": "noted"}, "Please choose one of the answers"),
        ({"response": "different"}, "Please type the email ID you use on iGOT Karmayogi"),
        ({"response": "different", "igot_email": "not an email"}, "not a valid email address"),
        ({"response": "different", "igot_email": "a@b.c\r\nBcc: x@y.z"}, "not a valid email address"),
        ({"response": "different", "igot_email": "a" * 250 + "@b.in"}, "at most 254 characters"),
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


@pytest.mark.parametrize(
    "body", [{"json": [1]}, {"json": "aligned"}, {"data": "{", "content_type": "application/json"}]
)
def test_an_answer_sent_as_json_is_refused_not_a_500(app: Flask, client: Client, body: dict[str, Any]):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    assert client.post(f"/a/{token}", **body).status_code == 422
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
        late.at = late.recipient.first_answered_at = late_at  # each officer's first answer was "aligned"
        db.session.commit()
        today = datetime.now(india).date()
        timeline = tracking.answers_by_day(db.session, 1, india, today)
    first_day = late_at.astimezone(india).date()
    assert first_day == late_at.date() + timedelta(days=1)
    assert timeline[0] == (first_day, 1, 1)
    assert [d for d, _, _ in timeline] == [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
    assert timeline[-1] == (today, 2, 3)
    assert client.get("/a/" + tokens[emails[0]]).status_code == 200


def test_changing_an_answer_keeps_the_time_of_the_first(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    client.submit(f"/a/{token}", {"response": "aligned"})
    with app.app_context():
        first = db.session.scalars(db.select(Recipient.first_answered_at).filter_by(email="kavita.garg@nic.in")).one()
    client.submit(f"/a/{token}", {"response": "updated"})
    with app.app_context():
        recipient = db.session.scalars(db.select(Recipient).filter_by(email="kavita.garg@nic.in")).one()
        assert recipient.first_answered_at == first and recipient.acknowledged_at > first
        assert recipient.response == "updated"


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
        assert (recipient.response, recipient.details) == (latest.response, latest.details)
        assert recipient.acknowledged_at == latest.at


@sqlite_only
def test_the_page_speaks_hindi_when_asked_and_remembers(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    english = client.get(f"/a/{token}").get_data(as_text=True)
    assert '<html lang="en">' in english and "Your answer" in english
    by_browser = client.get(f"/a/{token}", headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"})
    assert '<html lang="hi">' in by_browser.get_data(as_text=True)
    switched = client.get(f"/a/{token}?lang=hi", headers={"Accept-Language": "en"})
    page = switched.get_data(as_text=True)
    assert "आपका उत्तर" in page and "iGOT कर्मयोगी और SPARROW पर मेरी ईमेल आईडी एक ही है" in page
    assert "lang=hi" in switched.headers["Set-Cookie"]
    # The choice is remembered over the browser's own.
    assert '<html lang="hi">' in client.get(f"/a/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    refused = client.submit(f"/a/{token}", {"response": "different", "igot_email": "nope"})
    assert refused.status_code == 422 and "यह मान्य ईमेल पता नहीं है" in refused.get_data(as_text=True)
    thanks = client.submit(f"/a/{token}", {"response": "aligned"}, follow_redirects=True).get_data(as_text=True)
    assert "धन्यवाद" in thanks


@sqlite_only
def test_the_page_keeps_its_token_to_itself(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    assert client.get(f"/a/{token}").headers["Referrer-Policy"] == "same-origin"


@sqlite_only
def test_a_link_past_its_deadline_and_grace_records_nothing(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    app.config["ACK_GRACE_DAYS"] = 30  # the letter is dated March 2026, its deadline long past
    with app.app_context():
        db.session.execute(db.update(Endorsement).values(deadline=days.today() - timedelta(days=31)))
        db.session.commit()
    page = client.get(f"/a/{token}")
    assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
    assert app.config["CELL_CONTACT_EMAIL"] in page.get_data(as_text=True)
    assert client.post(f"/a/{token}", data={"response": "aligned"}).status_code == 410
    assert count(app, Acknowledgement) == 0
    with app.app_context():
        db.session.execute(db.update(Endorsement).values(deadline=days.today() - timedelta(days=30)))
        db.session.commit()
    assert client.get(f"/a/{token}").status_code == 200  # the last day of grace still takes answers


@sqlite_only
def test_answers_are_rate_limited_per_link_and_per_address(app: Flask, client: Client):
    tokens = list(issued_endorsement(app).values())
    app.config.update(ACK_RATE_PER_TOKEN=2, ACK_RATE_PER_ADDRESS=4)
    codes = [client.submit(f"/a/{tokens[0]}", {"response": "aligned"}).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    assert client.submit(f"/a/{tokens[1]}", {"response": "aligned"}).status_code == 303
    assert client.submit(f"/a/{tokens[2]}", {"response": "aligned"}).status_code == 429  # the address's fifth
    assert client.get(f"/a/{tokens[2]}").status_code == 200  # reading is never limited
    assert count(app, Acknowledgement) == 3


def test_course_completion_answers_carry_a_date_or_a_certificate(app: Flask, client: Client):
    tokens = issued_endorsement(app, "course_completion")
    first, second, third = list(tokens.values())[:3]
    page = client.get(f"/a/{first}").get_data(as_text=True)
    assert "Comprehensive Assessment" in page and 'type="date"' in page
    soon = (date.today() + timedelta(days=20)).isoformat()
    assert client.submit(f"/a/{first}", {"response": "in_progress"}).status_code == 422
    assert client.submit(f"/a/{first}", {"response": "in_progress", "expected_by": soon}).status_code == 303
    thanks = client.get(f"/a/{first}/thanks").get_data(as_text=True)
    assert f"{date.fromisoformat(soon):%d.%m.%Y}" in thanks and soon not in thanks  # day first, as every date
    hidden = client.submit(f"/a/{second}", {"response": "completed", "certificate_id": "KB-42\u202e"})
    assert hidden.status_code == 422 and "no spaces or hidden characters" in hidden.get_data(as_text=True)
    assert count(app, Acknowledgement) == 1
    assert client.submit(f"/a/{second}", {"response": "completed", "certificate_id": "KB-42"}).status_code == 303
    assert client.submit(f"/a/{third}", {"response": "not_started"}).status_code == 303
    with app.app_context():
        counts = tracking.counts(db.session, 1)
        details = {
            r.state: r.details for r in db.session.scalars(db.select(Recipient).where(Recipient.state != "pending"))
        }
    assert (counts["completed"], counts["in_progress"], counts["not_started"]) == (1, 1, 1)
    assert (counts["acknowledged"], counts["compliant"]) == (3, 1)
    assert details == {
        "in_progress": {"expected_by": soon},
        "completed": {"certificate_id": "KB-42"},
        "not_started": {},
    }


def test_staff_record_an_answer_by_hand_with_the_reason(app: Flask, client: Client, auth: Auth, api_token: Any):
    issued_endorsement(app)
    with app.app_context():
        recipient = db.session.scalars(db.select(Recipient).order_by(Recipient.id)).first()
        assert recipient is not None
        page = f"/endorsements/{recipient.endorsement_id}/recipients/{recipient.id}/by-hand"
    auth.login("viewer")
    assert client.get(page).status_code == 403
    auth.logout()
    auth.login("clerk")
    assert "Record" in client.get(page).get_data(as_text=True)
    refused = client.submit(page, {"response": "aligned", "reason": ""}, follow_redirects=True)
    assert "The reason is required" in refused.get_data(as_text=True) and count(app, Acknowledgement) == 0
    done = client.submit(page, {"response": "aligned", "reason": "Confirmed by phone"}, follow_redirects=True)
    assert "by hand, Clerk: Confirmed by phone" in done.get_data(as_text=True)
    export = client.get(f"/endorsements/{recipient.endorsement_id}/recipients.csv").get_data(as_text=True)
    assert "Why by hand" in export and "Confirmed by phone" in export
    listing = f"/api/v1/endorsements/{recipient.endorsement_id}/recipients?state=by_hand"
    item = client.get(listing, headers=api_token()).json["items"][0]
    assert (item["by_hand"], item["reason"]) == (True, "Confirmed by phone")
    with app.app_context():
        answer = db.session.scalars(db.select(Acknowledgement)).one()
        event = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "recipient.acknowledged_by_hand")
        ).one()
        counts = tracking.counts(db.session, recipient.endorsement_id)
    assert (answer.reason, answer.recorded_by_id is not None) == ("Confirmed by phone", True)
    assert event.details["reason"] == "Confirmed by phone" and counts["by_hand"] == 1
    assert client.get(f"/endorsements/{recipient.endorsement_id}?state=by_hand").status_code == 200
    assert client.get(f"/endorsements/{recipient.endorsement_id}/recipients/999/by-hand").status_code == 404


@sqlite_only
def test_a_link_that_leads_nowhere_is_a_404_in_the_officers_language_without_staff_links(app: Flask, client: Client):
    for path in ("/a/not-a-token", "/a/cut/short"):
        english = client.get(path, headers={"Accept-Language": "en"})
        page = english.get_data(as_text=True)
        assert english.status_code == 404 and '<html lang="en">' in page
        assert "This link does not open a letter" in page and app.config["CELL_CONTACT_EMAIL"] in page
        assert "Go to the circulars" not in page and 'href="/"' not in page
        hindi = client.get(path, headers={"Accept-Language": "hi-IN,hi;q=0.9"}).get_data(as_text=True)
        assert '<html lang="hi">' in hindi and "यह लिंक कोई पत्र नहीं खोलता" in hindi
        assert "This link does not open a letter" not in hindi and 'href="/"' not in hindi
    # Staff pages keep their own error page, in English, whatever the browser asks for.
    staff = client.get("/nowhere", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert '<html lang="en">' in staff and "Go to the circulars" in staff


@sqlite_only
def test_too_many_answers_say_so_in_the_officers_language_and_when_to_try_again(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    app.config.update(ACK_RATE_PER_TOKEN=1)
    assert client.submit(f"/a/{token}?lang=hi", {"response": "aligned"}).status_code == 303
    refused = client.submit(f"/a/{token}", {"response": "updated"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and '<html lang="hi">' in page
    assert "कृपया एक मिनट बाद फिर से प्रयास करें" in page and "Too many" not in page and 'href="/"' not in page
    assert refused.headers["Retry-After"] == "60"
    english = client.submit(f"/a/{token}?lang=en", {"response": "updated"})
    assert english.status_code == 429 and "Retry-After" in english.headers
    assert "Too many answers were sent" in english.get_data(as_text=True)
    assert "Please try again in a minute." in english.get_data(as_text=True)
    assert count(app, Acknowledgement) == 1


@sqlite_only
@pytest.mark.parametrize("refusal", ["method", "size"])
def test_a_request_the_officers_page_cannot_take_says_so_in_their_language(app: Flask, client: Client, refusal: str):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    if refusal == "method":
        response = client.delete(f"/a/{token}?lang=hi")
    else:
        app.config["MAX_CONTENT_LENGTH"] = 100
        response = client.post(f"/a/{token}?lang=hi", data={"response": "aligned", "x": "y" * 200})
    page = response.get_data(as_text=True)
    assert response.status_code in (405, 413) and '<html lang="hi">' in page
    assert "आपका उत्तर नहीं लिया जा सका" in page and 'href="/"' not in page
    assert count(app, Acknowledgement) == 0


@sqlite_only
def test_the_footer_reads_in_the_pages_language_and_staff_pages_stay_in_english(app: Flask, client: Client, auth: Auth):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    english = client.get(f"/a/{token}?lang=en").get_data(as_text=True)
    assert "पावती · the receipt an office gives back" in english
    hindi = client.get(f"/a/{token}?lang=hi").get_data(as_text=True)  # remembered: the cookie is the site's
    assert "पावती · कार्यालय द्वारा लौटाई जाने वाली रसीद" in hindi and "the receipt an office" not in hindi
    # A clerk who tried the officer's page in Hindi, on a browser asking for Hindi, still works in English.
    auth.login("clerk")
    with app.app_context():
        recipient = db.session.scalars(db.select(Recipient).where(Recipient.email == "kavita.garg@nic.in")).one()
    by_hand = f"/endorsements/{recipient.endorsement_id}/recipients/{recipient.id}/by-hand"
    staff = client.get(by_hand, headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert '<html lang="en">' in staff and "the receipt an office gives back" in staff
    assert "Only if you chose" in staff and "केवल तभी" not in staff


@sqlite_only
@pytest.mark.parametrize("kind", ["email_alignment", "read", "course_completion"])
def test_every_kind_of_page_names_the_officer_and_shows_the_email_on_record_once(app: Flask, client: Client, kind: str):
    token = issued_endorsement(app, kind)["kavita.garg@nic.in"]
    with app.app_context():
        name = db.session.scalars(db.select(Officer.name).where(Officer.sparrow_email == "kavita.garg@nic.in")).one()
    page = client.get(f"/a/{token}").get_data(as_text=True)
    assert f"Dear {name}," in page
    assert "Your email ID on record:" in page and page.count("kavita.garg@nic.in") == 1


@sqlite_only
@pytest.mark.parametrize(
    ("kind", "answer"),
    [("read", {"response": "noted"}), ("course_completion", {"response": "in_progress", "expected_by": "soon"})],
)
def test_the_page_and_the_thanks_page_in_hindi_leave_no_english(
    app: Flask, client: Client, kind: str, answer: dict[str, str]
):
    token = issued_endorsement(app, kind)["kavita.garg@nic.in"]
    page = client.get(f"/a/{token}?lang=hi")
    assert '<html lang="hi">' in page.get_data(as_text=True) and english_words(app, token, page) == set()
    if kind == "course_completion":
        refused = client.submit(f"/a/{token}", {"response": "completed", "certificate_id": "KB\u200b42"})
        assert refused.status_code == 422 and "छिपे हुए अक्षर" in refused.get_data(as_text=True)
        assert english_words(app, token, refused, "KB\u200b42") == set()
        answer = {**answer, "expected_by": (date.today() + timedelta(days=20)).isoformat()}
    thanks = client.submit(f"/a/{token}", answer, follow_redirects=True)
    assert "धन्यवाद" in thanks.get_data(as_text=True) and english_words(app, token, thanks) == set()


@sqlite_only
def test_an_expired_link_says_so_in_hindi(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    app.config["ACK_GRACE_DAYS"] = 0
    with app.app_context():
        db.session.execute(db.update(Endorsement).values(deadline=days.today() - timedelta(days=1)))
        db.session.commit()
    page = client.get(f"/a/{token}?lang=hi")
    assert page.status_code == 410 and "इस लिंक की अवधि समाप्त हो गई है" in page.get_data(as_text=True)
    assert '<html lang="hi">' in page.get_data(as_text=True) and english_words(app, token, page) == set()


def test_an_answer_records_the_address_and_browser_it_came_from(app: Flask, client: Client):
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    phone = "Mozilla/5.0 (Linux; Android 14; SM-A146B) AppleWebKit/537.36 Mobile Safari/537.36"
    sent = client.submit(
        f"/a/{token}",
        {"response": "aligned"},
        headers={"User-Agent": phone},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert sent.status_code == 303
    with app.app_context():
        answer = db.session.scalars(db.select(Acknowledgement)).one()
        assert (answer.remote_addr, answer.user_agent) == ("203.0.113.7", phone)


@sqlite_only
def test_a_form_left_open_for_a_day_is_still_taken(app: Flask, client: Client, monkeypatch: pytest.MonkeyPatch):
    """Officers open the link and answer later: the form's CSRF token has no time limit (WTF_CSRF_TIME_LIMIT)."""
    token = issued_endorsement(app)["kavita.garg@nic.in"]
    minted = client.csrf_token(f"/a/{token}")
    # A day passes for the signer that reads the token's age (it keeps the time the token was made).
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 86400)
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    assert client.post(f"/a/{token}", data={"response": "aligned", "csrf_token": minted}).status_code == 303
    # Under Flask-WTF's default hour the same token, a day old, would have been refused.
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    refused = client.post(f"/a/{token}", data={"response": "updated", "csrf_token": minted})
    assert refused.status_code == 422 and "open too long" in refused.get_data(as_text=True)
    assert count(app, Acknowledgement) == 1
