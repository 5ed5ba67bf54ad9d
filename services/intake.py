"""Diarising incoming memos: checking the PDF, reading its text, and registering the circular."""

import contextlib
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pypdf
import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from models import Circular, DbSession
from services import audit, fields, files, memo_file
from services.errors import Conflict, Invalid, NotFound

MAX_PAGES = 200
GUESS_FROM = 20_000
UPLOAD_TICKET_SECONDS = 24 * 3600
READING = "reading"  # the note kept beside a stored memo: its page count and text


@dataclass
class Memo:
    """An uploaded memo PDF, checked and stored, with what could be read off it."""

    sha256: str
    pages: int
    text: str
    guess: dict[str, Any] = field(default_factory=dict)


def _read(data: bytes) -> tuple[int, str]:
    """The PDF's page count and text layer, read once: kept beside the stored file for `diarise`,
    since reading a page's text is the costly part of an upload."""
    pages, text = memo_file.pages_and_text(data)
    return pages, _clean(text)


def _reading(sha256: str) -> tuple[int, str]:
    """The page count and text `read_memo` kept for a stored file; read again only if none was kept
    (an upload made before readings were kept)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        kept = json.loads(files.load_beside(sha256, READING))
        return int(kept["pages"]), str(kept["text"])
    try:
        data = files.load(sha256)
    except (OSError, ValueError):
        raise Invalid("The uploaded PDF was not found; upload it again.", "file") from None
    pages, text = _read(data)
    _keep_reading(sha256, pages, text)
    return pages, text


def _keep_reading(sha256: str, pages: int, text: str) -> None:
    files.store_beside(sha256, READING, json.dumps({"pages": pages, "text": text}).encode())


def _clean(text: str) -> str:
    """Text fit to store and show: pypdf can yield lone surrogates and control characters."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))


def _check_appendable(data: bytes) -> None:
    """The memo's pages must go behind the letter, made inert as `letters` does; a file pypdf reads
    but cannot copy is refused now, not at issue time."""
    try:
        writer = pypdf.PdfWriter()
        writer.append(io.BytesIO(memo_file.inert(data)))
        writer.write(io.BytesIO())
    except Exception as exc:  # as in reading: any failure is the file's
        raise Invalid("The PDF's structure is damaged; save it again as PDF and upload that copy.", "file") from exc


def read_memo(data: bytes) -> Memo:
    """Check that `data` is a real, readable PDF, keep it, and read its particulars where it can."""
    if not data:
        raise Invalid("The file is empty.", "file")
    if not data.lstrip()[:5] == b"%PDF-":
        raise Invalid("The file is not a PDF.", "file")
    pages, text = _read(data)
    if pages == 0:
        raise Invalid("The PDF has no pages.", "file")
    if pages > MAX_PAGES:
        raise Invalid(f"The PDF has {pages} pages; at most {MAX_PAGES} are accepted.", "file")
    _check_appendable(data)
    sha = files.store(data)
    _keep_reading(sha, pages, text)
    return Memo(sha256=sha, pages=pages, text=text, guess=guess_particulars(text))


# Bounded patterns (no unbounded lazy runs, no \s* across lines), so guessing stays linear.
_REF = re.compile(r"^[ \t]*No\.?[ \t]*[:\-]?[ \t]*(\S[^\n]{0,200}?)[ \t]*$", re.M)
_DATED = re.compile(r"Dated[ \t]*[:\-]?[ \t]*(\d{1,2})[./\-](\d{1,2})[./\-](\d{4})", re.I)
_SUBJECT = re.compile(
    r"Subject[ \t]*[:\-][ \t]*(.{1,600}?)(?:\n[ \t]*\n|\n[ \t]*(?:The|Sir|Madam|I am)\b|\n[ \t]*\d+\.)", re.I | re.S
)
_OFFICE = re.compile(r"^[ \t]*((?:Department|Ministry) of [^\n]{1,200}?)[ \t]*$", re.M)


