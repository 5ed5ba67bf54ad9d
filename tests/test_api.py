"""The JSON API: bearer tokens, roles, and clear 4xx errors for every kind of bad input."""

import io
from typing import Any

import pytest
from flask import Flask

from models import Circular, db
from tests.conftest import MEMO_FIELDS, Client, api_issue, api_register, approver, sample


def register(client: Client, headers: dict[str, str], **overrides: Any) -> Any:
    return api_register(client, headers, **overrides)


def test_api_needs_a_valid_bearer_token(client: Client, api_token: Any):
    assert client.get("/api/v1/circulars").status_code == 401
    assert client.get("/api/v1/circulars", headers={"Authorization": "Bearer pvt_wrong"}).status_code == 401
    assert client.get("/api/v1/circulars", headers={"Authorization": "Basic abc"}).json["error"]
    headers = api_token("viewer")
    assert client.get("/api/v1/circulars", headers=headers).json == {"items": [], "total": 0, "page": 1}
    response = register(client, headers)
    assert response.status_code == 403 and "error" in response.json


def test_api_ignores_a_logged_in_browser_session(client: Client, auth: Any):
    auth.login("admin")
    assert client.get("/api/v1/officers").status_code == 401


def test_register_and_read_circulars(client: Client, api_token: Any):
    headers = api_token()
    created = register(client, headers).json
    assert created["reference_no"] == MEMO_FIELDS["reference_no"] and created["pages"] == 2
    assert client.get(f"/api/v1/circulars/{created['id']}", headers=headers).json["diary_no"] == "253/6"
    listing = client.get("/api/v1/circulars", headers=headers).json
    assert listing["total"] == 1 and listing["items"][0]["id"] == created["id"]
    assert client.get("/api/v1/circulars/999", headers=headers).status_code == 404
    assert client.get("/api/v1/circulars?page=x", headers=headers).status_code == 422


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reference_no": "x" * 201}, "reference_no"),
        ({"dated": "03/03/2026"}, "dated"),
        ({"dated": "2026-02-30"}, "dated"),
        ({"received_on": "2026-03-01"}, "received_on"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"subject": "x" * 501}, "subject"),
        ({"diary_no": "253\r\nBcc: x@y.z"}, "diary_no"),
        ({"file": (b"not a pdf", "om.pdf")}, "file"),
        ({"file": (b"%PDF-1.7\n%%EOF", "om.pdf")}, "file"),
    ],
)
def test_bad_circular_input_is_a_clear_4xx_and_saves_nothing(
    app: Flask, client: Client, api_token: Any, overrides: dict[str, Any], field: str
):
    response = register(client, api_token(), **overrides)
    assert 400 <= response.status_code < 500
    assert response.json["field"] == field and response.json["error"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 0


def test_missing_file_and_duplicates(client: Client, api_token: Any):
    headers = api_token()
    response = client.post("/api/v1/circulars", data=MEMO_FIELDS, headers=headers)
    assert response.status_code == 422 and response.json["field"] == "file"
    assert register(client, headers).status_code == 201
    again = register(client, headers)
    assert again.status_code == 409 and "already registered" in again.json["error"]
    # Another file with the same reference number (spelt differently) is the same memo.
    other = io.BytesIO(sample("dopt-igot-email-om-scanned.pdf"))
    again = register(client, headers, reference_no="No. t-28/27/2025-IGOT Part(1)", file=(other, "scan.pdf"))
    assert again.status_code == 409 and again.json["field"] == "reference_no"


def test_endorsement_errors(client: Client, api_token: Any):
    headers = api_token()
    circular_id = register(client, headers).json["id"]
    url = f"/api/v1/circulars/{circular_id}/endorsements"
    assert client.post(url, data="nonsense", headers=headers).status_code == 422
    assert client.post(url, json=[1, 2], headers=headers).status_code == 422
    bad = client.post(url, json={"file_no": "No.1", "ack_kind": "maybe"}, headers=headers)
    assert bad.status_code == 422 and bad.json["field"] == "ack_kind"
    bad = client.post(url, json={"file_no": "No.1", "ack_kind": "read", "dated": "2026-01-01"}, headers=headers)
    assert bad.status_code == 422 and bad.json["field"] == "dated"
    assert client.post("/api/v1/circulars/999/endorsements", json={}, headers=headers).status_code == 404

    created = client.post(url, json={"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11"}, headers=headers)
    assert created.status_code == 201 and created.json["status"] == "draft"
    endorsement_id = created.json["id"]
    assert client.get(f"/api/v1/endorsements/{endorsement_id}/pdf", headers=headers).status_code == 409
    distribute = client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers)
    assert distribute.status_code == 409 and "Issue the letter" in distribute.json["error"]
    issue = f"/api/v1/endorsements/{endorsement_id}/issue"
    refused = client.post(issue, headers=headers)  # a clerk never issues
    assert refused.status_code == 403 and "submit it for approval" in refused.json["error"]
    signatory = approver(client)
    stale = client.post(issue, json={"revision": 7}, headers=signatory)
    assert stale.status_code == 409 and "changed since" in stale.json["error"]
    assert client.post(issue, json={"revision": "x"}, headers=signatory).status_code == 422
    assert client.post(issue, json={"revision": created.json["revision"]}, headers=signatory).status_code == 200
    assert client.post(issue, headers=signatory).status_code == 409
    nobody = client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers)
    assert nobody.status_code == 422 and "import the roster" in nobody.json["error"]
    bad_state = client.get(f"/api/v1/endorsements/{endorsement_id}/recipients?state=happy", headers=headers)
    assert bad_state.status_code == 422
    assert client.get("/api/v1/endorsements/999/recipients", headers=headers).status_code == 404


