"""Importing the roster: matching by identity number and email, the preview, email history, row-by-row errors."""

from pathlib import Path

import openpyxl
import pytest
from flask import Flask

from models import AuditEvent, Officer, db, utcnow
from services import roster, roster_file
from services.errors import Conflict, Invalid
from tests.conftest import sample

HEADER = "name,service,batch,designation,sparrow_email,mobile\n"


def run(app: Flask, text: str | bytes) -> roster.ImportResult:
    with app.app_context():
        result = roster.import_roster(db.session, text if isinstance(text, bytes) else text.encode(), None)
        db.session.commit()
        return result


def test_sample_roster_imports_once(app: Flask):
    assert run(app, sample("roster-haryana-ias.csv")).created == 40
    assert run(app, sample("roster-haryana-ias.csv")).unchanged == 40


def test_match_ignores_case_and_spaces_and_updates(app: Flask):
    run(app, HEADER + "A One,IAS,2001,DC,a.one@nic.in,9000000001\n")
    result = run(app, HEADER + "A One,IAS,2001,Secretary,  A.One@NIC.in ,9000000001\n")
    assert (result.created, result.updated) == (0, 1)
    with app.app_context():
        officer = db.session.scalar(db.select(Officer))
        assert officer is not None and (officer.designation, officer.sparrow_email) == ("Secretary", "a.one@nic.in")
        assert officer.earlier_emails == []  # the same email, only written differently


def test_deactivated_officer_in_a_new_roster_is_active_again(app: Flask):
    run(app, HEADER + "A One,IAS,2001,DC,a.one@nic.in,\n")
    with app.app_context():
        officer = db.session.scalar(db.select(Officer))
        assert officer is not None
        roster.set_active(db.session, officer.id, False, None)
        db.session.commit()
    assert run(app, HEADER + "A One,IAS,2001,DC,a.one@nic.in,\n").updated == 1
    with app.app_context():
        assert db.session.scalar(db.select(Officer.active)) is True


def test_bad_rows_are_reported_and_the_rest_imported(app: Flask):
    text = (
        HEADER
        + "Good One,IAS,2001,DC,good@nic.in,9000000001\n"
        + ",IAS,2001,DC,noname@nic.in,\n"
        + "Bad Email,IAS,2001,DC,not-an-email,\n"
        + "Bad Batch,IAS,19xx,DC,batch@nic.in,\n"
        + "Bad Mobile,IAS,2001,DC,mobile@nic.in,call me\n"
        + "Twice,IAS,2001,DC,GOOD@nic.in,\n"
    )
    result = run(app, text)
    assert result.created == 1
    assert [e["row"] for e in result.errors] == [3, 4, 5, 6, 7]
    assert result.errors[-1]["message"] == "Duplicate of row 2."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "neither a CSV nor an Excel"),
        (b"who,what\nx,y\n", "No column is marked as the Name or the SPARROW email"),
        (b"", "empty"),
    ],
)
def test_wrong_files_are_refused_whole(app: Flask, content: bytes, message: str):
    with app.app_context(), pytest.raises(Invalid, match=message):
        roster.import_roster(db.session, content, None)


def test_excel_bom_and_upper_case_headers_are_fine(app: Flask):
    text = "\ufeffName,Service,Batch,Designation,Sparrow_Email,Mobile\nA One,IAS,2001,DC,a@nic.in,\n"
    assert run(app, text.encode("utf-8")).created == 1


def test_a_file_with_fewer_columns_changes_only_those(app: Flask):
    run(app, sample("roster-haryana-ias.csv"))
    result = run(app, "name,sparrow_email\nKavita Garg (Dr),kavita.garg@nic.in\n")
    assert (result.updated, result.created) == (1, 0)
    with app.app_context():
        officer = db.session.scalar(db.select(Officer).where(Officer.sparrow_email == "kavita.garg@nic.in"))
        assert officer is not None
        assert (officer.name, officer.batch, officer.designation, officer.mobile) == (
            "Kavita Garg (Dr)",
            1994,
            "Secretary, Finance Department",
            "9981836553",
        )


CIVIL_LIST = "Identity No.,Name of Officer,Email ID (SPARROW),Batch,Cadre,Present Posting\n"


def officer_by_identity(identity: str) -> Officer:
    officer = db.session.scalar(db.select(Officer).where(Officer.identity_no == identity))
    assert officer is not None
    return officer


