"""Reconciling iGOT's reports with the roster: matching, results, courses, changes, and the background job."""

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from models import AuditEvent, Officer, ReconciledOfficer, Reconciliation, db
from services import office, reconciliation, roster
from services.errors import Invalid
from tests.conftest import sample, settle
from tests.igot_exports import CONSUMPTION_HEADER, PASSWORD, USER_HEADER, course, table, user, zipped

ROSTER = (
    "name,batch,sparrow_email,mobile\n"
    "Asha Verma,2001,asha.verma@nic.in,9876500001\n"  # the same email on iGOT, in capitals
    "Ravi Kumar,2002,ravi.kumar@nic.in,9876500002\n"  # another email on iGOT, found by mobile
    "Neha Singh,2003,neha.singh@hry.nic.in,\n"  # the same mailbox at hry.gov.in
    "Vikram Rao,2004,vikram.rao@nic.in,\n"  # found by name and batch only
    "Sunil Das,2005,sunil.das@nic.in,9876500005\n"  # two iGOT users share his mobile
    "Meera Nair,2006,meera.nair@nic.in,\n"  # not on iGOT
)
USERS = [
    user("Asha Verma", " ASHA.VERMA@NIC.IN ", "9876500001", 2001),
    user("Ravi K.", "ravi.k@gmail.com", "+91 98765 00002", 2002),
    user("Neha Singh", "neha.singh@hry.gov.in", "", 2003),
    user("Vikram  RAO", "vikram@yahoo.com", "", 2004),
    user("S. Das", "sd1@gmail.com", "9876500005", 2005),
    user("Sunil D.", "sd2@gmail.com", "09876500005", 2005),
    user("Not On Roster", "stranger@nic.in", "9000000000", 1999),
]
COURSES = [
    course("asha.verma@nic.in", "Course A", "completed"),
    course("asha.verma@nic.in", "Comprehensive Assessment for AIS", "completed"),
    course("asha.verma@nic.in", "Elective", "completed", mandated=False),
    course("ravi.k@gmail.com", "Course A", "in-progress"),
    course("ravi.k@gmail.com", "Comprehensive Assessment for AIS", "not-started"),
]


def export(users: list[dict[str, object]] = USERS, courses: list[dict[str, object]] = COURSES) -> bytes:
    return zipped(
        {"UserReport.csv": table(USER_HEADER, users), "ConsumptionReport.csv": table(CONSUMPTION_HEADER, courses)}
    )


def run(data: bytes, password: str | None = PASSWORD) -> Reconciliation:
    done = reconciliation.start(db.session, [("export.zip", io.BytesIO(data))], password, None)
    db.session.commit()
    return done


def found(reconciliation_id: int) -> dict[str, ReconciledOfficer]:
    rows = db.session.scalars(
        sa.select(ReconciledOfficer).where(ReconciledOfficer.reconciliation_id == reconciliation_id)
    )
    return {row.officer.name: row for row in rows}


@pytest.fixture
def on_roster(app: Flask) -> Any:
    with app.app_context():
        roster.import_roster(db.session, ROSTER.encode(), None)
        db.session.commit()
        yield


def test_each_officer_matched_and_judged(on_roster: None) -> None:
    done = run(export())
    assert done.status == "done" and done.counts == {
        "officers": 6, "aligned": 1, "mismatch": 2, "alias": 1, "not_on_igot": 1, "ambiguous": 1,
        "courses_completed": 1, "to_confirm": 1, "assessment_done": 1, "changed": 0, "igot_users": 7,
    }  # fmt: skip
    rows = found(done.id)
    assert {name: (r.result, r.matched_by) for name, r in rows.items()} == {
        "Asha Verma": ("aligned", "email"),
        "Ravi Kumar": ("mismatch", "mobile"),
        "Neha Singh": ("alias", "email"),
        "Vikram Rao": ("mismatch", "name_batch"),
        "Sunil Das": ("ambiguous", "mobile"),
        "Meera Nair": ("not_on_igot", None),
    }
    assert rows["Ravi Kumar"].igot_email == "ravi.k@gmail.com" and rows["Sunil Das"].candidates == 2
    assert done.prescribed == ["Comprehensive Assessment for AIS", "Course A"] and done.prescribed_by == "report"
    asha, ravi = rows["Asha Verma"], rows["Ravi Kumar"]
    assert (asha.courses_completed, asha.all_courses_done, asha.assessment_done) == (2, True, True)
    assert (ravi.courses_completed, ravi.courses_in_progress, ravi.courses_not_started) == (0, 1, 1)
    assert rows["Meera Nair"].courses_not_started == 2


