"""Reconciling iGOT Karmayogi's own reports with the roster: per officer, what the portal itself says of them."""

import itertools
import shutil
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from psycopg import sql as psql

from models import DbSession, Officer, db, utcnow
from models.reconciliation import (
    ALIAS,
    ALIGNED,
    AMBIGUOUS,
    BY_EMAIL,
    BY_MOBILE,
    BY_NAME_BATCH,
    DONE,
    FAILED,
    MISMATCH,
    NOT_ON_IGOT,
    ReconciledOfficer,
    Reconciliation,
)
from services import audit, days, files, igot_report, jobs, office
from services.errors import Invalid
from services.igot_report import COMPLETED, IN_PROGRESS, IgotUser, Report, mobile_key, name_key
from services.kinds.email_alignment import alias_of, aliases

LABELS = {
    MISMATCH: "iGOT shows another email",
    ALIAS: "Same name at nic.in / gov.in",
    NOT_ON_IGOT: "Not on iGOT",
    AMBIGUOUS: "Two or more candidates on iGOT",
    ALIGNED: "Aligned",
}
MATCHED_BY = {BY_EMAIL: "email", BY_MOBILE: "mobile number", BY_NAME_BATCH: "name and batch (to confirm)"}
COUNTED = ("officers", *(r for r in (ALIGNED, MISMATCH, ALIAS, NOT_ON_IGOT, AMBIGUOUS)), "courses_completed")
CHUNK = 5000
UPLOADS = "igot-uploads"
# An upload handed to a background job that never took it (the process stopped) is removed after this.
STALE_UPLOAD_SECONDS = 3600


@dataclass(frozen=True)
class Finding:
    """How one officer was found among iGOT's users, and what that says."""

    result: str
    matched_by: str | None = None
    user: IgotUser | None = None
    candidates: int = 0


class _Users:
    """iGOT's users by the keys officers are matched on: email, mobile number, and name with batch."""

    def __init__(self, users: list[IgotUser]) -> None:
        self.by_email: dict[str, IgotUser] = {}
        self.by_mobile: dict[str, list[IgotUser]] = defaultdict(list)
        self.by_name_batch: dict[tuple[str, int], list[IgotUser]] = defaultdict(list)
        for user in users:
            self.by_email.setdefault(user.email, user)
            if user.mobile:
                self.by_mobile[user.mobile].append(user)
            if user.name_key and user.batch:
                self.by_name_batch[(user.name_key, user.batch)].append(user)


def _judged(email: str, user: IgotUser, matched_by: str) -> Finding:
    """An officer found as one iGOT user: aligned if the emails are one, an alias if the same mailbox at
    nic.in / gov.in (the email alignment's own rule), else a mismatch."""
    if user.email == email:
        return Finding(ALIGNED, matched_by, user, 1)
    return Finding(ALIAS if aliases(user.email, email) else MISMATCH, matched_by, user, 1)


def find(officer: Any, users: _Users, claimed: set[str]) -> Finding:
    """Find the officer among iGOT's users: by email (theirs on the roster, the iGOT email they gave, or the same
    mailbox at the other government domain), else by mobile number, else by name and batch; users another
    officer's email already claimed are no candidates."""
    for address in (officer.email_key, officer.igot_email, alias_of(officer.email_key)):
        if address and (user := users.by_email.get(address)):
            return _judged(officer.email_key, user, BY_EMAIL)
    keys = (
        (BY_MOBILE, users.by_mobile.get(mobile_key(officer.mobile or ""), [])),
        (BY_NAME_BATCH, users.by_name_batch.get((name_key(officer.name), officer.batch or 0), [])),
    )
    for matched_by, found in keys:
        candidates = [user for user in found if user.email not in claimed]
        if len(candidates) == 1:
            return _judged(officer.email_key, candidates[0], matched_by)
        if candidates:
            return Finding(AMBIGUOUS, matched_by, candidates[0], len(candidates))
    return Finding(NOT_ON_IGOT)


def limit() -> int:
    """The most an upload may unpack to, in bytes (IGOT_MAX_UNPACKED_MB)."""
    return int(current_app.config["IGOT_MAX_UNPACKED_MB"] * 1024 * 1024)


Uploads = list[tuple[str, IO[bytes]]]


def start(session: DbSession, uploads: Uploads, password: str | None, actor_id: int | None) -> Reconciliation:
    """Reconcile the uploaded export now, or, when it is large and jobs run in this process, in the background
    (the reconciliation is then `running`). The password is used and forgotten; the upload is not kept.

    Invalid, with nothing saved, for a file that cannot be read (read here and now)."""
    if not uploads:
        raise Invalid("Choose the iGOT report ZIP (or its CSV files) to upload.", "file")
    size = sum(_size(upload) for _, upload in uploads)
    if size > current_app.config["IGOT_INLINE_MB"] * 1024 * 1024 and jobs.runs_here():
        igot_report.check_password(uploads, password)
        return _hand_over(session, uploads, password, actor_id)
    report = igot_report.read_export(uploads, password, limit())
    reconciliation = Reconciliation(filename=_names(uploads), created_by_id=actor_id)
    session.add(reconciliation)
    session.flush()
    record(session, reconciliation, report)
    return reconciliation


