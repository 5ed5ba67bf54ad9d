"""Odd, hostile and simultaneous input: each gets a clear 4xx (never a 500) and loses nothing."""

import io
import threading
from typing import Any

import pytest
from flask import Flask

from models import Circular, Delivery, Officer, Recipient, db
from services import jobs
from services.acknowledgements import link_token
from tests.conftest import MEMO_FIELDS, SAMPLES, Auth, Client, api_issue, api_register, approver, sample


def setup_issued(client: Client, headers: dict[str, str]) -> int:
    return api_issue(client, headers)


@pytest.mark.parametrize("page", ["²", "-1", "0", "1e3", "100000000000000000", "٣"])
def test_odd_page_numbers(client: Client, auth: Auth, api_token: Any, page: str):
    headers = api_token()
    assert client.get(f"/api/v1/circulars?page={page}", headers=headers).status_code == 422
    auth.login("clerk")
    for url in ["/", "/officers/", "/mailbox/"]:
        assert client.get(f"{url}?page={page}").status_code == 200


@pytest.mark.parametrize("record_id", ["99999999999999999999999", "9223372036854775808", "2147483648", "0"])
def test_ids_beyond_any_column_are_404(client: Client, auth: Auth, api_token: Any, record_id: str):
    headers = api_token()
    assert client.get(f"/api/v1/circulars/{record_id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/endorsements/{record_id}/issue", headers=approver(client)).status_code == 404
    auth.login("clerk")
    assert client.get(f"/circulars/{record_id}").status_code == 404
    assert client.get(f"/endorsements/{record_id}").status_code == 404


def test_roster_values_that_only_look_like_digits(app: Flask, client: Client, api_token: Any):
    csv = "name,batch,sparrow_email,mobile\nA,²²²²,a@nic.in,\nB,2001,b@nic.in,²²²²²²²²\nC,2001,räm@nic.in,\n"
    result = client.post(
        "/api/v1/officers/import", data={"file": (io.BytesIO(csv.encode()), "r.csv")}, headers=api_token()
    ).json
    assert result["created"] == 0 and [e["row"] for e in result["errors"]] == [2, 3, 4]


@pytest.mark.parametrize(
    "body",
    [
        {"file_no": "\ud800", "ack_kind": "read", "dated": "2026-03-11"},
        {"file_no": {"a": 1}, "ack_kind": "read", "dated": "2026-03-11"},
        {"file_no": "No.1", "ack_kind": ["read"], "dated": "2026-03-11"},
        {"file_no": "No.1", "ack_kind": "read", "dated": 20260311},
        {"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11", "copy_to": [1, 2]},
        {"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11", "deadline": "9999-12-31"},
        {"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11", "body": "a\x00b"},
    ],
)
def test_endorsement_json_of_wrong_types(client: Client, api_token: Any, body: dict[str, Any]):
    headers = api_token()
    circular = api_register(client, headers).json["id"]
    response = client.post(f"/api/v1/circulars/{circular}/endorsements", json=body, headers=headers)
    assert response.status_code == 422 and response.json["error"]


