"""Letters numbered from the office's series: the next serial of the letter's year, given when it is approved."""

import pytest
from flask import Flask

from models import Endorsement, db
from services import file_numbers, intake, letters, office
from services.errors import Invalid
from tests.conftest import MEMO_FIELDS, Auth, Client, pdf_text, sample
from tests.test_pages import DRAFT, draft_via_pages

SERIES = "No.30/10/{year}-1PAR Cell/{serial}"


def numbered_office(app: Flask, pattern: str = SERIES) -> int:
    """The office numbers letters in a series; the founding memo registered (its circular's id)."""
    with app.app_context():
        office.save(db.session, {"file_no": pattern}, None)
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        db.session.commit()
        return circular.id


def prepare(circular_id: int, **letter: str) -> Endorsement:
    fields = {**letters.draft_defaults(db.session, circular_id), "dated": "2026-03-11", **letter}
    return letters.prepare_endorsement(db.session, circular_id, fields, None)


def test_drafts_are_numbered_in_the_years_series_when_issued(app: Flask):
    circular_id = numbered_office(app)
    with app.app_context():
        first, second = prepare(circular_id), prepare(circular_id)
        assert first.file_no == "" and first.number.startswith(f"Draft #{first.id}")
        # The preview shows the number it would take now; issuing gives the next in turn.
        assert "No.30/10/2026-1PAR Cell/1" in pdf_text(letters.preview_pdf(db.session, second.id))
        letters.issue_endorsement(db.session, second.id, None)
        letters.issue_endorsement(db.session, first.id, None)
        next_year = prepare(circular_id, dated="2027-01-04")
        letters.issue_endorsement(db.session, next_year.id, None)
        own = prepare(circular_id, file_no="No.99/1/2026-Special")
        letters.issue_endorsement(db.session, own.id, None)
        db.session.commit()
        numbers = {e.id: (e.file_no, e.file_year, e.file_serial) for e in (first, second, next_year, own)}
        issued = pdf_text(letters.issued_pdf(db.session, first.id))
    assert numbers == {
        second.id: ("No.30/10/2026-1PAR Cell/1", 2026, 1),
        first.id: ("No.30/10/2026-1PAR Cell/2", 2026, 2),
        next_year.id: ("No.30/10/2027-1PAR Cell/1", 2027, 1),
        own.id: ("No.99/1/2026-Special", None, None),  # a number the clerk typed takes none of the series
    }
    assert "No.30/10/2026-1PAR Cell/2" in issued and "Endst. No. 30/10/2026-1PAR Cell/2" in issued


def test_a_serial_taken_meanwhile_by_another_letter_gives_the_next(app: Flask, monkeypatch: pytest.MonkeyPatch):
    circular_id = numbered_office(app)
    with app.app_context():
        taken = prepare(circular_id)
        letters.issue_endorsement(db.session, taken.id, None)
        late = prepare(circular_id)
        db.session.commit()
        # As if another approver's letter had been stored between this one's count and its own storing.
        real_next = file_numbers.next_number
        stale = iter([("No.30/10/2026-1PAR Cell/1", 1)])
        monkeypatch.setattr(file_numbers, "next_number", lambda s, d: next(stale, None) or real_next(s, d))
        letters.issue_endorsement(db.session, late.id, None)
        db.session.commit()
        assert (late.file_no, late.file_serial) == ("No.30/10/2026-1PAR Cell/2", 2)


def test_without_serial_a_draft_takes_the_offices_number(app: Flask):
    circular_id = numbered_office(app, "No.30/10/{year}-1PAR Cell")
    with app.app_context():
        draft = prepare(circular_id)
        assert draft.file_no == "No.30/10/2026-1PAR Cell"
        blank = prepare(circular_id, file_no="")
        letters.issue_endorsement(db.session, blank.id, None)
        assert (blank.file_no, blank.file_serial) == ("No.30/10/2026-1PAR Cell", None)


@pytest.mark.parametrize("pattern", ["No.{serial}/{month}", "No.{serial", "No.{}/x", "No.{0.__class__}"])
def test_a_pattern_with_other_braces_is_refused(app: Flask, pattern: str):
    with app.app_context():
        with pytest.raises(Invalid, match=r"may use only \{serial\}, \{year\}"):
            office.save(db.session, {"file_no": pattern}, None)
        assert office.particulars(db.session)["file_no"] == app.config["LETTER_FILE_NO"]


def test_a_clerk_leaves_the_number_empty_and_the_pages_call_the_draft_by_its_id(app: Flask, client: Client, auth: Auth):
    numbered_office(app)
    auth.login("clerk")
    page = draft_via_pages(app, client, {**DRAFT, "file_no": ""})
    html = client.get(page).get_data(as_text=True)
    assert "Draft #1 (numbered when approved)" in html