def _size(upload: IO[bytes]) -> int:
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def _names(uploads: Uploads) -> str:
    return ", ".join(name for name, _ in uploads)[:255]


# Uploads handed to a background job in this process: the files (private, removed once read) and the password,
# which is never written anywhere (a Celery broker would keep it, so jobs.runs_here() is asked first).
_HANDED: dict[int, tuple[list[tuple[str, Path]], str | None]] = {}
_HANDED_LOCK = threading.Lock()


def _hand_over(session: DbSession, uploads: Uploads, password: str | None, actor_id: int | None) -> Reconciliation:
    folder = Path(current_app.config["FILES_DIR"]) / UPLOADS
    files.private_folder(folder)
    _sweep(folder)
    reconciliation = Reconciliation(filename=_names(uploads), created_by_id=actor_id)
    session.add(reconciliation)
    session.flush()
    kept = []
    for name, upload in uploads:
        handle, path = tempfile.mkstemp(dir=folder, suffix=".upload")  # made 600
        with open(handle, "wb") as out:
            shutil.copyfileobj(upload, out)
        kept.append((name, Path(path)))
    with _HANDED_LOCK:
        _HANDED[reconciliation.id] = (kept, password)
    audit.record(session, "reconciliation.started", "reconciliation", reconciliation.id, actor_id)
    jobs.run_after_commit(session, read_in_background, reconciliation.id)
    return reconciliation


def _sweep(folder: Path) -> None:
    """Remove uploads a job never took (the process stopped before it ran)."""
    for path in folder.glob("*.upload"):
        if path.stat().st_mtime < time.time() - STALE_UPLOAD_SECONDS:
            path.unlink(missing_ok=True)


@jobs.job
def read_in_background(reconciliation_id: int) -> None:
    """Read a large upload handed over by start(): done, or failed with the reason shown to staff."""
    session = db.session
    with _HANDED_LOCK:
        kept, password = _HANDED.pop(reconciliation_id, ([], None))
    reconciliation = session.get(Reconciliation, reconciliation_id)
    if reconciliation is None:
        return
    try:
        if not kept:
            raise Invalid("The upload was lost before it could be read (the server restarted); upload it again.")
        handles = [(name, path.open("rb")) for name, path in kept]
        try:
            report = igot_report.read_export(handles, password, limit())
        finally:
            for _, handle in handles:
                handle.close()
        record(session, reconciliation, report)
        session.commit()
    except Invalid as exc:
        session.rollback()
        fail(session, reconciliation_id, exc.message)
    except Exception:
        session.rollback()
        fail(session, reconciliation_id, "The report could not be read because of an error in Pavati; it is logged.")
        raise
    finally:
        for _, path in kept:
            path.unlink(missing_ok=True)


def fail(session: DbSession, reconciliation_id: int, reason: str) -> None:
    """Mark a reconciliation failed with its reason, and nothing it found (committed)."""
    reconciliation = session.get(Reconciliation, reconciliation_id)
    if reconciliation is not None:
        reconciliation.status, reconciliation.reason, reconciliation.finished_at = FAILED, reason[:500], utcnow()
        audit.record(session, "reconciliation.failed", "reconciliation", reconciliation_id, None, reason=reason)
        session.commit()


