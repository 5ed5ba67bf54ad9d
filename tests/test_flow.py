"""The whole flow against a real SMTP server: register, import, issue, send, answer, track, remind."""

import io
import re
import time
from typing import Any

import pypdf
import pytest
from flask import Flask

from models import Delivery, db
from tests.conftest import MEMO_FIELDS, Client, Inbox, api_import, api_issue, api_register, approver, sample

LINK = re.compile(r"https://pavati\.example\.gov\.in/a/([A-Za-z0-9_\-]+)")


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


def wait_for_mail(inbox: Inbox, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) == count, f"expected {count} emails, got {len(inbox.messages)}"


def wait_sent(client: Client, headers: dict[str, str], endorsement_id: int, timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts: dict[str, int] = client.get(f"/api/v1/endorsements/{endorsement_id}", headers=headers).json["counts"]
        if counts["queued"] == 0 or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def link_token(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def answer(client: Client, token: str, **data: str) -> Any:
    """Answer as an officer does: submit the form, land on the thank-you page."""
    response = client.submit(f"/a/{token}", data)
    assert response.status_code == 303 and response.headers["Location"] == f"/a/{token}/thanks"
    return client.get(response.headers["Location"])


def test_whole_flow_over_api_and_officer_links(app: Flask, client: Client, smtp: tuple[Inbox, int], api_token: Any):
    inbox, _ = smtp
    headers = api_token("clerk")

    # Register the memo and import the roster.
    response = api_register(client, headers)
    assert response.status_code == 201, response.json
    circular_id = response.json["id"]
    response = api_import(client, headers)
    assert (response.json["created"], response.json["updated"], response.json["errors"]) == (40, 0, [])

    # Prepare and issue the endorsement.
    response = client.post(
        f"/api/v1/circulars/{circular_id}/endorsements",
        json={
            "file_no": "No.30/10/2025-1PAR Cell",
            "dated": "2026-03-11",
            "addressee": "All the IAS officers in Haryana",
            "signatory": "Deputy Superintendent",
            "copy_to": ["The Under Secretary, DoPT (Training Wing)", "The Principal Secretary to CM, Haryana"],
            "ack_kind": "email_alignment",
            "deadline": "2026-03-25",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    endorsement_id = response.json["id"]
    issued = client.post(f"/api/v1/endorsements/{endorsement_id}/approve", headers=approver(client))
    assert issued.status_code == 200 and issued.json["status"] == "issued"

    pdf = client.get(f"/api/v1/endorsements/{endorsement_id}/pdf", headers=headers)
    assert pdf.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    assert "30/10/2025-1PAR Cell" in text
    assert "T-28/27/2025-iGOT Part(1)" in text
    assert "Updation of Email ID on SPARROW" in text
    memo = pypdf.PdfReader(io.BytesIO(sample("dopt-igot-email-om.pdf")))
    # The letter first, then every page of the memo as received.
    assert [p.extract_text() for p in reader.pages[-2:]] == [p.extract_text() for p in memo.pages]

    # Send: the request returns at once with the count; mail arrives from the background.
    response = client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers)
    assert response.status_code == 202 and response.json == {"recipients": 40}
    wait_for_mail(inbox, 40)
    counts = wait_sent(client, headers, endorsement_id)
    assert counts["sent"] == 40 and counts["pending"] == 40 and counts["failed"] == 0

    tokens: dict[str, str] = {}
    for message in inbox.messages:
        address = re.search(r"<([^>]+)>", str(message["To"])).group(1)  # type: ignore[union-attr]
        tokens[address] = link_token(message)
        attachments = list(message.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf"]
        assert attachments[0].get_content() == pdf.data
    assert len(tokens) == 40 and len(set(tokens.values())) == 40
    assert {str(m["Subject"]) for m in inbox.messages} == {MEMO_FIELDS["subject"]}

    emails = sorted(tokens)
    aligned, updated, typed_same, different, unanswered = (
        emails[:10],
        emails[10:15],
        emails[15:17],
        emails[17:25],
        emails[25:],
    )

    # Opening the link records nothing.
    page = client.get(f"/a/{tokens[aligned[0]]}")
    assert page.status_code == 200 and aligned[0] in page.get_data(as_text=True)
    assert client.head(f"/a/{tokens[aligned[0]]}").status_code == 200
    assert client.get(f"/api/v1/endorsements/{endorsement_id}", headers=headers).json["counts"]["pending"] == 40

    for email in aligned:
        assert answer(client, tokens[email], response="aligned").status_code == 200
    for email in updated:
        assert answer(client, tokens[email], response="updated").status_code == 200
    for email in typed_same:
        assert answer(client, tokens[email], response="different", igot_email=email.upper()).status_code == 200
    for email in different:
        assert answer(client, tokens[email], response="different", igot_email=f"x.{email}").status_code == 200
    # An officer may answer again; the latest answer stands.
    assert answer(client, tokens[different[0]], response="aligned").status_code == 200

    counts = client.get(f"/api/v1/endorsements/{endorsement_id}", headers=headers).json["counts"]
    assert counts == {
        "recipients": 40,
        "queued": 0,
        "sent": 40,
        "failed": 0,
        "acknowledged": 25,
        "aligned": 18,
        "mismatch": 7,
        "pending": 15,
        "bounced": 0,
        "copies": 0,
        "copies_sent": 0,
        "copies_failed": 0,
        "compliant": 18,
        "alias": 0,
        "by_hand": 0,
        "resolved": 0,
    }
    answered = client.get(f"/api/v1/endorsements/{endorsement_id}/recipients?state=acknowledged", headers=headers)
    assert answered.json["total"] == 25
    mismatched = client.get(f"/api/v1/endorsements/{endorsement_id}/recipients?state=mismatch", headers=headers).json
    assert mismatched["total"] == 7
    assert {r["email"] for r in mismatched["items"]} == set(different[1:])
    assert all(r["igot_email"] == f"x.{r['email']}" for r in mismatched["items"])

    # Reminders go to exactly those still pending, with the same link.
    inbox.messages.clear()
    response = client.post(f"/api/v1/endorsements/{endorsement_id}/reminders", headers=headers)
    assert response.status_code == 202 and response.json == {"recipients": 15}
    wait_for_mail(inbox, 15)
    reminded = {re.search(r"<([^>]+)>", str(m["To"])).group(1): link_token(m) for m in inbox.messages}  # type: ignore[union-attr]
    assert set(reminded) == set(unanswered)
    assert all(reminded[email] == tokens[email] for email in unanswered)
    assert all(str(m["Subject"]) == f"Reminder: {MEMO_FIELDS['subject']}" for m in inbox.messages)
    counts = wait_sent(client, headers, endorsement_id)
    assert (counts["sent"], counts["queued"], counts["pending"]) == (40, 0, 15)
    again = client.post(f"/api/v1/endorsements/{endorsement_id}/reminders", headers=headers)
    assert again.status_code == 409 and "minutes ago" in again.json["error"]

    with app.app_context():
        message_ids = db.session.scalars(db.select(Delivery.message_id)).all()
    assert len(message_ids) == 55 and len(set(message_ids)) == 55


def test_failed_delivery_is_recorded_and_can_be_retried(
    app: Flask, client: Client, smtp: tuple[Inbox, int], api_token: Any
):
    inbox, _ = smtp
    headers = api_token("clerk")
    inbox.refuse.add("kavita.garg@nic.in")
    endorsement_id = api_issue(client, headers, file_no="No.30/11/2025-1PAR Cell", copy_to=[], deadline=None)
    client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers)
    wait_for_mail(inbox, 39)
    counts = wait_sent(client, headers, endorsement_id)
    assert counts["sent"] == 39 and counts["failed"] == 1
    failed = client.get(f"/api/v1/endorsements/{endorsement_id}/recipients", headers=headers).json["items"]
    bad = [r for r in failed if r["email"] == "kavita.garg@nic.in"][0]
    assert bad["delivery"]["status"] == "failed" and "550" in bad["delivery"]["last_error"]

    inbox.refuse.clear()
    with app.app_context():
        from services import dispatch

        assert dispatch.retry_failed(db.session, endorsement_id, None) == 1
        db.session.commit()
    wait_for_mail(inbox, 40)
    assert wait_sent(client, headers, endorsement_id)["failed"] == 0


def test_retry_button_sends_failed_emails_again(
    app: Flask, client: Client, smtp: tuple[Inbox, int], api_token: Any, auth: Any
):
    inbox, _ = smtp
    headers = api_token("clerk")
    roster = sample("roster-haryana-ias.csv").decode()
    inbox.refuse.update(line.split(",")[-2] for line in roster.splitlines()[1:])
    endorsement_id = api_issue(client, headers)
    client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers)
    assert wait_sent(client, headers, endorsement_id)["failed"] == 40

    auth.login("clerk")
    page = f"/endorsements/{endorsement_id}"
    assert "Retry 40 failed" in client.get(page).get_data(as_text=True)
    inbox.refuse.clear()
    response = client.submit(page, {}, action=f"{page}/retry", follow_redirects=True)
    assert "40 failed emails queued again" in response.get_data(as_text=True)
    wait_for_mail(inbox, 40)
    counts = wait_sent(client, headers, endorsement_id)
    assert (counts["sent"], counts["failed"]) == (40, 0)
    assert "Retry" not in client.get(page).get_data(as_text=True)