def test_an_officer_whose_email_changed_is_updated_not_duplicated(app: Flask):
    run(app, CIVIL_LIST + "01HY001,A One,A.One@nic.in,2001,HY,DC Karnal\n")
    result = run(app, CIVIL_LIST + "01HY001,A One,a.one@gov.in,2001,HY,DC Karnal\n")
    assert (result.created, result.updated) == (0, 1)
    with app.app_context():
        officer = officer_by_identity("01HY001")
        assert db.session.scalar(db.select(db.func.count()).select_from(Officer)) == 1
        assert officer.sparrow_email == "a.one@gov.in"
        assert [e.email for e in officer.earlier_emails] == ["A.One@nic.in"]


def test_an_email_is_shown_as_given_and_compared_without_case(app: Flask):
    run(app, CIVIL_LIST + "01HY001,A One, A.One@NIC.in ,2001,HY,DC\n")
    with app.app_context():
        officer = officer_by_identity("01HY001")
        assert (officer.sparrow_email, officer.email_key) == ("A.One@NIC.in", "a.one@nic.in")
    assert run(app, CIVIL_LIST + "01HY001,A One,a.one@nic.in,2001,HY,DC\n").unchanged == 1


def test_a_new_email_clears_the_old_ones_bounce(app: Flask):
    run(app, CIVIL_LIST + "01HY001,A One,a.one@nic.in,2001,HY,DC\n")
    with app.app_context():
        officer = officer_by_identity("01HY001")
        officer.email_bounced_at, officer.email_bounce_reason = officer.created_at, "550 no such user"
        db.session.commit()
    run(app, CIVIL_LIST + "01HY001,A One,a.one@gov.in,2001,HY,DC\n")
    with app.app_context():
        assert officer_by_identity("01HY001").email_bounced_at is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("01HY002,B Two,a.one@nic.in,2001,HY,DC\n", "a.one@nic.in belongs to A One, whose identity number is 01HY001."),
        ("01HY001,A One,b.two@nic.in,2001,HY,DC\n", "b.two@nic.in belongs to another officer, B Two."),
        ("01HY009,New,new@nic.in,2001,HY,DC\n01HY009,Again,again@nic.in,2001,HY,DC\n", "Duplicate of row 2."),
        ("01HY009,New,new@nic.in,2001,HY,DC\n01HY010,Other,NEW@nic.in,2001,HY,DC\n", "Duplicate of row 2."),
    ],
)
def test_a_row_that_would_confuse_two_officers_is_refused(app: Flask, rows: str, message: str):
    run(app, CIVIL_LIST + "01HY001,A One,a.one@nic.in,2001,HY,DC\n,B Two,b.two@nic.in,2002,HY,SDM\n")
    result = run(app, CIVIL_LIST + rows)
    assert result.errors[-1]["message"] == message


def test_the_preview_says_what_would_change_and_writes_nothing(app: Flask):
    run(app, CIVIL_LIST + "01HY001,A One,a.one@nic.in,2001,HY,DC Karnal\n")
    with app.app_context():
        sheet = roster_file.read_sheet(
            (
                CIVIL_LIST + "01HY001,A One,a.one@gov.in,2001,HY,DC Rohtak\n,New One,new@nic.in,2020,HY,SDM\n,,x,,,\n"
            ).encode()
        )
        plan = roster.plan_import(db.session, sheet).as_json()
        assert (plan["created"], plan["updated"], plan["unchanged"]) == (1, 1, 0)
        assert plan["details"]["update"][0]["changes"] == {
            "sparrow_email": ["a.one@nic.in", "a.one@gov.in"],
            "posting": ["DC Karnal", "DC Rohtak"],
        }
        assert plan["details"]["create"][0]["name"] == "New One"
        assert plan["errors"] == [{"row": 4, "message": "The Name is missing."}]
        assert officer_by_identity("01HY001").sparrow_email == "a.one@nic.in"
        assert db.session.scalar(db.select(db.func.count()).select_from(Officer)) == 1


def test_the_clerk_says_which_column_holds_what(app: Flask):
    with app.app_context():
        sheet = roster_file.read_sheet(b"Officer,Mail on record,Year\nA One,a.one@nic.in,2001\n")
        with pytest.raises(Invalid, match="No column is marked"):
            roster.plan_import(db.session, sheet)
        with pytest.raises(Invalid, match="More than one column is marked as Name"):
            roster.plan_import(db.session, sheet, {0: "name", 1: "name"})
        plan = roster.plan_import(db.session, sheet, {0: "name", 1: "sparrow_email", 2: "batch"})
        assert plan.create == [(2, {"name": "A One", "sparrow_email": "a.one@nic.in", "batch": 2001})]