def record(session: DbSession, reconciliation: Reconciliation, report: Report) -> None:
    """Match every active officer to iGOT's users, keep a row for each with their courses, remember the iGOT
    email of those found by email or mobile, and count; the reconciliation is then done."""
    settings = office.prescribed_courses(session)
    prescribed = settings or sorted(report.mandated)
    wanted = {_course_key(course) for course in prescribed}
    users = _Users(report.users)
    officers = session.execute(
        sa.select(
            Officer.id, Officer.name, Officer.email_key, Officer.sparrow_email, Officer.igot_email, Officer.mobile,
            Officer.batch,
        ).where(Officer.active.is_(True)).order_by(Officer.id)
    ).all()  # fmt: skip
    claimed = {o.email_key for o in officers if o.email_key in users.by_email}
    previous = session.scalar(
        sa.select(Reconciliation.id)
        .where(Reconciliation.status == DONE, Reconciliation.id != reconciliation.id)
        .order_by(Reconciliation.id.desc())
        .limit(1)
    )
    was = dict(
        session.execute(
            sa.select(ReconciledOfficer.officer_id, ReconciledOfficer.result).where(
                ReconciledOfficer.reconciliation_id == previous
            )
        )
        .tuples()
        .all()
    )
    counts: Counter[str] = Counter()
    rows, learnt = [], 0
    # The report's few course names, each judged once: is it one of the prescribed?
    prescribed_names = {name for name in report.course_names if _course_key(name) in wanted}
    for officer in officers:
        finding = find(officer, users, claimed)
        row = _row(reconciliation.id, officer, finding, was.get(officer.id), len(wanted))
        if finding.user is not None and finding.result != AMBIGUOUS:
            theirs = report.courses.get(finding.user.email, {})
            row["courses_completed"] = sum(s == COMPLETED and c in prescribed_names for c, s in theirs.items())
            row["courses_in_progress"] = sum(s == IN_PROGRESS and c in prescribed_names for c, s in theirs.items())
            row["courses_not_started"] = len(wanted) - row["courses_completed"] - row["courses_in_progress"]
            row["all_courses_done"] = bool(wanted) and row["courses_completed"] == len(wanted)
            row["assessment_done"] = finding.user.email in report.assessed
            learnt += _remembered(officer, finding)
        counts[finding.result] += 1
        counts["courses_completed"] += row["all_courses_done"]
        counts["assessment_done"] += row["assessment_done"]
        counts["to_confirm"] += finding.matched_by == BY_NAME_BATCH
        counts["changed"] += previous is not None and was.get(officer.id) != finding.result
        rows.append(row)
    _insert(session, rows)
    if learnt:
        _remember_igot_emails(session, reconciliation.id)
    reconciliation.counts = {
        "officers": len(officers),
        **{name: counts[name] for name in COUNTED[1:]},
        "to_confirm": counts["to_confirm"],
        "assessment_done": counts["assessment_done"],
        "changed": counts["changed"],
        "igot_users": len(report.users),
    }
    reconciliation.prescribed, reconciliation.prescribed_by = prescribed, "office" if settings else "report"
    reconciliation.previous_id, reconciliation.status = previous, DONE
    reconciliation.report_generated_at = _in_office_time(report)
    reconciliation.finished_at = utcnow()
    audit.record(
        session, "reconciliation.done", "reconciliation", reconciliation.id, reconciliation.created_by_id,
        counts=reconciliation.counts, igot_emails_remembered=learnt, reports=report.read,
    )  # fmt: skip


def _remembered(officer: Any, finding: Finding) -> bool:
    """Whether the roster learns the officer's iGOT email from this finding: one that differs from SPARROW's (an
    aligned one teaches nothing), found by email or mobile (a match by name and batch waits for a person), and
    not known already."""
    user = finding.user
    return (
        user is not None
        and finding.result in (MISMATCH, ALIAS)
        and finding.matched_by != BY_NAME_BATCH
        and officer.igot_email != user.email
    )


def _remember_igot_emails(session: DbSession, reconciliation_id: int) -> None:
    """Put the iGOT email on the roster of every officer _remembered() picks, in one statement from the rows
    just written rather than an UPDATE per officer."""
    found = sa.select(sa.func.lower(ReconciledOfficer.igot_email)).where(
        ReconciledOfficer.reconciliation_id == reconciliation_id, ReconciledOfficer.officer_id == Officer.id
    )
    picked = sa.select(ReconciledOfficer.officer_id).where(
        ReconciledOfficer.reconciliation_id == reconciliation_id,
        ReconciledOfficer.result.in_((MISMATCH, ALIAS)),
        ReconciledOfficer.matched_by != BY_NAME_BATCH,
    )
    session.execute(
        sa.update(Officer)
        .where(Officer.id.in_(picked))
        .values(igot_email=found.scalar_subquery(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _row(reconciliation_id: int, officer: Any, finding: Finding, was: str | None, courses: int) -> dict[str, Any]:
    """The officer's row as values for a bulk insert; their courses all not started until iGOT says otherwise."""
    user = finding.user
    return {
        "reconciliation_id": reconciliation_id,
        "officer_id": officer.id,
        "name": officer.name,
        "result": finding.result,
        "matched_by": finding.matched_by,
        "sparrow_email": officer.sparrow_email,
        "igot_email": user.shown[:254] if user else None,
        "igot_name": user.name if user else None,
        "candidates": finding.candidates,
        "courses_completed": 0,
        "courses_in_progress": 0,
        "courses_not_started": courses,
        "all_courses_done": False,
        "assessment_done": False,
        "was": was,
    }


def _insert(session: DbSession, rows: list[dict[str, Any]]) -> None:
    """The officers' rows in bulk: on PostgreSQL by COPY, one stream rather than a statement a row (psycopg's
    executemany sends each); elsewhere in chunks of executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for chunk in _chunks(rows):
            session.execute(sa.insert(ReconciledOfficer), chunk)
        return
    columns = list(rows[0])
    statement = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(ReconciledOfficer.__tablename__), psql.SQL(", ").join(map(psql.Identifier, columns))
    )
    # The session's own connection, so the rows are written in its transaction.
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _course_key(course: str) -> str:
    return " ".join(course.lower().split())


def _chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _in_office_time(report: Report) -> Any:
    moment = report.generated_at()
    if moment is None:
        return None
    return moment.replace(tzinfo=days.zone()) if moment.tzinfo is None else moment