def upload_ticket(sha256: str) -> str:
    """A signed note of an upload, for the form to carry to the next step (the bare digest could
    name any stored file, issued letters included)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pavati-upload").dumps(sha256)


def uploaded_digest(ticket: str) -> str:
    """The digest an upload ticket stands for; Invalid if it was altered or is over a day old."""
    try:
        value = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pavati-upload").loads(
            ticket, max_age=UPLOAD_TICKET_SECONDS
        )
    except BadData:
        raise Invalid("The uploaded PDF has expired or was not found; upload it again.", "file") from None
    return str(value)


def guess_particulars(text: str) -> dict[str, Any]:
    """Reference number, date, issuing office and subject as a DoPT OM prints them, where found."""
    guess: dict[str, Any] = {}
    text = text[:GUESS_FROM]
    if m := _REF.search(text):
        guess["reference_no"] = m.group(1)[:200]
    if m := _DATED.search(text):
        with contextlib.suppress(ValueError):
            guess["dated"] = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _SUBJECT.search(text):
        guess["subject"] = " ".join(m.group(1).split())[:500]
    offices = _OFFICE.findall(text)
    departments = [o for o in offices if o.lower().startswith("department")]
    if departments or offices:
        guess["issued_by"] = (departments or offices)[0][:200]
    return guess


def reference_key(reference_no: str) -> str:
    """What reference numbers are compared by: a digest of the number without "No.", spaces or case."""
    key = re.sub(r"^\s*no\.?\s*", "", reference_no, flags=re.I)
    return hashlib.sha256(re.sub(r"\s+", "", key).casefold().encode()).hexdigest()


def diarise(
    session: DbSession, pdf_sha256: str, filename: str, particulars: Mapping[str, Any], actor_id: int | None
) -> Circular:
    """Register a memo already read by `read_memo`. The same file or reference number twice is refused."""
    reference_no = fields.text(particulars, "reference_no", "Reference number", 200)
    dated = fields.required_date(particulars, "dated", "Date of the memo")
    received_on = fields.required_date(particulars, "received_on", "Date received")
    if received_on < dated:
        raise Invalid("The date received cannot be before the memo's date.", "received_on")
    if received_on > date.today() + timedelta(days=1):
        raise Invalid("The date received cannot be in the future.", "received_on")
    values = {
        "reference_no": reference_no,
        "dated": dated,
        "issued_by": fields.text(particulars, "issued_by", "Issuing office", 200),
        "subject": fields.text(particulars, "subject", "Subject", 500, fold=True),
        "diary_no": fields.text(particulars, "diary_no", "Diary number", 100),
        "received_on": received_on,
    }
    pages, text = _reading(pdf_sha256)
    key = reference_key(reference_no)
    if same := session.scalar(sa.select(Circular).where(Circular.pdf_sha256 == pdf_sha256)):
        raise Conflict(f"This PDF is already registered as {same.reference_no} (diary {same.diary_no}).", "file")
    if same := session.scalar(sa.select(Circular).where(Circular.reference_key == key)):
        raise Conflict(f"Reference number {same.reference_no} is already registered.", "reference_no")
    circular = Circular(
        **values,
        reference_key=key,
        pdf_sha256=pdf_sha256,
        pdf_pages=pages,
        text=text,
        filename=_safe_filename(filename),
        registered_by_id=actor_id,
    )
    session.add(circular)
    session.flush()
    audit.record(session, "circular.registered", "circular", circular.id, actor_id, reference_no=reference_no)
    return circular


def _safe_filename(name: str) -> str:
    """The upload's own name without folders or odd characters; letters of any script are kept."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "._- " else "_" for c in base).strip(" .")
    return kept[-255:] or "memo.pdf"


def memo_pdf(session: DbSession, circular_id: int) -> bytes:
    """The memo's PDF as received."""
    return files.load(get_circular(session, circular_id).pdf_sha256)


def get_circular(session: DbSession, circular_id: int) -> Circular:
    """The circular, or NotFound."""
    circular = session.get(Circular, circular_id)
    if circular is None:
        raise NotFound("No such circular.")
    return circular


def list_circulars(session: DbSession, page: int = 1, per_page: int = 50) -> tuple[list[Circular], int]:
    """Circulars, newest received first, one page of them, and how many there are in all."""
    total = session.scalar(sa.select(sa.func.count()).select_from(Circular)) or 0
    rows = session.scalars(
        sa.select(Circular)
        .options(selectinload(Circular.endorsements))
        .order_by(Circular.received_on.desc(), Circular.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total