def test_officers_import_and_list(client: Client, api_token: Any):
    headers = api_token()
    roster = sample("roster-haryana-ias.csv")
    first = client.post("/api/v1/officers/import", data={"file": (io.BytesIO(roster), "r.csv")}, headers=headers)
    assert first.json["created"] == 40
    again = client.post("/api/v1/officers/import", data={"file": (io.BytesIO(roster), "r.csv")}, headers=headers)
    assert again.json == {
        "created": 0,
        "updated": 0,
        "unchanged": 40,
        "errors": [],
        "details": {"create": [], "update": []},
    }
    listing = client.get("/api/v1/officers", headers=headers).json
    assert listing["total"] == 40 and listing["page"] == 1 and len(listing["items"]) == 40
    assert {"name", "sparrow_email", "batch", "active"} <= set(listing["items"][0])
    assert client.post("/api/v1/officers/import", headers=headers).status_code == 422


def test_unknown_routes_and_methods_are_json(client: Client, api_token: Any):
    headers = api_token()
    assert client.get("/api/v1/nothing", headers=headers).json["error"]
    response = client.delete("/api/v1/circulars", headers=headers)
    assert response.status_code == 405 and response.json["error"]


def test_oversized_upload_is_413(app: Flask, client: Client, api_token: Any):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = register(client, api_token(), file=(io.BytesIO(b"%PDF-" + b"0" * 4096), "big.pdf"))
    assert response.status_code == 413 and response.json["error"]


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"revision": 1', b"\xff"])
def test_unreadable_json_is_400_on_every_route_and_changes_nothing(client: Client, api_token: Any, body: str | bytes):
    headers = api_token()
    circular_id = register(client, headers).json["id"]
    url = f"/api/v1/circulars/{circular_id}/endorsements"
    draft = client.post(url, json={"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11"}, headers=headers)
    endorsement_id = draft.json["id"]
    for target, who in [(url, headers), (f"/api/v1/endorsements/{endorsement_id}/issue", approver(client))]:
        response = client.post(target, data=body, content_type="application/json", headers=who)
        assert response.status_code == 400 and "not valid JSON" in response.json["error"], target
    assert client.get(f"/api/v1/endorsements/{endorsement_id}", headers=headers).json["status"] == "draft"


def test_an_api_token_ends_with_its_owners_password(app: Flask, client: Client, api_token: Any):
    from services import accounts

    headers = api_token()
    assert client.get("/api/v1/circulars", headers=headers).status_code == 200
    with app.app_context():
        user = accounts.find_user(db.session, "api-clerk@parcell.hry.gov.in")
        accounts.set_password(db.session, user.id, "a brand new password")
        db.session.commit()
    assert client.get("/api/v1/circulars", headers=headers).status_code == 401


