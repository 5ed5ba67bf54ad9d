"""The public check of an issued letter: its facts, found by the code it prints, and whether a file is exactly it."""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from asn1crypto import x509
from flask import current_app

from models import DbSession, Endorsement
from services import files, signing
from services.errors import Invalid, NotFound

log = logging.getLogger(__name__)

# What new_verify_code makes (11 URL-safe characters), with room to spare; anything else is no letter of ours.
_CODE = re.compile(r"[A-Za-z0-9_-]{6,16}")


@dataclass(frozen=True)
class IssuedLetter:
    """What the public may know of an issued letter. Deliberately nothing about whom it went to."""

    code: str
    file_no: str
    dated: date
    subject: str
    memo_reference: str
    memo_dated: date
    memo_issued_by: str
    issued_at: datetime
    sha256: str
    signed_by: str | None


@dataclass(frozen=True)
class FileCheck:
    """An uploaded file against the letter: `exact` when its SHA-256 is the issued bundle's; what its own
    signature says, if it carries one (`signature_unreadable` if it carries one that cannot be read)."""

    exact: bool
    sha256: str
    signature: signing.SignatureCheck | None
    signature_unreadable: bool = False


def issued_letter(session: DbSession, code: str) -> IssuedLetter:
    """The issued letter printing `code`, or NotFound (drafts have no code)."""
    endorsement = None
    if _CODE.fullmatch(code):
        endorsement = session.scalar(
            sa.select(Endorsement).where(Endorsement.verify_code == code, Endorsement.issued_at.is_not(None))
        )
    if endorsement is None or endorsement.pdf_sha256 is None or endorsement.issued_at is None:
        raise NotFound("No letter has this verification code. Check the address against the one printed on it.")
    circular = endorsement.circular
    return IssuedLetter(
        code=code,
        file_no=endorsement.file_no,
        dated=endorsement.dated,
        subject=circular.subject,
        memo_reference=circular.reference_no,
        memo_dated=circular.dated,
        memo_issued_by=circular.issued_by,
        issued_at=endorsement.issued_at,
        sha256=endorsement.pdf_sha256,
        signed_by=endorsement.signed_by,
    )


def check_file(session: DbSession, code: str, data: bytes) -> FileCheck:
    """Whether `data` is exactly the letter printing `code`; Invalid if it is not a PDF at all."""
    letter = issued_letter(session, code)
    if not data:
        raise Invalid("The file is empty. Choose the letter's PDF file.", "file")
    if data.lstrip()[:5] != b"%PDF-":
        raise Invalid("The file is not a PDF. Choose the letter's PDF file, as received.", "file")
    sha = files.digest(data)
    try:
        signature = signing.verify(data, _trust_roots())
    except Exception:  # a damaged or crafted file: its signature cannot be read, which is itself the answer
        log.info("an uploaded file's signature could not be read", exc_info=True)
        return FileCheck(exact=sha == letter.sha256, sha256=sha, signature=None, signature_unreadable=True)
    return FileCheck(exact=sha == letter.sha256, sha256=sha, signature=signature)


def _trust_roots() -> list[x509.Certificate]:
    try:
        return signing.trust_roots(current_app.config.get("SIGNING_TRUST_ROOTS"))
    except signing.SignerUnavailable as exc:
        # The public page still answers whether a file is the letter; the office must mend its setting.
        log.warning("%s", exc.message)
        return []
