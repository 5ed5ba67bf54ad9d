"""The public verify page a letter prints: its facts, nothing about recipients, and checking an uploaded PDF."""

import io
import re
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask

from models import Endorsement, Recipient, db
from services import letters
from tests.conftest import Client, OfficeCertificate, api_issue, issue_letter, issued_endorsement, pdf_text, sqlite_only
from tests.test_signing import draft_letter


def issued(app: Flask) -> tuple[Endorsement, bytes]:
    """A letter issued (signed if the app is set to sign), and its PDF as issued."""
    issue_letter(app)
    return the_letter(app)


def the_letter(app: Flask) -> tuple[Endorsement, bytes]:
    """The only issued letter, and its PDF as issued."""
    with app.app_context():
        endorsement = db.session.scalars(sa.select(Endorsement).where(Endorsement.issued_at.is_not(None))).one()
        db.session.expunge(endorsement)
        return endorsement, letters.issued_pdf(db.session, endorsement.id)


def upload(client: Client, code: str, data: bytes, filename: str = "letter.pdf") -> tuple[int, str]:
    response = client.submit(f"/v/{code}", {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


@sqlite_only
def test_the_letter_prints_its_verify_link_and_a_draft_shows_where_it_will_be(app: Flask):
    with app.app_context():
        endorsement_id = draft_letter()
        draft = pdf_text(letters.preview_pdf(db.session, endorsement_id))
        assert "Draft: no verification code yet" in draft
        assert "https://pavati.example.gov.in/v/…" in draft
        endorsement = letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        code = endorsement.verify_code
        issued = letters.issued_pdf(db.session, endorsement_id)
    assert code and re.fullmatch(r"[A-Za-z0-9_-]{11}", code)
    text = pdf_text(issued)
    assert f"https://pavati.example.gov.in/v/{code}" in text
    assert "To check that this letter is genuine" in text
    assert "Draft" not in text


def test_each_letter_gets_its_own_code(app: Flask):
    issue_letter(app)
    with app.app_context():
        endorsement_id = draft_letter_for_the_same_memo()
        letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        codes = db.session.scalars(sa.select(Endorsement.verify_code)).all()
    assert len(codes) == 2 and len(set(codes)) == 2 and all(codes)


def draft_letter_for_the_same_memo() -> int:
    endorsement = db.session.scalars(sa.select(Endorsement)).first()
    assert endorsement is not None
    fields = {**letters.draft_defaults(db.session, endorsement.circular_id), "dated": "2026-03-12"}
    return letters.prepare_endorsement(db.session, endorsement.circular_id, fields, None).id


@sqlite_only
def test_the_page_shows_the_letter_and_nothing_of_whom_it_went_to(app: Flask, client: Client):
    tokens = issued_endorsement(app)
    endorsement, bundle = the_letter(app)
    response = client.get(f"/v/{endorsement.verify_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for words in [
        endorsement.file_no,
        "11.03.2026",
        "Updation of Email ID on SPARROW",
        "T-28/27/2025-iGOT Part(1)",
        "Department of Personnel and Training",
        "Chief Secretary&#39;s Office (PAR Cell)",
        endorsement.pdf_sha256,
        "Issued without a digital signature",
    ]:
        assert words in html, words
    with app.app_context():
        names = db.session.scalars(sa.select(Recipient.name)).all()
    assert len(names) == len(tokens) > 1
    for email in tokens:
        assert email not in html
        assert email.split("@")[0] not in html
    for name in names:
        assert name not in html
    for token in tokens.values():
        assert token not in html


@sqlite_only
def test_an_exact_copy_matches_and_a_changed_one_does_not(
    app: Flask, client: Client, office_certificate: OfficeCertificate
):
    app.config.update(office_certificate.settings)
    endorsement, bundle = issued(app)
    code = endorsement.verify_code
    html = client.get(f"/v/{code}").get_data(as_text=True)
    assert f"Digitally signed by {office_certificate.signer}" in html

    status, html = upload(client, code, bundle)
    assert status == 200
    assert f"This file is exactly letter {endorsement.file_no} as issued." in html
    assert "the signature is intact and its certificate is trusted" in html

    at = bundle.index(b"/MediaBox") + len(b"/MediaBox [0 0 5")
    changed = bundle[:at] + (b"7" if bundle[at : at + 1] != b"7" else b"8") + bundle[at + 1 :]
    status, html = upload(client, code, changed)
    assert status == 200
    assert f"This file is NOT the letter issued as {endorsement.file_no}:" in html
    assert "the signature is <strong>broken</strong>" in html
    assert "exactly letter" not in html

    # Something added after signing (an incremental update): the signed part is intact, the file is not the letter.
    status, html = upload(client, code, bundle + b"\n% added later\n")
    assert "This file is NOT the letter issued" in html
    assert "the signature is intact, but the file was <strong>changed after signing</strong>" in html


@sqlite_only
def test_another_pdf_unsigned_is_not_the_letter(app: Flask, client: Client):
    endorsement, _ = issued(app)
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    other = io.BytesIO()
    writer.write(other)
    status, html = upload(client, endorsement.verify_code, other.getvalue())
    assert status == 200
    assert "This file is NOT the letter issued" in html
    assert "carries no digital signature" in html


@sqlite_only
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a zip file renamed to .pdf", "The file is not a PDF."),
        (b"", "The file is empty."),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_with_a_message(app: Flask, client: Client, data: bytes, message: str):
    endorsement, _ = issued(app)
    status, html = upload(client, endorsement.verify_code, data)
    assert status == 422
    assert message in html
    no_file = client.submit(f"/v/{endorsement.verify_code}", {}, content_type="multipart/form-data")
    assert no_file.status_code == 422
    assert "Choose the PDF file to check." in no_file.get_data(as_text=True)


@sqlite_only
def test_a_damaged_pdf_is_answered_not_a_500(app: Flask, client: Client):
    endorsement, bundle = issued(app)
    status, html = upload(client, endorsement.verify_code, b"%PDF-1.7\n" + bundle[len(bundle) // 2 :])
    assert status == 200
    assert "This file is NOT the letter issued" in html
    assert "could not be read" in html


@sqlite_only
def test_too_large_a_file_is_refused(app: Flask, client: Client):
    endorsement, _ = issued(app)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    status, _ = upload(client, endorsement.verify_code, b"%PDF-1.7\n" + b"0" * 2 * 1024 * 1024)
    assert status == 413


def test_unknown_codes_and_drafts_are_not_found(app: Flask, client: Client):
    with app.app_context():
        draft_letter()
    for code in ["AAAAAAAAAAA", "x", "..%2F..%2Fetc", "a" * 200]:
        assert client.get(f"/v/{code}").status_code == 404
    assert client.post("/v/AAAAAAAAAAA", data={}).status_code in (400, 404)


@sqlite_only
def test_the_form_needs_its_csrf_token(app: Flask, client: Client):
    endorsement, bundle = issued(app)
    response = client.post(
        f"/v/{endorsement.verify_code}",
        data={"file": (io.BytesIO(bundle), "letter.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "exactly letter" not in response.get_data(as_text=True)


@sqlite_only
def test_checks_are_limited_per_address(app: Flask, client: Client):
    endorsement, bundle = issued(app)
    app.config["VERIFY_RATE_PER_ADDRESS"] = 2
    code = endorsement.verify_code
    assert [upload(client, code, bundle)[0] for _ in range(3)] == [200, 200, 429]
    assert client.get(f"/v/{code}").status_code == 200  # reading the page is never limited


@sqlite_only
def test_staff_see_the_verify_page_and_signature_of_an_issued_letter(
    app: Flask, client: Client, auth: Any, api_token: Any
):
    headers = api_token("admin")
    endorsement_id = api_issue(client, headers)
    letter = client.get(f"/api/v1/endorsements/{endorsement_id}", headers=headers).json
    endorsement, _ = the_letter(app)
    assert letter["verify_url"] == f"https://pavati.example.gov.in/v/{endorsement.verify_code}"
    assert letter["signed_by"] is None
    auth.login("clerk")
    html = client.get(f"/endorsements/{endorsement_id}").get_data(as_text=True)
    assert f"/v/{endorsement.verify_code}" in html
    assert "Issued without a digital signature" in html
