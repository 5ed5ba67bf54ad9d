"""JSON API v1 for scripts and integrations: bearer-token auth, thin over the same services."""

from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

from models import Circular, Delivery, Endorsement, Officer, Recipient, ReconciledOfficer, Reconciliation, User, db
from models.reconciliation import BY_NAME_BATCH
from routes import api_schemas as schemas
from routes.api_contract import Answers, answer, contract
from routes.endorsements import recipients_download, report_response
from routes.pages import pdf_response
from routes.reconciliations import allow_large_upload, officers_download, uploads
from routes.roster import roster_download, roster_filters
from services import (
    accounts,
    days,
    dispatch,
    igot_findings,
    intake,
    letters,
    reconciliation,
    register,
    roster,
    roster_file,
    tracking,
)
from services.errors import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PER_PAGE = 100
SPREADSHEETS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.before_request
def _authenticate() -> None:
    """Every call needs `Authorization: Bearer <token>`; cookies are never enough (no CSRF here)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = accounts.user_for_api_token(db.session, token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        abort(401, description="Send a valid API token: Authorization: Bearer <token>.")
    db.session.commit()  # last_used_at
    g.api_user = user
    # A viewer reads: a call that would change something is refused before its input is even checked.
    if request.method not in ("GET", "HEAD", "OPTIONS") and not user.can_work():
        abort(403)


def _actor(work: bool = True) -> User:
    user: User = g.api_user
    if work and not user.can_work():
        abort(403)
    return user


def json_error(exc: HTTPException | ServiceError) -> Any:
    """Errors as `{error: "..."}` with their 4xx status."""
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {"error": exc.message, **exc.details}
        if exc.field:
            body["field"] = exc.field
        return jsonify(body), exc.status
    response = jsonify({"error": exc.description or exc.name})
    if exc.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pavati"'
    return response, exc.code or 500


def circular_json(c: Circular) -> schemas.Circular:
    return schemas.Circular(
        id=c.id,
        reference_no=c.reference_no,
        dated=c.dated,
        issued_by=c.issued_by,
        subject=c.subject,
        diary_no=c.diary_no,
        received_on=c.received_on,
        pdf_sha256=c.pdf_sha256,
        pages=c.pdf_pages,
        filename=c.filename,
        registered_at=c.registered_at,
        endorsements=[e.id for e in c.endorsements],
        confidence=c.confidence,
    )


def officer_json(o: Officer) -> schemas.Officer:
    return schemas.Officer.model_validate(o)


def endorsement_json(e: Endorsement) -> schemas.Endorsement:
    return schemas.Endorsement(
        id=e.id,
        circular_id=e.circular_id,
        file_no=e.file_no,
        dated=e.dated,
        addressee=e.addressee,
        body=letters.letter_body(e),
        signatory=e.signatory_name,
        signatory_title=e.signatory_title,
        copy_to=e.copy_to_list,
        ack_kind=e.ack_kind,
        deadline=e.deadline,
        status=e.status,
        submitted_at=e.submitted_at,
        supersedes=e.supersedes_id,
        superseded_by=e.superseded_by.id if e.superseded_by else None,
        revision=e.revision,
        issued_at=e.issued_at,
        pdf_sha256=e.pdf_sha256,
        signed_by=e.signed_by,
        verify_url=letters.verify_url(e.verify_code) if e.verify_code else None,
        counts=tracking.counts(db.session, e.id),
        sending=e.sending,
        progress=tracking.sending_progress(db.session, e.id),
        reminders=schemas.Reminders(rounds=e.reminder_rounds, every_days=e.remind_every_days, at_most=e.remind_at_most),
    )


def recipient_json(r: Recipient, d: Delivery | None) -> schemas.Recipient:
    return schemas.Recipient(
        id=r.id,
        officer_id=r.officer_id,
        name=r.officer.name,
        email=r.email,
        state=r.state,
        response=r.response,
        igot_email=r.details.get("igot_email"),
        details=r.details,
        flag=r.flag,
        by_hand=r.recorded_by_id is not None,
        reason=r.reason,
        resolution=r.resolution,
        acknowledged_at=r.acknowledged_at,
        delivery=None
        if d is None
        else schemas.Delivery(
            status=d.status,
            attempts=d.attempts,
            last_error=d.last_error,
            kind=d.kind,
            round=d.round,
            is_reminder=d.is_reminder,
            sent_at=d.sent_at,
        ),
    )


@bp.get("/openapi.json")
@contract.validate(resp=Answers(HTTP_200=schemas.Document))
def openapi() -> Any:
    """This document: every call, what it takes and what it answers (OpenAPI 3.1)."""
    _actor(work=False)
    return jsonify(contract.spec)


@bp.post("/circulars")
@contract.validate(resp=Answers(HTTP_201=schemas.Circular))
def create_circular(form: schemas.CircularForm) -> Any:
    """Register a memo; particulars not sent are read off the file (OCR for a scan, here and now)."""
    actor = _actor()
    memo = intake.read_memo(db.session, form.file.read(), ocr_now=True)
    given = intake.filled_in(db.session, memo.reading, form.model_dump(exclude={"file"}), days.today())
    circular = intake.diarise(db.session, memo.sha256, form.file.filename or "memo.pdf", given, actor.id)
    db.session.commit()
    return answer(circular_json(circular), 201)


@bp.post("/extract")
@contract.validate(resp=Answers(HTTP_200=schemas.Extracted))
def extract(form: schemas.FileForm) -> Any:
    """The particulars read off a memo, each `{value, confidence}`, saving nothing."""
    _actor()
    found, suggested = intake.extract(form.file.read())
    return answer(
        schemas.Extracted(
            pages=found.count,
            ocr_pages=[i + 1 for i in found.ocr_pages],
            ocr_seconds=round(found.ocr_seconds, 2),
            suggestions={
                name: schemas.Suggested(value=str(s.value), confidence=s.confidence) for name, s in suggested.items()
            },
        )
    )


@bp.get("/circulars")
@contract.validate(resp=Answers(HTTP_200=schemas.Circulars))
def list_circulars(query: schemas.CircularQuery) -> Any:
    """The register: `?q=` words, `year=`, `office=`, `endorsed=yes|no`."""
    _actor(work=False)
    filters = register.Filters(
        words=query.q,
        year=query.year,
        issued_by=query.office,
        endorsed=None if query.endorsed is None else query.endorsed == "yes",
    )
    rows, total = register.list_circulars(db.session, filters, query.page, PER_PAGE)
    return answer(schemas.Circulars(items=[circular_json(c) for c in rows], total=total, page=query.page))


@bp.get("/circulars/<id:circular_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.Circular))
def get_circular(circular_id: int) -> Any:
    """One circular."""
    _actor(work=False)
    return answer(circular_json(intake.get_circular(db.session, circular_id)))


@bp.post("/officers/import")
@contract.validate(resp=Answers(HTTP_200=schemas.Imported))
def import_officers(query: schemas.ImportQuery, form: schemas.FileForm) -> Any:
    """Import a roster (CSV or XLSX); with ?dry_run=1, only say what importing it would do."""
    actor = _actor()
    plan = roster.plan_import(db.session, roster_file.read_sheet(form.file.read()))
    if not query.dry_run:
        roster.apply_import(db.session, plan, actor.id)
        db.session.commit()
    return answer(schemas.Imported.model_validate(plan.as_json()))


@bp.get("/officers")
@contract.validate(resp=Answers(HTTP_200=schemas.Officers, files=SPREADSHEETS))
def list_officers(query: schemas.OfficerQuery) -> Any:
    """The roster, filtered as the officers page filters it (q, service, cadre, batch, active, bounced, sort);
    ?format=csv or xlsx for the whole of it as a file."""
    actor = _actor(work=False)
    if query.format:
        return roster_download(query.format, actor.id)
    rows, total = roster.list_officers(db.session, roster_filters(), query.page, PER_PAGE)
    return answer(schemas.Officers(items=[officer_json(o) for o in rows], total=total, page=query.page))


@bp.post("/officers")
@contract.validate(resp=Answers(HTTP_201=schemas.Officer))
def create_officer(json: schemas.NewOfficer) -> Any:
    """Add an officer to the roster."""
    actor = _actor()
    officer = roster.save_officer(db.session, None, json.model_dump(exclude_unset=True), actor.id)
    db.session.commit()
    return answer(officer_json(officer), 201)


@bp.get("/officers/<id:officer_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.OfficerWithHistory))
def get_officer(officer_id: int) -> Any:
    """One officer, with the emails they had before."""
    _actor(work=False)
    officer = roster.get_officer(db.session, officer_id)
    earlier = [e.email for e in officer.earlier_emails]
    return answer(schemas.OfficerWithHistory(**officer_json(officer).model_dump(), earlier_emails=earlier))


@bp.patch("/officers/<id:officer_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.Officer))
def update_officer(officer_id: int, json: schemas.OfficerChange) -> Any:
    """Change the fields sent; "active" deactivates or reactivates."""
    actor = _actor()
    given = json.model_dump(exclude_unset=True)
    if given.get("active") is not None:
        roster.set_active(db.session, officer_id, given.pop("active"), actor.id)
    officer = roster.save_officer(db.session, officer_id, given, actor.id)
    db.session.commit()
    return answer(officer_json(officer))


def _letter(sent: schemas.Letter) -> dict[str, Any]:
    """The fields sent, as the services name them (the API calls the signatory's name "signatory")."""
    given = sent.model_dump(exclude_unset=True)
    if "signatory" in given:
        given["signatory_name"] = given.pop("signatory")
    return given


@bp.post("/circulars/<id:circular_id>/endorsements")
@contract.validate(resp=Answers(HTTP_201=schemas.Endorsement))
def create_endorsement(circular_id: int, json: schemas.Letter) -> Any:
    """A draft letter forwarding the circular; what is not sent comes from the office's settings."""
    actor = _actor()
    endorsement = letters.prepare_endorsement(db.session, circular_id, _letter(json), actor.id)
    db.session.commit()
    return answer(endorsement_json(endorsement), 201)


@bp.get("/endorsements/<id:endorsement_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def get_endorsement(endorsement_id: int) -> Any:
    """One letter, with its counts and the progress of its sending."""
    _actor(work=False)
    return answer(endorsement_json(letters.get_endorsement(db.session, endorsement_id)))


@bp.patch("/endorsements/<id:endorsement_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def update_endorsement(endorsement_id: int, json: schemas.Letter) -> Any:
    """Change the fields sent of a draft (409 once issued, nothing changed); it goes back from the approver."""
    actor = _actor()
    endorsement = letters.revise_draft(db.session, endorsement_id, _letter(json), actor.id)
    db.session.commit()
    return answer(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/submit")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def submit(endorsement_id: int, json: schemas.Revision) -> Any:
    """Send the draft for approval (optional JSON `revision`: the draft read)."""
    actor = _actor()
    endorsement = letters.submit_for_approval(db.session, endorsement_id, actor.id, json.revision)
    db.session.commit()
    return answer(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/approve")
@bp.post("/endorsements/<id:endorsement_id>/issue")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def approve(endorsement_id: int, json: schemas.Revision) -> Any:
    """Approve the draft, which issues it: approvers and admins only, never the one who prepared it."""
    actor = _actor()
    if not actor.can_approve():
        abort(403, "Only an approver or an admin can approve (issue) a letter; submit it for approval instead.")
    endorsement = letters.approve(db.session, endorsement_id, actor.id, json.revision)
    db.session.commit()
    return answer(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/supersede")
@contract.validate(resp=Answers(HTTP_201=schemas.Endorsement))
def supersede(endorsement_id: int, json: schemas.Letter) -> Any:
    """A correction of an issued letter: a new draft with the fields sent changed (the JSON may be empty)."""
    actor = _actor()
    correction = letters.supersede(db.session, endorsement_id, _letter(json), actor.id)
    db.session.commit()
    return answer(endorsement_json(correction), 201)


@bp.get("/endorsements/<id:endorsement_id>/pdf")
@contract.validate(resp=Answers(files=("application/pdf",)))
def pdf(endorsement_id: int) -> Any:
    """The issued letter (with the memo) as a PDF."""
    _actor(work=False)
    return pdf_response(
        letters.issued_pdf(db.session, endorsement_id), f"endorsement-{endorsement_id}.pdf", inline=False
    )


@bp.post("/endorsements/<id:endorsement_id>/distribute")
@contract.validate(resp=Answers(HTTP_202=schemas.Queued))
def distribute(endorsement_id: int) -> Any:
    """Email the issued letter to every active officer."""
    actor = _actor()
    count = dispatch.distribute(db.session, endorsement_id, actor.id)
    db.session.commit()
    return answer(schemas.Queued(recipients=count), 202)


@bp.post("/endorsements/<id:endorsement_id>/reminders")
@contract.validate(resp=Answers(HTTP_202=schemas.Queued))
def reminders(endorsement_id: int, json: schemas.ReminderChoice) -> Any:
    """Remind every pending officer, or those of `{"recipient_ids": [...]}` still pending."""
    actor = _actor()
    count = dispatch.send_reminders(db.session, endorsement_id, actor.id, json.recipient_ids)
    db.session.commit()
    return answer(schemas.Queued(recipients=count), 202)


@bp.post("/endorsements/<id:endorsement_id>/<any(pause, resume, cancel):action>")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def set_sending(endorsement_id: int, action: str) -> Any:
    """Pause, resume or cancel the letter's sending."""
    actor = _actor()
    endorsement = dispatch.set_sending(db.session, endorsement_id, dispatch.SENDING_ACTIONS[action], actor.id)
    db.session.commit()
    return answer(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/reminder-schedule")
@contract.validate(resp=Answers(HTTP_200=schemas.Endorsement))
def reminder_schedule(endorsement_id: int, json: schemas.ReminderSchedule) -> Any:
    """`{"every_days": N, "at_most": K}`: remind pending officers every N days until the deadline,
    at most K rounds; nulls turn the schedule off."""
    actor = _actor()
    endorsement = dispatch.schedule_reminders(db.session, endorsement_id, json.every_days, json.at_most, actor.id)
    db.session.commit()
    return answer(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/retry")
@contract.validate(resp=Answers(HTTP_202=schemas.Requeued))
def retry(endorsement_id: int) -> Any:
    """Send again the emails that failed."""
    actor = _actor()
    count = dispatch.retry_failed(db.session, endorsement_id, actor.id)
    db.session.commit()
    return answer(schemas.Requeued(deliveries=count), 202)


@bp.get("/endorsements/<id:endorsement_id>/report")
@contract.validate(resp=Answers(files=("application/pdf",)))
def report(endorsement_id: int) -> Any:
    """The compliance report PDF."""
    _actor(work=False)
    return report_response(endorsement_id)


@bp.get("/endorsements/<id:endorsement_id>/recipients")
@contract.validate(resp=Answers(HTTP_200=schemas.Recipients, files=SPREADSHEETS))
def recipients(endorsement_id: int, query: schemas.RecipientQuery) -> Any:
    """One page of a letter's recipients as JSON; ?format=csv or xlsx for all of them as a file."""
    actor = _actor(work=False)
    letters.get_endorsement(db.session, endorsement_id)
    if query.format:
        return recipients_download(endorsement_id, query.format, actor.id)
    rows, total = tracking.recipients(db.session, endorsement_id, query.state or None, query.page, PER_PAGE, query.q)
    return answer(schemas.Recipients(items=[recipient_json(r, d) for r, d in rows], total=total, page=query.page))


def reconciliation_json(r: Reconciliation) -> schemas.Reconciliation:
    return schemas.Reconciliation(
        id=r.id,
        status=r.status,
        reason=r.reason,
        filename=r.filename,
        report_generated_at=r.report_generated_at,
        counts=r.counts,
        prescribed=r.prescribed,
        prescribed_by=r.prescribed_by or None,
        previous_id=r.previous_id,
        created_by=r.created_by_id,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )


def reconciled_officer_json(o: ReconciledOfficer) -> schemas.ReconciledOfficer:
    return schemas.ReconciledOfficer(
        officer_id=o.officer_id,
        name=o.name,
        result=o.result,
        matched_by=o.matched_by,
        to_confirm=o.matched_by == BY_NAME_BATCH,
        sparrow_email=o.sparrow_email,
        igot_email=o.igot_email,
        igot_name=o.igot_name,
        candidates=o.candidates,
        courses=schemas.Courses(
            completed=o.courses_completed,
            in_progress=o.courses_in_progress,
            not_started=o.courses_not_started,
            all_done=o.all_courses_done,
        ),
        assessment_done=o.assessment_done,
        was=o.was,
    )


@bp.before_request
def _larger_uploads() -> None:
    # Before the contract reads the form: iGOT's export may be larger than other uploads.
    if request.endpoint == "api.create_reconciliation":
        allow_large_upload()


@bp.post("/reconciliations")
@contract.validate(resp=Answers(HTTP_201=schemas.Reconciliation, HTTP_202=schemas.Reconciliation))
def create_reconciliation(form: schemas.ReconciliationForm) -> Any:
    """Read iGOT's All Reports export (multipart `file`, the ZIP or its CSVs, several `file` fields for several CSVs;
    `password` for the ZIP) against the roster: 201 with the finished reconciliation, or 202 with its id and status
    when it is read in the background."""
    actor = _actor()
    found = reconciliation.start(db.session, uploads(), form.password, actor.id)
    db.session.commit()
    return answer(reconciliation_json(found), 201 if found.is_done else 202)


@bp.get("/reconciliations")
@contract.validate(resp=Answers(HTTP_200=schemas.Reconciliations))
def list_reconciliations(query: schemas.Page) -> Any:
    """The reconciliations, newest first."""
    _actor(work=False)
    rows, total = igot_findings.listing(db.session, query.page, PER_PAGE)
    return answer(schemas.Reconciliations(items=[reconciliation_json(r) for r in rows], total=total, page=query.page))


@bp.get("/reconciliations/<id:reconciliation_id>")
@contract.validate(resp=Answers(HTTP_200=schemas.Reconciliation))
def get_reconciliation(reconciliation_id: int) -> Any:
    """One reconciliation, with its counts."""
    _actor(work=False)
    return answer(reconciliation_json(igot_findings.get(db.session, reconciliation_id)))


@bp.get("/reconciliations/<id:reconciliation_id>/officers")
@contract.validate(resp=Answers(HTTP_200=schemas.ReconciledOfficers, files=SPREADSHEETS))
def reconciled_officers(reconciliation_id: int, query: schemas.ReconciledQuery) -> Any:
    """What iGOT says of each officer: ?result= one of the results (or `changed`); ?format=csv or xlsx for all of
    them as a file."""
    _actor(work=False)
    if query.format:
        igot_findings.get(db.session, reconciliation_id)
        return officers_download(reconciliation_id, query.format)
    rows, total = igot_findings.officers(db.session, reconciliation_id, query.result, query.page, PER_PAGE)
    items = [reconciled_officer_json(row) for row in rows]
    return answer(schemas.ReconciledOfficers(items=items, total=total, page=query.page))
