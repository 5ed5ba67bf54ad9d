"""The compliance report: a PDF, parsed back, with the summary, the chart and the pending and mismatched officers."""

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from models import Delivery, db
from services import letters
from tests.conftest import MEMO_FIELDS, Auth, Client, answered_letter, issued_endorsement, sample, sqlite_only


def text_of(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


@sqlite_only
def test_the_report_names_who_has_not_complied(app: Flask, client: Client, auth: Auth, api_token: Any):
    tokens, first, second = answered_letter(app, client)
    auth.login("viewer")
    response = client.get("/endorsements/1/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = " ".join(text_of(response.data).split())
    assert "Compliance report as on" in text and "T-28/27/2025-iGOT Part(1)" in text
    assert "Officers the letter went to 40" in text and "Complied 1 (2.5 %)" in text
    assert "Officers whose email IDs still differ (1)" in text and "x@gmail.com" in text
    assert f"Officers who have not answered ({len(tokens) - 2})" in text
    headers = api_token("viewer")
    api = client.get("/api/v1/endorsements/1/report", headers=headers)
    assert api.status_code == 200 and text_of(api.data).startswith(text_of(response.data)[:40])
    assert client.get("/api/v1/endorsements/99/report", headers=headers).status_code == 404


@sqlite_only
def test_a_read_and_noted_letter_has_no_mismatch_list(app: Flask, client: Client, auth: Auth):
    issued_endorsement(app, "read")
    auth.login("viewer")
    text = " ".join(text_of(client.get("/endorsements/1/report.pdf").data).split())
    assert "Noted 0" in text and "still differ" not in text and "Officers who have not answered (40)" in text


@sqlite_only
def test_a_course_completion_letter_lists_who_is_still_doing_the_courses(app: Flask, client: Client, auth: Auth):
    tokens = issued_endorsement(app, "course_completion")
    doing = {"response": "in_progress", "expected_by": (date.today() + timedelta(days=30)).isoformat()}
    assert client.submit(f"/a/{tokens[sorted(tokens)[0]]}", doing).status_code == 303
    auth.login("viewer")
    text = " ".join(text_of(client.get("/endorsements/1/report.pdf").data).split())
    assert "Officers still doing the courses (1)" in text and "have not started" not in text
    assert "Officers who have not answered (39)" in text


@sqlite_only
def test_the_report_charts_the_answers_day_by_day(app: Flask, client: Client, auth: Auth):
    answered_letter(app, client)
    began = datetime.now(UTC) - timedelta(days=3)
    with app.app_context():
        db.session.execute(sa.update(Delivery).values(created_at=began))
        db.session.commit()
    auth.login("viewer")
    text = text_of(client.get("/endorsements/1/report.pdf").data)
    # The chart's days run from the first email to today, each labelled on its axis.
    assert began.astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%d.%m") in text


def test_a_draft_has_no_compliance_report(app: Flask, client: Client, auth: Auth, api_token: Any):
    from services import intake

    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
        draft = letters.prepare_endorsement(db.session, circular.id, fields, None)
        db.session.commit()
        draft_id = draft.id
    auth.login("viewer")
    refused = client.get(f"/endorsements/{draft_id}/report.pdf")
    assert refused.status_code == 409 and "still a draft" in refused.get_data(as_text=True)
    api = client.get(f"/api/v1/endorsements/{draft_id}/report", headers=api_token("viewer"))
    assert api.status_code == 409 and "still a draft" in api.json["error"]