def test_an_excel_roster_imports_like_its_csv(app: Flask, tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["S.No.", "Name of Officer", "Email ID (SPARROW)", "Allotment Year", "Mobile No."])
    sheet.append([1, "A One", "a.one@nic.in", 2001, 9000000001])
    book.save(tmp_path / "roster.xlsx")
    assert run(app, (tmp_path / "roster.xlsx").read_bytes()).created == 1
    with app.app_context():
        officer = db.session.scalar(db.select(Officer))
        assert officer is not None and (officer.batch, officer.mobile) == (2001, "9000000001")


@pytest.fixture
def three(app: Flask) -> None:
    run(
        app,
        CIVIL_LIST
        + "01HY001,Asha Rani,asha@nic.in,2001,HY,DC Karnal\n"
        + "01UP002,Bimal Das,bimal@nic.in,2010,UP,Secretary Health\n"
        + "01HY003,Chetan Rao,chetan@gov.in,2010,HY,SDM Rohtak\n",
    )
    with app.app_context():
        officer_by_identity("01HY003").active = False
        officer_by_identity("01UP002").email_bounced_at = utcnow()
        db.session.commit()


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (roster.RosterFilters(), ["Asha Rani", "Bimal Das", "Chetan Rao"]),
        (roster.RosterFilters(q="rohtak"), ["Chetan Rao"]),
        (roster.RosterFilters(q="GOV.IN"), ["Chetan Rao"]),
        (roster.RosterFilters(q="01UP002"), ["Bimal Das"]),
        (roster.RosterFilters(q="100%_"), []),
        (roster.RosterFilters(cadre="HY"), ["Asha Rani", "Chetan Rao"]),
        (roster.RosterFilters(batch=2010, sort="email"), ["Bimal Das", "Chetan Rao"]),
        (roster.RosterFilters(active=False), ["Chetan Rao"]),
        (roster.RosterFilters(bounced=True), ["Bimal Das"]),
        (roster.RosterFilters(bounced=False, active=True), ["Asha Rani"]),
    ],
)
def test_the_roster_is_searched_and_filtered(app: Flask, three: None, filters: roster.RosterFilters, names: list[str]):
    with app.app_context():
        officers, total = roster.list_officers(db.session, filters)
        assert [o.name for o in officers] == names and total == len(names)


def test_facets_list_what_the_roster_holds(app: Flask, three: None):
    with app.app_context():
        assert roster.facets(db.session) == {"service": ["IAS"], "cadre": ["HY", "UP"], "batch": [2001, 2010]}


def test_an_officer_added_by_hand_follows_the_import_rules(app: Flask):
    with app.app_context():
        officer = roster.save_officer(db.session, None, {"name": " D Four ", "sparrow_email": "D.Four@nic.in"}, None)
        db.session.commit()
        assert (officer.name, officer.sparrow_email, officer.email_key) == ("D Four", "D.Four@nic.in", "d.four@nic.in")
        with pytest.raises(Invalid, match="The Batch 'x' is not a year.") as wrong:
            roster.save_officer(db.session, None, {"name": "E", "sparrow_email": "e@nic.in", "batch": "x"}, None)
        assert wrong.value.field == "batch"
        with pytest.raises(Conflict, match="already the email of another officer"):
            roster.save_officer(db.session, None, {"name": "E", "sparrow_email": "d.four@NIC.in"}, None)


def test_editing_an_email_keeps_the_old_one_and_is_audited(app: Flask, three: None):
    with app.app_context():
        officer = officer_by_identity("01HY001")
        roster.save_officer(
            db.session, officer.id, {"sparrow_email": "asha.rani@gov.in", "posting": "DC Panipat"}, None
        )
        db.session.commit()
        assert [e.email for e in officer.earlier_emails] == ["asha@nic.in"]
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "officer.updated")).all()[-1]
        assert event.details["changes"] == {
            "sparrow_email": ["asha@nic.in", "asha.rani@gov.in"],
            "posting": ["DC Karnal", "DC Panipat"],
        }
        with pytest.raises(Conflict, match="Identity No. 01UP002 is already another officer's."):
            roster.save_officer(db.session, officer.id, {"identity_no": "01UP002"}, None)


def test_a_mobile_is_masked_and_showing_it_is_audited(app: Flask):
    run(app, "Name,Email,Mobile No.\nA One,a@nic.in,98765 43210\n")
    with app.app_context():
        officer = db.session.scalar(db.select(Officer))
        assert officer is not None and roster.masked(officer.mobile) == "•••••••210"
        assert roster.reveal_mobile(db.session, officer.id, None) == "9876543210"
        db.session.commit()
        assert db.session.scalar(db.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "officer.mobile_viewed"


def test_the_pages_and_the_file_reader_know_the_same_fields():
    assert list(roster.LABELS) == list(roster_file.FIELDS)