def test_pause_resume_cancel_and_reminder_schedule_over_the_api(client: Client, api_token: Any):
    headers = api_token()
    endorsement_id = api_issue(client, headers)
    base = f"/api/v1/endorsements/{endorsement_id}"
    paused = client.post(f"{base}/pause", headers=headers)
    assert paused.status_code == 200 and paused.json["sending"] == "paused"
    assert client.post(f"{base}/distribute", headers=headers).status_code == 202
    progress = client.get(base, headers=headers).json["progress"]
    assert progress["queued"] == 40 and progress["sent"] == 0 and progress["eta_seconds"] is None
    schedule = client.post(f"{base}/reminder-schedule", json={"every_days": 7, "at_most": 3}, headers=headers)
    assert schedule.status_code == 200 and schedule.json["reminders"] == {"rounds": 0, "every_days": 7, "at_most": 3}
    for bad in [{"every_days": "7"}, {"every_days": 0}, {"at_most": True, "every_days": 2}, []]:
        assert client.post(f"{base}/reminder-schedule", json=bad, headers=headers).status_code == 422
    assert client.post(f"{base}/reminders", json={"recipient_ids": "all"}, headers=headers).status_code == 422
    cancelled = client.post(f"{base}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json["progress"]["cancelled"] == 40
    assert client.post(f"{base}/resume", headers=headers).status_code == 409
    viewer = api_token("viewer")
    assert client.post(f"{base}/pause", headers=viewer).status_code == 403


def test_a_dry_run_import_answers_the_preview_and_writes_nothing(client: Client, api_token: Any):
    headers = api_token()
    roster = b"Identity No.,Name of Officer,Email ID (SPARROW)\n01HY001,A One,a.one@nic.in\n,,bad\n"
    dry = client.post(
        "/api/v1/officers/import?dry_run=1", data={"file": (io.BytesIO(roster), "r.csv")}, headers=headers
    ).json
    assert dry["created"] == 1 and dry["errors"] == [{"row": 3, "message": "The Name is missing."}]
    assert dry["details"]["create"][0] == {
        "row": 2,
        "identity_no": "01HY001",
        "name": "A One",
        "sparrow_email": "a.one@nic.in",
    }
    assert client.get("/api/v1/officers", headers=headers).json["total"] == 0
    client.post("/api/v1/officers/import", data={"file": (io.BytesIO(roster), "r.csv")}, headers=headers)
    assert client.get("/api/v1/officers", headers=headers).json["items"][0]["identity_no"] == "01HY001"


def test_officers_are_added_read_and_changed_through_the_api(client: Client, api_token: Any):
    headers = api_token()
    created = client.post(
        "/api/v1/officers",
        json={"name": "A One", "sparrow_email": "A.One@nic.in", "identity_no": "01HY001"},
        headers=headers,
    )
    assert created.status_code == 201 and created.json["sparrow_email"] == "A.One@nic.in"
    officer = f"/api/v1/officers/{created.json['id']}"
    changed = client.patch(officer, json={"sparrow_email": "a.one@gov.in", "active": False}, headers=headers).json
    assert changed["sparrow_email"] == "a.one@gov.in" and changed["active"] is False
    assert client.get(officer, headers=headers).json["earlier_emails"] == ["A.One@nic.in"]
    assert client.patch(officer, json={"batch": "x"}, headers=headers).status_code == 422
    assert client.patch(officer, json={"active": "no"}, headers=headers).status_code == 422
    again = client.post("/api/v1/officers", json={"name": "B", "sparrow_email": "A.ONE@gov.in"}, headers=headers)
    assert again.status_code == 409
    assert client.get("/api/v1/officers/999", headers=headers).status_code == 404


def test_the_roster_is_exported_as_csv_or_xlsx(client: Client, api_token: Any):
    headers = api_token()
    client.post("/api/v1/officers", json={"name": "=HYPERLINK(1)", "sparrow_email": "a@nic.in"}, headers=headers)
    exported = client.get("/api/v1/officers?format=csv", headers=headers)
    assert exported.mimetype == "text/csv" and "'=HYPERLINK(1)" in exported.get_data(as_text=True)
    assert client.get("/api/v1/officers?format=xlsx", headers=headers).data[:2] == b"PK"
    assert client.get("/api/v1/officers?format=pdf", headers=headers).status_code == 422


def test_a_draft_is_edited_submitted_approved_and_corrected_over_the_api(client: Client, api_token: Any):
    headers = api_token()
    circular_id = register(client, headers).json["id"]
    url = f"/api/v1/circulars/{circular_id}/endorsements"
    created = client.post(url, json={"file_no": "No.1", "ack_kind": "read", "dated": "2026-03-11"}, headers=headers)
    base = f"/api/v1/endorsements/{created.json['id']}"
    edited = client.patch(base, json={"addressee": "All the HCS officers"}, headers=headers)
    assert edited.status_code == 200 and edited.json["addressee"] == "All the HCS officers"
    assert edited.json["revision"] == 2 and edited.json["file_no"] == "No.1"  # only what was sent changed
    assert client.patch(base, json={"dated": "not a date"}, headers=headers).status_code == 422
    submitted = client.post(f"{base}/submit", json={"revision": 2}, headers=headers)
    assert submitted.status_code == 200 and submitted.json["status"] == "awaiting_approval"
    assert client.post(f"{base}/approve", headers=headers).status_code == 403  # a clerk
    approved = client.post(f"{base}/approve", json={"revision": 2}, headers=approver(client))
    assert approved.status_code == 200 and approved.json["status"] == "issued"
    refused = client.patch(base, json={"addressee": "Someone"}, headers=headers)
    assert refused.status_code == 409 and client.get(base, headers=headers).json["addressee"] == "All the HCS officers"

    correction = client.post(f"{base}/supersede", json={"file_no": "No.1 (corrected)"}, headers=headers)
    assert correction.status_code == 201 and correction.json["status"] == "draft"
    assert correction.json["supersedes"] == created.json["id"] and correction.json["file_no"] == "No.1 (corrected)"
    assert client.get(base, headers=headers).json["superseded_by"] == correction.json["id"]
    again = client.post(f"{base}/supersede", headers=headers)
    assert again.status_code == 409 and again.json["superseded_by"] == correction.json["id"]
    assert client.post(f"{base}/supersede", json=[1], headers=headers).status_code == 422
    fixed = f"/api/v1/endorsements/{correction.json['id']}"
    assert client.post(f"{fixed}/approve", headers=approver(client)).status_code == 200
    assert client.get(base, headers=headers).json["status"] == "superseded"


def test_a_year_no_memo_can_have_is_refused_not_a_500(client: Client, auth: Any, api_token: Any):
    """Found by schemathesis: `date(999999, 1, 1)` raised inside the register's filter."""
    headers = api_token()
    refused = client.get("/api/v1/circulars?year=999999", headers=headers)
    assert refused.status_code == 422 and refused.json["field"] == "year"
    assert client.get("/api/v1/circulars?year=2026", headers=headers).json["total"] == 0
    auth.login("clerk")
    assert client.get("/?year=999999").status_code == 200  # the register page: no memo is dated then


def test_files_are_sent_through_the_contract(client: Client, api_token: Any):
    """Found by schemathesis: a file sent straight from disk has no body for the contract to read."""
    headers = api_token()
    endorsement_id = api_issue(client, headers)
    issued = client.get(f"/api/v1/endorsements/{endorsement_id}/pdf", headers=headers)
    assert issued.status_code == 200 and issued.mimetype == "application/pdf" and issued.data[:5] == b"%PDF-"


def test_a_form_with_odd_field_names_and_no_file_is_a_422(client: Client, api_token: Any):
    """Found by schemathesis: the refusal of such a form was built by sorting its names with None among them."""
    data = {"": "{}", "\x0f\u00ba": '{"a": 1}', "%0A": "{}"}
    response = client.post("/api/v1/officers/import?dry_run=false", data=data, headers=api_token())
    assert response.status_code == 422 and response.json["field"] == "file"


def test_refused_input_names_its_field_in_the_apis_shape(client: Client, api_token: Any):
    headers = api_token()
    too_long = client.post("/api/v1/officers", json={"name": "x" * 1000, "sparrow_email": "a@nic.in"}, headers=headers)
    assert too_long.status_code == 422 and too_long.json["field"] == "name" and "at most" in too_long.json["error"]
    not_an_object = client.post("/api/v1/officers", data="name=A", content_type="text/plain", headers=headers)
    assert not_an_object.status_code == 422 and "JSON object" in not_an_object.json["error"]
    assert client.get("/api/v1/officers?sort=age", headers=headers).json["field"] == "sort"