def test_the_igot_email_is_remembered_except_from_a_match_by_name(on_roster: None) -> None:
    run(export())
    emails = dict(db.session.execute(sa.select(Officer.name, Officer.igot_email)).tuples().all())
    assert emails["Ravi Kumar"] == "ravi.k@gmail.com" and emails["Neha Singh"] == "neha.singh@hry.gov.in"
    assert emails["Vikram Rao"] is None and emails["Meera Nair"] is None
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "reconciliation.done")).one()
    assert event.details["igot_emails_remembered"] == 2 and emails["Asha Verma"] is None  # aligned: nothing new


def test_the_offices_prescribed_courses_come_first(on_roster: None) -> None:
    office.save(db.session, {"prescribed_courses": "course a\n\nElective\n"}, None)
    done = run(export())
    assert done.prescribed == ["course a", "Elective"] and done.prescribed_by == "office"
    assert found(done.id)["Asha Verma"].courses_completed == 2


def test_what_changed_since_the_previous_report(on_roster: None) -> None:
    first = run(export())
    fixed = [
        user("Ravi Kumar", "ravi.kumar@nic.in", "9876500002", 2002) if u["Full_Name"] == "Ravi K." else u for u in USERS
    ]
    second = run(export(users=fixed))
    assert second.previous_id == first.id and second.counts["changed"] == 1
    ravi = found(second.id)["Ravi Kumar"]
    assert (ravi.was, ravi.result) == ("mismatch", "aligned")


def test_a_wrong_password_saves_nothing(on_roster: None) -> None:
    with pytest.raises(Invalid):
        run(export(), password="wrong")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Reconciliation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Officer.igot_email.is_not(None))) == 0


def test_inactive_officers_are_left_out(on_roster: None) -> None:
    meera = db.session.scalars(sa.select(Officer).where(Officer.name == "Meera Nair")).one()
    roster.set_active(db.session, meera.id, False, None)
    db.session.commit()
    assert run(export()).counts["officers"] == 5


def test_a_large_upload_is_read_in_the_background(app: Flask) -> None:
    app.config["IGOT_INLINE_MB"] = 0  # every upload is "large"
    with app.app_context():
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        db.session.commit()
        started = run((Path(__file__).parent / "samples" / "igot-all-reports.zip").read_bytes(), PASSWORD)
        assert started.status == "running"
        started_id = started.id
        with pytest.raises(Invalid, match="password is wrong"):  # told at once, not after
            run(export(), password="wrong")
        db.session.rollback()
        # A CSV that is no report is only found out in the background: the reconciliation fails with the reason.
        failed_id = reconciliation.start(db.session, [("x.csv", io.BytesIO(b"a,b\n1,2\n"))], None, None).id
        db.session.commit()
    settle(app)
    with app.app_context():
        done, failed = db.session.get(Reconciliation, started_id), db.session.get(Reconciliation, failed_id)
        assert done is not None and failed is not None
        assert done.status == "done" and done.counts["aligned"] == 24 and done.counts["not_on_igot"] == 8
        assert failed.status == "failed" and "not one of iGOT's reports" in (failed.reason or "")
        assert db.session.scalar(sa.select(sa.func.count(Reconciliation.id))) == 2
        assert not list((Path(app.config["FILES_DIR"]) / reconciliation.UPLOADS).iterdir())
