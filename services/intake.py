"""Diarising incoming memos: checking the PDF, reading it (OCR for a scan), suggesting its particulars, registering."""

import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pypdf
import sqlalchemy as sa

from models import Circular, DbSession, MemoReading, ReadingStatus, db
from services import audit, days, fields, files, jobs, memo_file, particulars, reading, register
from services.errors import Conflict, Invalid, NotFound
from services.particulars import Suggestion

MAX_PAGES = 200
PARTICULARS = ("reference_no", "dated", "issued_by", "subject")
# The longest each text particular may be: the one place these limits are written (the API's schema reads them).
LIMITS = {"reference_no": 200, "issued_by": 200, "subject": 500, "diary_no": 100}
# Below this, the page asks the clerk to look twice at a suggested particular.
LOOK_TWICE = 0.8


@dataclass
class Memo:
    """An uploaded memo PDF, checked and stored, and how far its reading has got."""

    sha256: str
    reading: MemoReading


def check_pdf(data: bytes) -> tuple[reading.Reading, list[int]]:
    """Refuse anything but a real, readable, copyable PDF of a sensible length; its text layer, and the
    pages that need OCR. Decided by the bytes, never the file's name."""
    if not data:
        raise Invalid("The file is empty.", "file")
    if data.lstrip()[:5] != b"%PDF-":
        raise Invalid("The file is not a PDF.", "file")
    text, scans = reading.text_layer(data)
    if text.count == 0:
        raise Invalid("The PDF has no pages.", "file")
    if text.count > MAX_PAGES:
        raise Invalid(f"The PDF has {text.count} pages; at most {MAX_PAGES} are accepted.", "file")
    _check_appendable(data)
    return text, scans


def _check_appendable(data: bytes) -> None:
    """The memo's pages must go behind the letter, made inert as `letters` does; a file pypdf reads
    but cannot copy is refused now, not at issue time."""
    try:
        writer = pypdf.PdfWriter()
        writer.append(io.BytesIO(memo_file.inert(data)))
        writer.write(io.BytesIO())
    except Exception as exc:  # as in reading: any failure is the file's
        raise Invalid("The PDF's structure is damaged; save it again as PDF and upload that copy.", "file") from exc


def read_memo(session: DbSession, data: bytes, ocr_now: bool = False) -> Memo:
    """Check and keep an uploaded memo and read it: the text layer at once; the pages of a scan by OCR
    in the background (once this transaction commits), or here and now with `ocr_now` (the API)."""
    text, scans = check_pdf(data)
    sha = files.store(data)
    kept = session.get(MemoReading, sha)
    if kept is not None and kept.status != ReadingStatus.FAILED:
        return Memo(sha, kept)  # the same file again: already read, or being read
    if kept is None:
        kept = MemoReading(sha256=sha, pages=text.count)
        session.add(kept)
    kept.texts, kept.ocr_pages, kept.ocr_done, kept.error = text.pages, scans, 0, None
    kept.status = ReadingStatus.READING.value if scans else ReadingStatus.DONE.value
    session.flush()
    if scans and ocr_now:
        _ocr(session, kept, data)
    elif scans:
        jobs.run_after_commit(session, read_scan, sha)
    return Memo(sha, kept)


def _ocr(session: DbSession, kept: MemoReading, data: bytes, commit_progress: bool = False) -> None:
    """OCR the pages still to read and keep the text; a failure is kept as the reading's reason."""
    found = reading.Reading(count=kept.pages, pages=list(kept.texts))

    def progress(done: int, of: int) -> None:
        kept.ocr_done = done
        if commit_progress:
            session.commit()  # the page showing progress reads it from another request

    try:
        reading.ocr(data, found, list(kept.ocr_pages), progress)
    except reading.OcrUnavailable as exc:
        kept.status, kept.error = ReadingStatus.FAILED.value, str(exc)[:500]
        return
    kept.texts, kept.ocr_seconds, kept.status = found.pages, found.ocr_seconds, ReadingStatus.DONE.value
    # A clerk who registered it while OCR ran gets the full text in the register's search.
    session.execute(sa.update(Circular).where(Circular.pdf_sha256 == kept.sha256).values(text=kept.text))


@jobs.job
def read_scan(sha256: str) -> None:
    """The background job: OCR a stored scan's pages, committing progress after each page."""
    session = db.session
    kept = session.get(MemoReading, sha256)
    if kept is None or kept.status != ReadingStatus.READING:
        return
    _ocr(session, kept, files.load(sha256), commit_progress=True)
    session.commit()


def suggestions(kept: MemoReading) -> dict[str, Suggestion]:
    """The particulars read off a memo, each with how sure the reading is (none until OCR is done)."""
    if kept.status == ReadingStatus.READING:
        return {}
    return particulars.suggest(kept.texts, kept.ocr_pages)


def extract(data: bytes) -> tuple[reading.Reading, dict[str, Suggestion]]:
    """Read a memo and suggest its particulars, saving nothing (OCR runs here, within its limits)."""
    text, scans = check_pdf(data)
    try:
        reading.ocr(data, text, scans)
    except reading.OcrUnavailable as exc:
        raise reading.ocr_failed(exc) from exc
    return text, particulars.suggest(text.pages, text.ocr_pages)