def test_deeply_nested_json(client: Client, api_token: Any):
    headers = api_token()
    circular = api_register(client, headers).json["id"]
    response = client.post(
        f"/api/v1/circulars/{circular}/endorsements",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400 and "not valid JSON" in response.json["error"]


def test_subject_pasted_with_line_separators_and_long_unicode_reference(app: Flask, client: Client, api_token: Any):
    headers = api_token()
    response = client.post(
        "/api/v1/circulars",
        data={
            **MEMO_FIELDS,
            "subject": "Updation of Email ID\u2028on SPARROW\nand iGOT",
            "reference_no": "İ" * 200,
            "file": (io.BytesIO(sample("dopt-igot-email-om.pdf")), "om.pdf"),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["subject"] == "Updation of Email ID on SPARROW and iGOT"


def test_login_and_officer_page_with_nul_bytes(app: Flask, client: Client, auth: Auth, api_token: Any):
    response = client.submit("/login", {"email": "clerk@parcell.hry.gov.in\x00", "password": "x"})
    assert response.status_code == 200 and "Wrong email or password" in response.get_data(as_text=True)
    recipient_id, token = first_link(app, client, api_token())
    response = client.submit(f"/a/{token}", {"response": "noted"}, headers={"User-Agent": "Mozilla\x01/5.0"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Recipient.state).where(Recipient.id == recipient_id)) == "noted"


def test_expired_officer_form_says_so(app: Flask, client: Client, api_token: Any):
    recipient_id, token = first_link(app, client, api_token())
    response = client.post(f"/a/{token}", data={"response": "noted", "csrf_token": "bogus"})
    assert response.status_code == 422 and "open too long" in response.get_data(as_text=True)


def test_forged_upload_ticket_is_refused(app: Flask, client: Client, auth: Auth, api_token: Any):
    setup_issued(client, api_token())
    with app.app_context():
        from models import Endorsement

        letter_digest = db.session.scalar(db.select(Endorsement.pdf_sha256))
    auth.login("clerk")
    response = client.submit(
        "/circulars/new", {**MEMO_FIELDS, "reference_no": "X-1"}, action=f"/circulars/new/{letter_digest}"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/circulars/new"
    assert "upload it again" in client.get("/circulars/new").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 1


def test_logged_out_cookie_cannot_be_replayed(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    cookie = client.get_cookie("session")
    assert cookie is not None
    auth.logout()
    client.set_cookie("session", cookie.value)
    assert client.get("/").status_code == 302


def test_memo_with_a_hindi_file_name_downloads(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    _, hidden = client.upload_memo(sample("dopt-igot-email-om.pdf"), "परिपत्र.pdf")
    client.post(client.particulars_url, data={**MEMO_FIELDS, **hidden, "filename": "परिपत्र.pdf"})
    with app.app_context():
        circular = db.session.scalar(db.select(Circular))
        assert circular is not None and circular.filename == "परिपत्र.pdf"
    response = client.get(f"/circulars/{circular.id}/memo.pdf")
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")  # a real server must be able to send it
    assert "filename*=UTF-8''" in disposition and response.data.startswith(b"%PDF-")


def first_link(app: Flask, client: Client, headers: dict[str, str]) -> tuple[int, str]:
    """Send an issued endorsement; the first recipient's id and link token."""
    endorsement = setup_issued(client, headers)
    client.post(f"/api/v1/endorsements/{endorsement}/distribute", headers=headers)
    with app.app_context():
        jobs.executor().wait(30)
        recipient = db.session.scalar(db.select(Recipient).limit(1))
        assert recipient is not None
        return recipient.id, link_token(recipient.token_nonce)


def at_once(count: int, call: Any) -> list[int]:
    """Run `call` in `count` threads released together; their status codes."""
    barrier = threading.Barrier(count)
    codes: list[int] = []

    def run() -> None:
        barrier.wait()
        codes.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


def test_simultaneous_sends_and_reminders(app: Flask, client: Client, api_token: Any):
    headers = api_token()
    endorsement = setup_issued(client, headers)
    codes = at_once(
        4, lambda: app.test_client().post(f"/api/v1/endorsements/{endorsement}/distribute", headers=headers).status_code
    )
    assert codes.count(202) == 1 and all(c in (202, 409, 503) for c in codes)
    with app.app_context():
        jobs.executor().wait(30)
        assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 40
    codes = at_once(
        4, lambda: app.test_client().post(f"/api/v1/endorsements/{endorsement}/reminders", headers=headers).status_code
    )
    assert codes.count(202) == 1 and all(c in (202, 409, 503) for c in codes)
    with app.app_context():
        jobs.executor().wait(30)
        assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 80


def test_simultaneous_imports_of_the_same_roster(app: Flask, api_token: Any):
    headers = api_token()
    roster = sample("roster-haryana-ias.csv")
    codes = at_once(
        3,
        lambda: (
            app.test_client()
            .post("/api/v1/officers/import", data={"file": (io.BytesIO(roster), "r.csv")}, headers=headers)
            .status_code
        ),
    )
    assert 200 in codes and all(c in (200, 409, 503) for c in codes)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Officer)) == 40


HOSTILE = SAMPLES / "hostile"


@pytest.mark.parametrize(
    "name", ["acroform_bad.pdf", "acroform_fields_bad.pdf", "annot_not_dict.pdf", "threads_bad.pdf"]
)
def test_pdf_that_cannot_be_appended_is_refused_at_upload(app: Flask, client: Client, api_token: Any, name: str):
    response = api_register(client, api_token(), file=((HOSTILE / name).read_bytes(), name))
    assert response.status_code == 422 and response.json["field"] == "file"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 0


def test_memo_text_with_lone_surrogates_is_cleaned(app: Flask, client: Client, auth: Auth, api_token: Any):
    data = (HOSTILE / "surrogate.pdf").read_bytes()
    assert api_register(client, api_token(), file=(data, "s.pdf")).status_code == 201
    auth.login("clerk")
    html, hidden = client.upload_memo(data, "s.pdf")
    assert "upload" in hidden and "\ud800" not in html


def test_guessing_particulars_stays_fast_on_a_crafted_memo():
    import time

    from services import particulars

    text = "Subject: x " * 200_000 + "\n" * 50_000 + "No." + " " * 50_000
    started = time.perf_counter()
    particulars.suggest([text])
    assert time.perf_counter() - started < 2


def test_simultaneous_wrong_passwords_count_one_by_one(app: Flask, auth: Auth):
    from models import AuditEvent, LoginThrottle
    from tests.conftest import Client as FormClient

    auth.login("clerk")
    app.test_client_class = FormClient

    def guess() -> int:
        guesser = app.test_client()
        assert isinstance(guesser, FormClient)
        return int(guesser.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": "wrong"}).status_code)

    assert at_once(15, guess) == [200] * 15
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.like("user.login_%"))).all()
        checked, waited = actions.count("user.login_failed"), actions.count("user.login_throttled")
        counts = db.session.scalars(db.select(LoginThrottle.failures)).all()
    # Each guess that was checked is counted (none lost to another running at the same moment), and
    # once the free ones are used up the rest were told to wait.
    assert checked + waited == 15 and 6 <= checked < 15
    assert sorted(counts) == [checked] * 3
