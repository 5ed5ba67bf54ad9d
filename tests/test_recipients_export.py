"""The recipients of a letter as CSV and XLSX: every answer and what it carried (the cells are guarded against
formulas by the same writer as the roster's export, tested there)."""

import csv
import io
from typing import Any

from flask import Flask
from python_calamine import CalamineWorkbook

from models import AuditEvent, Recipient, db
from services import roster
from tests.conftest import Auth, Client, answered_letter, sqlite_only


@sqlite_only
def test_recipients_export_as_csv_and_xlsx_with_their_answers(app: Flask, client: Client, auth: Auth, api_token: Any):
    tokens, first, second = answered_letter(app, client)
    auth.login("viewer")
    page = client.get("/endorsements/1/recipients.csv")
    assert page.status_code == 200 and "attachment" in page.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(page.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Name", "Identity No.", "Email sent to", "Email status", "State", "Answer"]
    assert "Your email ID on iGOT Karmayogi" in rows[0] and len(rows) == 1 + len(tokens)
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email[first][4:7] == ["mismatch", "My iGOT Karmayogi email ID is different", "x@gmail.com"]
    assert by_email[second][4] == "aligned"
    mismatched = client.get("/endorsements/1/recipients.csv?state=mismatch").data.decode("utf-8-sig")
    assert len(mismatched.strip().splitlines()) == 2
    assert page.headers["Content-Type"] == "text/csv; charset=utf-8"
    with app.app_context():
        taken = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "endorsement.recipients_exported"))
        assert [(e.actor.role, e.details) for e in taken] == [  # type: ignore[union-attr]
            ("viewer", {"format": "csv", "state": "all", "rows": len(tokens)}),
            ("viewer", {"format": "csv", "state": "mismatch", "rows": 1}),
        ]

    headers = api_token("viewer")
    book = client.get("/api/v1/endorsements/1/recipients?format=xlsx", headers=headers)
    assert book.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book.data)).get_sheet_by_name("Recipients").to_python()
    assert len(sheet) == 1 + len(tokens) and sheet[0][4] == "State"
    assert client.get("/api/v1/endorsements/1/recipients?format=pdf", headers=headers).status_code == 422


@sqlite_only
def test_a_formula_in_a_name_reaches_the_spreadsheet_as_text(app: Flask, client: Client, auth: Auth):
    answered_letter(app, client)
    with app.app_context():
        officer_id = db.session.scalars(db.select(Recipient.officer_id).order_by(Recipient.id)).first()
        roster.save_officer(db.session, officer_id, {"name": "=HYPERLINK(1)"}, None)
        db.session.commit()
    auth.login("viewer")
    rows = list(csv.reader(io.StringIO(client.get("/endorsements/1/recipients.csv").data.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [row[0] for row in rows]
