"""The office's signature on issued letters: PAdES with its own certificate, checked by pyHanko's validator."""

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from asn1crypto import x509
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from models import Endorsement, db
from services import files, intake, letters, signing
from services.signing import SignerUnavailable
from tests.conftest import MEMO_FIELDS, OfficeCertificate, issue_letter, make_office_certificate, sample, sqlite_only


def draft_letter() -> int:
    """A draft letter for the sample memo; its id (inside an app context)."""
    memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
    circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
    fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
    endorsement_id = letters.prepare_endorsement(db.session, circular.id, fields, None).id
    db.session.commit()
    return endorsement_id


def stored_files(app: Flask) -> set[Path]:
    return {path for path in Path(app.config["FILES_DIR"]).rglob("*") if path.is_file()}


def test_issued_letter_is_signed_pades_and_valid_against_the_offices_ca(
    app: Flask, office_certificate: OfficeCertificate
):
    app.config.update(office_certificate.settings)
    endorsement_id = issue_letter(app)
    with app.app_context():
        endorsement = db.session.get(Endorsement, endorsement_id)
        assert endorsement is not None and endorsement.pdf_sha256
        assert endorsement.signed_by == office_certificate.signer
        bundle = letters.issued_pdf(db.session, endorsement_id)
    # The hash kept (and shown on the verify page) is that of the signed file.
    assert hashlib.sha256(bundle).hexdigest() == endorsement.pdf_sha256

    embedded = PdfFileReader(io.BytesIO(bundle)).embedded_signatures
    assert len(embedded) == 1
    assert embedded[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    context = ValidationContext(trust_roots=[x509.Certificate.load(office_certificate.ca)])
    status = validate_pdf_signature(embedded[0], context)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE

    check = signing.verify(bundle, [office_certificate.ca])
    assert check is not None
    assert (check.intact, check.valid, check.whole_file) == (True, True, True)
    assert check.signer == office_certificate.signer
    assert check.signed_at is not None


@sqlite_only
def test_a_byte_changed_after_signing_fails_verification(app: Flask, office_certificate: OfficeCertificate):
    app.config.update(office_certificate.settings)
    endorsement_id = issue_letter(app)
    with app.app_context():
        bundle = letters.issued_pdf(db.session, endorsement_id)
    at = bundle.index(b"/MediaBox") + len(b"/MediaBox [0 0 5")  # a page's width, inside the signed bytes
    changed = bundle[:at] + (b"7" if bundle[at : at + 1] != b"7" else b"8") + bundle[at + 1 :]
    check = signing.verify(changed, [office_certificate.ca])
    assert check is not None
    assert not check.intact and not check.valid
    # Bytes added after the signature leave the signed part intact, but the file is no longer the one signed.
    added = signing.verify(bundle + b"\n% added later\n", [office_certificate.ca])
    assert added is not None
    assert (added.intact, added.whole_file, added.valid) == (True, False, False)


@sqlite_only
def test_a_signature_by_another_ca_is_intact_but_not_valid(
    app: Flask, office_certificate: OfficeCertificate, tmp_path: Path
):
    app.config.update(office_certificate.settings)
    endorsement_id = issue_letter(app)
    with app.app_context():
        bundle = letters.issued_pdf(db.session, endorsement_id)
    (tmp_path / "other").mkdir()
    other = make_office_certificate(tmp_path / "other")
    check = signing.verify(bundle, [other.ca])
    assert check is not None and check.intact and not check.valid
    nothing_trusted = signing.verify(bundle, [])
    assert nothing_trusted is not None and not nothing_trusted.valid


def test_without_a_signer_letters_are_issued_unsigned(app: Flask):
    endorsement_id = issue_letter(app)
    with app.app_context():
        endorsement = db.session.get(Endorsement, endorsement_id)
        assert endorsement is not None and endorsement.signed_by is None and endorsement.verify_code
        assert signing.verify(letters.issued_pdf(db.session, endorsement_id), []) is None


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"SIGNING_P12_PASSWORD": "not the password"}, "check SIGNING_P12_PASSWORD"),
        ({"SIGNING_P12": "/nonexistent/office.p12"}, "SIGNING_P12 cannot be read"),
    ],
)
def test_a_signer_that_cannot_be_used_stops_the_issue_and_nothing_is_saved(
    app: Flask, office_certificate: OfficeCertificate, setting: dict[str, str], message: str
):
    app.config.update({**office_certificate.settings, **setting})
    with app.app_context():
        endorsement_id = draft_letter()
        before = stored_files(app)
        with pytest.raises(SignerUnavailable, match=message):
            letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.rollback()
        assert stored_files(app) == before
        endorsement = db.session.get(Endorsement, endorsement_id)
        assert endorsement is not None
        assert (endorsement.issued_at, endorsement.pdf_sha256, endorsement.verify_code, endorsement.signed_by) == (
            None,
            None,
            None,
            None,
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 1
        # Mended, the same draft issues signed.
        app.config.update(office_certificate.settings)
        issued = letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        assert issued.signed_by == office_certificate.signer
        assert files.load(issued.pdf_sha256 or "")


@sqlite_only
def test_a_signing_token_misconfigured_is_a_clear_error(app: Flask):
    with app.app_context():
        app.config.update(SIGNING_PKCS11_MODULE="/nonexistent/libdsc-pkcs11.so")
        with pytest.raises(SignerUnavailable, match="set SIGNING_PKCS11_TOKEN_LABEL, SIGNING_PKCS11_PIN"):
            signing.sign(b"%PDF-1.7")
        app.config.update(
            SIGNING_PKCS11_TOKEN_LABEL="DSC", SIGNING_PKCS11_KEY_LABEL="signer", SIGNING_PKCS11_PIN="1234"
        )
        with pytest.raises(SignerUnavailable, match="The signing token cannot be opened"):
            signing.sign(b"%PDF-1.7")


def test_is_configured():
    assert not signing.is_configured({"SIGNING_P12": None, "SIGNING_PKCS11_MODULE": None})
    assert signing.is_configured({"SIGNING_P12": "office.p12"})
    assert signing.is_configured({"SIGNING_PKCS11_MODULE": "/usr/lib/libeToken.so"})


def test_signing_works_where_an_event_loop_already_runs(app: Flask, office_certificate: OfficeCertificate):
    """pyHanko starts an asyncio loop of its own; where one already runs (an async worker), it signs all the same."""
    import asyncio

    app.config.update(office_certificate.settings)
    with app.app_context():

        async def inside_a_loop() -> signing.Signed:
            return signing.sign(sample("dopt-igot-email-om.pdf"))

        signed = asyncio.run(inside_a_loop())
        check = signing.verify(signed.pdf, [office_certificate.ca])
    assert check is not None and check.intact