def filled_in(session: DbSession, kept: MemoReading, given: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The particulars given, with those missing taken from the reading (and the diary number and the
    date received from the register and today): the API's registration from a file alone."""
    suggested = {name: s.value for name, s in suggestions(kept).items()}
    defaults = {**suggested, "diary_no": register.next_diary_no(session, today), "received_on": today}
    return {**defaults, **{k: v for k, v in given.items() if v not in (None, "")}}


def get_reading(session: DbSession, sha256: str) -> MemoReading:
    """The reading of an uploaded memo, or Invalid (it was never uploaded here)."""
    kept = session.get(MemoReading, sha256)
    if kept is None:
        raise Invalid("The uploaded PDF was not found; upload it again.", "file")
    return kept


def upload_ticket(sha256: str) -> str:
    """A signed note of an uploaded memo, for the form to carry to the next step."""
    return files.upload_ticket(sha256)


def uploaded_digest(ticket: str) -> str:
    """The digest an upload ticket stands for; Invalid if it was altered or is over a day old."""
    return files.uploaded_digest(ticket, "uploaded PDF")


def reference_key(reference_no: str) -> str:
    """What reference numbers are compared by: a digest of the number without "No.", spaces or case."""
    key = re.sub(r"^\s*no\.?\s*", "", reference_no, flags=re.I)
    return hashlib.sha256(re.sub(r"\s+", "", key).casefold().encode()).hexdigest()


def _particulars(given: Mapping[str, Any]) -> dict[str, Any]:
    """The particulars as typed, checked by the limits of LIMITS."""
    dated = fields.required_date(given, "dated", "Date of the memo")
    received_on = fields.required_date(given, "received_on", "Date received")
    if received_on < dated:
        raise Invalid("The date received cannot be before the memo's date.", "received_on")
    if received_on > days.today() + timedelta(days=1):
        raise Invalid("The date received cannot be in the future.", "received_on")
    return {
        "reference_no": fields.text(given, "reference_no", "Reference number", LIMITS["reference_no"]),
        "dated": dated,
        "issued_by": fields.text(given, "issued_by", "Issuing office", LIMITS["issued_by"]),
        "subject": fields.text(given, "subject", "Subject", LIMITS["subject"], fold=True),
        "diary_no": fields.text(given, "diary_no", "Diary number", LIMITS["diary_no"]),
        "received_on": received_on,
    }


def _kept_as_suggested(values: Mapping[str, Any], suggested: Mapping[str, Suggestion]) -> dict[str, float]:
    """How sure the reading was of each particular the clerk kept as it was suggested."""
    return {
        name: round(suggested[name].confidence, 2)
        for name in PARTICULARS
        if name in suggested and values[name] == suggested[name].value
    }


def _refuse_duplicates(session: DbSession, pdf_sha256: str | None, key: str, circular_id: int | None = None) -> None:
    others = sa.select(Circular).where(Circular.id != (circular_id or 0))
    if pdf_sha256 and (same := session.scalar(others.where(Circular.pdf_sha256 == pdf_sha256))):
        message = f"This PDF is already registered as {same.reference_no} (diary {same.diary_no})."
        raise Conflict(message, "file", circular_id=same.id)
    if same := session.scalar(others.where(Circular.reference_key == key)):
        message = f"Reference number {same.reference_no} is already registered."
        raise Conflict(message, "reference_no", circular_id=same.id)


def diarise(
    session: DbSession, pdf_sha256: str, filename: str, given: Mapping[str, Any], actor_id: int | None
) -> Circular:
    """Register an uploaded memo. The same file or reference number twice is refused."""
    values = _particulars(given)
    kept = get_reading(session, pdf_sha256)
    key = reference_key(values["reference_no"])
    _refuse_duplicates(session, pdf_sha256, key)
    circular = Circular(
        **values,
        reference_key=key,
        pdf_sha256=pdf_sha256,
        pdf_pages=kept.pages,
        text=kept.text,
        confidence=_kept_as_suggested(values, suggestions(kept)),
        filename=_safe_filename(filename),
        registered_by_id=actor_id,
    )
    session.add(circular)
    session.flush()
    audit.record(session, "circular.registered", "circular", circular.id, actor_id, reference_no=values["reference_no"])
    return circular


def revise_circular(session: DbSession, circular_id: int, given: Mapping[str, Any], actor_id: int | None) -> Circular:
    """Correct a circular's particulars; the change is audited with what it was before."""
    circular = get_circular(session, circular_id)
    values = _particulars(given)
    key = reference_key(values["reference_no"])
    _refuse_duplicates(session, None, key, circular.id)
    changed = {
        name: {"from": str(getattr(circular, name)), "to": str(value)}
        for name, value in values.items()
        if getattr(circular, name) != value
    }
    for name, value in values.items():
        setattr(circular, name, value)
    circular.reference_key = key
    # A particular changed by hand is no longer the reading's.
    circular.confidence = {k: v for k, v in circular.confidence.items() if k not in changed}
    audit.record(session, "circular.revised", "circular", circular.id, actor_id, changed=changed)
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
