"""The endorsement letter: its words, its PDF, and a renderer that can read nothing but our static files."""

import io
from datetime import date
from pathlib import Path

import pypdf
import pytest
from flask import Flask

from models import db
from services import intake, letters
from services.errors import Conflict
from tests.conftest import MEMO_FIELDS, sample


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 3, 11), "11th March, 2026"),
        (date(2026, 3, 1), "1st March, 2026"),
        (date(2026, 3, 22), "22nd March, 2026"),
        (date(2026, 3, 23), "23rd March, 2026"),
        (date(2026, 3, 12), "12th March, 2026"),
    ],
)
def test_long_date(day: date, text: str):
    assert letters.long_date(day) == text


def test_guess_particulars_from_the_sample_memo():
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(sample("dopt-igot-email-om.pdf"))).pages)
    guess = intake.guess_particulars(text)
    assert guess == {
        "reference_no": "T-28/27/2025-iGOT Part(1)",
        "dated": date(2026, 3, 3),
        "issued_by": "Department of Personnel and Training",
        "subject": "Instructions regarding Updation of Email ID on SPARROW and iGOT Karmayogi Portal – reg.",
    }


def test_reference_key_ignores_prefix_case_and_spaces():
    assert intake.reference_key("No. T-28/27/2025-iGOT Part(1)") == intake.reference_key("t-28/27/2025-igot part(1)")


def draft(app: Flask, **overrides: object) -> int:
    memo = intake.read_memo(sample("dopt-igot-email-om.pdf"))
    circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
    fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11", **overrides}
    return letters.prepare_endorsement(db.session, circular.id, fields, None).id


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_issued_pdf_has_the_particulars_and_never_changes(app: Flask):
    with app.app_context():
        endorsement_id = draft(app, file_no="No.30/10/2025-1PAR Cell", copy_to="DoPT\nPS to CM", deadline="2026-03-25")
        preview = pdf_text(letters.preview_pdf(db.session, endorsement_id))
        assert "DRAFT" in preview
        endorsement = letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        issued = letters.issued_pdf(db.session, endorsement_id)
        text = pdf_text(issued)
        for words in [
            "No.30/10/2025-1PAR Cell",
            "T-28/27/2025-iGOT Part(1)",
            "Updation of Email ID on SPARROW",
            "11th March, 2026",
            "Endst. No. 30/10/2025-1PAR Cell",
            "PS to CM",
            "25th March, 2026",
            "All the IAS officers in Haryana",
            "Chandigarh",
        ]:
            assert words in text, words
        assert "DRAFT" not in text
        with pytest.raises(Conflict):
            letters.revise_draft(db.session, endorsement_id, {"file_no": "changed"}, None)
        with pytest.raises(Conflict):
            letters.issue_endorsement(db.session, endorsement_id, None)
        assert letters.issued_pdf(db.session, endorsement_id) == issued
        assert endorsement.pdf_sha256


def test_standard_words_follow_a_changed_kind_and_deadline(app: Flask):
    with app.app_context():
        endorsement_id = draft(app, deadline="2026-03-31")
        assert "31st March, 2026" in pdf_text(letters.preview_pdf(db.session, endorsement_id))
        endorsement = letters.get_endorsement(db.session, endorsement_id)
        given = {
            k: getattr(endorsement, k)
            for k in ("file_no", "dated", "addressee", "signatory_name", "signatory_title", "copy_to")
        }
        letters.revise_draft(
            db.session, endorsement_id, {**given, "body": "", "ack_kind": "read", "deadline": "2026-04-15"}, None
        )
        text = pdf_text(letters.preview_pdf(db.session, endorsement_id))
    assert "acknowledge receipt by 15th April, 2026" in " ".join(text.split())
    assert "iGOT Karmayogi portal is the same" not in " ".join(text.split())


def test_what_staff_type_is_escaped_not_markup(app: Flask):
    with app.app_context():
        endorsement_id = draft(app, addressee='<img src="file:///etc/passwd"> All officers', body="<b>bold</b> text")
        text = pdf_text(letters.preview_pdf(db.session, endorsement_id))
    assert '<img src="file:///etc/passwd">' in text and "<b>bold</b>" in text


def test_renderer_fetches_only_static_files(app: Flask, tmp_path: Path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    with app.app_context():
        fetcher = letters.StaticOnlyFetcher(app.static_folder or "")
        assert fetcher.fetch(Path(app.static_folder or "", "letters/letter.css").as_uri()).read()
        for url in [
            secret.as_uri(),
            "file:///etc/passwd",
            "http://127.0.0.1:5432/",
            "https://example.com/x.css",
            Path(app.static_folder or "", "../app.py").as_uri(),
        ]:
            with pytest.raises(ValueError):
                fetcher.fetch(url)
