"""What reconciliations found: lists, exports (formula-safe), chasing officers, and iGOT beside officers' answers."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from models import Delivery, Recipient, Reconciliation, db
from services import igot_findings, reconciliation, roster
from services.errors import Invalid
from tests.conftest import Auth, Client, issue_letter, issued_endorsement, sample, settle, sqlite_only
from tests.igot_exports import PASSWORD, USER_HEADER, table, user, zipped


def reconcile_sample(app: Flask) -> int:
    with app.app_context():
        done = reconciliation.start(
            db.session, [("all.zip", io.BytesIO(sample("igot-all-reports.zip")))], PASSWORD, None
        )
        db.session.commit()
        return done.id


def test_lists_by_result_and_a_wrong_result(app: Flask) -> None:
    with app.app_context():
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        db.session.commit()
    reconciliation_id = reconcile_sample(app)
    with app.app_context():
        rows, total = igot_findings.officers(db.session, reconciliation_id, "not_on_igot", 1, 5)
        assert total == 8 and len(rows) == 5 and rows == sorted(rows, key=lambda r: r.name)
        assert igot_findings.officers(db.session, reconciliation_id, "changed")[1] == 0
        with pytest.raises(Invalid):
            igot_findings.officers(db.session, reconciliation_id, "everyone")


def test_exports_are_formula_safe(app: Flask) -> None:
    with app.app_context():
        roster.import_roster(db.session, b"name,sparrow_email\nSafe Name,a@nic.in\n", None)
        db.session.commit()
        data = zipped({"UserReport.csv": table(USER_HEADER, [user('=HYPERLINK("http://x")', "a@nic.in")])})
        done = reconciliation.start(db.session, [("x.zip", io.BytesIO(data))], PASSWORD, None)
        db.session.commit()
        text = igot_findings.export(db.session, done.id, None, "csv").decode("utf-8-sig")
        (row,) = list(csv.DictReader(io.StringIO(text)))
        assert row["Name on iGOT"] == '\'=HYPERLINK("http://x")'
        book = openpyxl.load_workbook(io.BytesIO(igot_findings.export(db.session, done.id, None, "xlsx")))
        cell = book["iGOT"]["F2"]
        assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_remind_the_mismatched_on_a_letter_sent_to_them(app: Flask) -> None:
    issued_endorsement(app)
    reconciliation_id = reconcile_sample(app)
    with app.app_context():
        endorsement_id = db.session.scalar(sa.select(Recipient.endorsement_id).limit(1))
        assert endorsement_id is not None
        assert igot_findings.chase(db.session, reconciliation_id, "mismatch", endorsement_id, "remind", None) == 4
        db.session.commit()
        reminded = db.session.scalars(sa.select(Delivery.to_email).where(Delivery.kind == "reminder")).all()
        assert sorted(reminded)[0] == "amneet.singla@nic.in" and len(reminded) == 4
        with pytest.raises(Invalid):
            igot_findings.chase(db.session, reconciliation_id, "aligned", endorsement_id, "remind", None)
    settle(app)


def test_send_a_new_letter_to_just_those_not_on_igot(app: Flask) -> None:
    endorsement_id = issue_letter(app, sample("roster-haryana-ias.csv"))
    reconciliation_id = reconcile_sample(app)
    with app.app_context():
        assert igot_findings.chase(db.session, reconciliation_id, "not_on_igot", endorsement_id, "send", None) == 8
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Recipient.id))) == 8
    settle(app)


@sqlite_only
def test_igot_beside_what_officers_answered(app: Flask, client: Client, auth: Auth) -> None:
    tokens = issued_endorsement(app)
    # iGOT shows amneetsingla@gmail.com for Amneet Singla, and Aarti Garg's own email.
    assert client.submit(f"/a/{tokens['amneet.singla@nic.in']}", {"response": "aligned"}).status_code == 303
    different = {"response": "different", "igot_email": "aarti@gmail.com"}
    assert client.submit(f"/a/{tokens['aarti.garg@nic.in']}", different).status_code == 303
    reconcile_sample(app)
    auth.login()
    with app.app_context():
        endorsement_id = db.session.scalar(sa.select(Recipient.endorsement_id).limit(1))
        assert db.session.scalar(sa.select(sa.func.count(Reconciliation.id))) == 1
    page = client.get(f"/endorsements/{endorsement_id}").get_data(as_text=True)
    assert igot_findings.ANSWERED_ALIGNED in page and igot_findings.ANSWERED_DIFFERENT in page
    assert "amneetsingla@gmail.com" in page
    work_list = client.get("/mismatches/").get_data(as_text=True)
    assert "report disagrees with their answer" in work_list and "amneetsingla@gmail.com" in work_list
    settle(app)
