"""Importing the roster: matching by email, updates, reactivation, and row-by-row errors."""

import pytest
from flask import Flask

from models import Officer, db
from services import roster
from services.errors import Invalid
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
    assert "appears earlier" in result.errors[-1]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00n\x00a", "UTF-8"),
        (b"who,what\nx,y\n", "no column"),
        (b"", "no column"),
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
