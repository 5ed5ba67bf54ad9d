"""The register: search over number, subject and text (full-text on PostgreSQL), filters, diary numbers."""

from datetime import date

from flask import Flask

from models import Circular, Endorsement, db, utcnow
from services import register
from tests.conftest import Client


def add(number: str, subject: str, text: str = "", dated: date = date(2026, 3, 3), **more: object) -> Circular:
    circular = Circular(
        reference_no=number,
        reference_key=number,
        dated=dated,
        issued_by=str(more.get("issued_by", "Department of Personnel and Training")),
        subject=subject,
        diary_no=str(more.get("diary_no", "1")),
        received_on=more.get("received_on", dated),
        pdf_sha256=f"{len(number):02d}{abs(hash(number)):062d}"[:64],
        pdf_pages=1,
        filename="m.pdf",
        text=text,
        confidence={},
    )
    db.session.add(circular)
    db.session.flush()
    return circular


def numbers(filters: register.Filters) -> list[str]:
    rows, total = register.list_circulars(db.session, filters)
    assert total == len(rows)
    return sorted(c.reference_no for c in rows)


def test_search_finds_number_subject_and_words_of_the_memo(app: Flask):
    with app.app_context():
        add("T-28/27/2025-iGOT Part(1)", "Updation of Email ID on SPARROW", "portal linkage of APAR records")
        add("21011/02/2026-Estt.A-II", "Annual Performance Appraisal Reports", "timelines for APAR", date(2025, 6, 1))
        add(
            "22/5/2020-CS.I (APAR)",
            "Comprehensive Assessment on iGOT",
            "courses 100% done",
            issued_by="Cabinet Secretariat",
        )
        assert numbers(register.Filters(words="sparrow")) == ["T-28/27/2025-iGOT Part(1)"]
        everyone = ["21011/02/2026-Estt.A-II", "22/5/2020-CS.I (APAR)", "T-28/27/2025-iGOT Part(1)"]
        assert numbers(register.Filters(words="APAR")) == everyone
        assert numbers(register.Filters(words="21011/02/2026")) == ["21011/02/2026-Estt.A-II"]
        assert numbers(register.Filters(words="100%")) == ["22/5/2020-CS.I (APAR)"]  # no wildcard
        assert numbers(register.Filters(words="nothing like this")) == []
        assert numbers(register.Filters(year=2025)) == ["21011/02/2026-Estt.A-II"]
        assert numbers(register.Filters(issued_by="Cabinet Secretariat")) == ["22/5/2020-CS.I (APAR)"]


def test_filter_by_endorsement_issued(app: Flask):
    with app.app_context():
        done = add("1/1/2026", "Issued")
        add("2/2/2026", "Not yet")
        db.session.add(
            Endorsement(
                circular_id=done.id,
                file_no="No.1",
                dated=date(2026, 3, 4),
                addressee="All",
                body="",
                signatory_name="DS",
                signatory_title="PAR",
                ack_kind="read",
                issued_at=utcnow(),
            )
        )
        db.session.flush()
        assert numbers(register.Filters(endorsed=True)) == ["1/1/2026"]
        assert numbers(register.Filters(endorsed=False)) == ["2/2/2026"]


def test_diary_numbers_follow_the_years_highest(app: Flask):
    with app.app_context():
        assert register.next_diary_no(db.session, date(2026, 3, 5)) == "1"
        add("1/2026", "a", diary_no="253/6", received_on=date(2026, 3, 1))
        add("2/2026", "b", diary_no="19/6", received_on=date(2026, 3, 2))
        add("3/2025", "c", diary_no="900/6", received_on=date(2025, 12, 30), dated=date(2025, 12, 1))
        assert register.next_diary_no(db.session, date(2026, 3, 5)) == "254/6"
        assert register.next_diary_no(db.session, date(2027, 1, 2)) == "1"


def test_register_page_searches_filters_and_says_when_nothing_matches(app: Flask, client: Client, auth: object):
    with app.app_context():
        add("T-28/27/2025-iGOT Part(1)", "Updation of Email ID on SPARROW")
        db.session.commit()
    auth.login("viewer")  # type: ignore[attr-defined]
    page = client.get("/?q=sparrow&year=2026&endorsed=no").get_data(as_text=True)
    assert "T-28/27/2025-iGOT Part(1)" in page and 'value="sparrow"' in page
    page = client.get("/?q=pension").get_data(as_text=True)
    assert "No circular matches" in page
    assert client.get("/?year=abc&endorsed=maybe&page=x").status_code in (200, 422)
