"""JSON API v1 for scripts and integrations: bearer-token auth, thin over the same services."""

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

from models import Circular, Delivery, Endorsement, Officer, Recipient, ReconciledOfficer, Reconciliation, User, db
from models.reconciliation import BY_NAME_BATCH
from routes.endorsements import recipients_download, report_response
from routes.pages import pdf_response
from routes.reconciliations import allow_large_upload, officers_download, uploads
from routes.roster import roster_download, roster_filters
from services import (
    accounts,
    dispatch,
    fields,
    igot_findings,
    intake,
    letters,
    reconciliation,
    register,
    roster,
    roster_file,
    tracking,
)
from services.errors import Invalid, ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PER_PAGE = 100


@bp.before_request
def _authenticate() -> None:
    """Every call needs `Authorization: Bearer <token>`; cookies are never enough (no CSRF here)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = accounts.user_for_api_token(db.session, token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        abort(401, description="Send a valid API token: Authorization: Bearer <token>.")
    db.session.commit()  # last_used_at
    g.api_user = user


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


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _page() -> int:
    page = fields.positive_int(request.args.get("page", "1"))
    if page is None:
        raise Invalid("page must be a whole number from 1 to 999999.", "page")
    return page


def _listing(items: list[dict[str, Any]], total: int, page: int) -> Any:
    return jsonify({"items": items, "total": total, "page": page})


def circular_json(c: Circular) -> dict[str, Any]:
    return {
        "id": c.id,
        "reference_no": c.reference_no,
        "dated": _iso(c.dated),
        "issued_by": c.issued_by,
        "subject": c.subject,
        "diary_no": c.diary_no,
        "received_on": _iso(c.received_on),
        "pdf_sha256": c.pdf_sha256,
        "pages": c.pdf_pages,
        "filename": c.filename,
        "registered_at": _iso(c.registered_at),
        "endorsements": [e.id for e in c.endorsements],
        "confidence": c.confidence,
    }


def officer_json(o: Officer) -> dict[str, Any]:
    return {
        "id": o.id,
        "identity_no": o.identity_no,
        "name": o.name,
        "service": o.service,
        "cadre": o.cadre,
        "batch": o.batch,
        "designation": o.designation,
        "posting": o.posting,
        "sparrow_email": o.sparrow_email,
        "mobile": o.mobile,
        "igot_email": o.igot_email,
        "active": o.active,
        "email_bounced_at": _iso(o.email_bounced_at),
        "email_bounce_reason": o.email_bounce_reason,
    }


def endorsement_json(e: Endorsement) -> dict[str, Any]:
    return {
        "id": e.id,
        "circular_id": e.circular_id,
        "file_no": e.file_no,
        "dated": _iso(e.dated),
        "addressee": e.addressee,
        "body": letters.letter_body(e),
        "signatory": e.signatory_name,
        "signatory_title": e.signatory_title,
        "copy_to": e.copy_to_list,
        "ack_kind": e.ack_kind,
        "deadline": _iso(e.deadline),
        "status": e.status,
        "submitted_at": _iso(e.submitted_at),
        "supersedes": e.supersedes_id,
        "superseded_by": e.superseded_by.id if e.superseded_by else None,
        "revision": e.revision,
        "issued_at": _iso(e.issued_at),
        "pdf_sha256": e.pdf_sha256,
        "signed_by": e.signed_by,
        "verify_url": letters.verify_url(e.verify_code) if e.verify_code else None,
        "counts": tracking.counts(db.session, e.id),
        "sending": e.sending,
        "progress": tracking.sending_progress(db.session, e.id),
        "reminders": {"rounds": e.reminder_rounds, "every_days": e.remind_every_days, "at_most": e.remind_at_most},
    }


def recipient_json(r: Recipient, d: Delivery | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "officer_id": r.officer_id,
        "name": r.officer.name,
        "email": r.email,
        "state": r.state,
        "response": r.response,
        "igot_email": r.details.get("igot_email"),
        "details": r.details,
        "flag": r.flag,
        "by_hand": r.recorded_by_id is not None,
        "resolution": r.resolution,
        "acknowledged_at": _iso(r.acknowledged_at),
        "delivery": None
        if d is None
        else {
            "status": d.status,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "kind": d.kind,
            "round": d.round,
            "is_reminder": d.is_reminder,
            "sent_at": _iso(d.sent_at),
        },
    }


def _upload() -> bytes:
    file = request.files.get("file")
    if file is None:
        raise Invalid("Send the file as multipart form field 'file'.", "file")
    return file.read()


@bp.post("/circulars")
def create_circular() -> Any:
    """Register a memo; particulars not sent are read off the file (OCR for a scan, here and now)."""
    actor = _actor()
    memo = intake.read_memo(db.session, _upload(), ocr_now=True)
    given = intake.filled_in(db.session, memo.reading, request.form.to_dict(), date.today())
    circular = intake.diarise(db.session, memo.sha256, request.files["file"].filename or "memo.pdf", given, actor.id)
    db.session.commit()
    return jsonify(circular_json(circular)), 201


@bp.post("/extract")
def extract() -> Any:
    """The particulars read off a memo, each `{value, confidence}`, saving nothing."""
    _actor()
    found, suggested = intake.extract(_upload())
    return jsonify(
        {
            "pages": found.count,
            "ocr_pages": [i + 1 for i in found.ocr_pages],
            "ocr_seconds": round(found.ocr_seconds, 2),
            "suggestions": {
                name: {"value": _iso(s.value) if isinstance(s.value, date) else s.value, "confidence": s.confidence}
                for name, s in suggested.items()
            },
        }
    )


@bp.get("/circulars")
def list_circulars() -> Any:
    """The register: `?q=` words, `year=`, `office=`, `endorsed=yes|no`."""
    _actor(work=False)
    page = _page()
    endorsed = request.args.get("endorsed", "")
    if endorsed not in ("", "yes", "no"):
        raise Invalid("endorsed must be yes or no.", "endorsed")
    filters = register.Filters(
        words=request.args.get("q", "")[:200],
        year=fields.positive_int(request.args.get("year", "")),
        issued_by=request.args.get("office", "")[:200],
        endorsed={"yes": True, "no": False}.get(endorsed),
    )
    rows, total = register.list_circulars(db.session, filters, page, PER_PAGE)
    return _listing([circular_json(c) for c in rows], total, page)


@bp.get("/circulars/<id:circular_id>")
def get_circular(circular_id: int) -> Any:
    _actor(work=False)
    return jsonify(circular_json(intake.get_circular(db.session, circular_id)))


@bp.post("/officers/import")
def import_officers() -> Any:
    """Import a roster (CSV or XLSX); with ?dry_run=1, only say what importing it would do."""
    actor = _actor()
    plan = roster.plan_import(db.session, roster_file.read_sheet(_upload()))
    if request.args.get("dry_run") not in ("1", "true"):
        roster.apply_import(db.session, plan, actor.id)
        db.session.commit()
    return jsonify(plan.as_json())


@bp.get("/officers")
def list_officers() -> Any:
    """The roster, filtered as the officers page filters it (q, service, cadre, batch, active, bounced, sort);
    ?format=csv or xlsx for the whole of it as a file."""
    _actor(work=False)
    if request.args.get("format"):
        return roster_download(request.args["format"])
    page = _page()
    rows, total = roster.list_officers(db.session, roster_filters(), page, PER_PAGE)
    return _listing([officer_json(o) for o in rows], total, page)


@bp.post("/officers")
def create_officer() -> Any:
    actor = _actor()
    officer = roster.save_officer(db.session, None, _json_object("officer"), actor.id)
    db.session.commit()
    return jsonify(officer_json(officer)), 201


@bp.get("/officers/<id:officer_id>")
def get_officer(officer_id: int) -> Any:
    _actor(work=False)
    officer = roster.get_officer(db.session, officer_id)
    return jsonify(officer_json(officer) | {"earlier_emails": [e.email for e in officer.earlier_emails]})


@bp.patch("/officers/<id:officer_id>")
def update_officer(officer_id: int) -> Any:
    """Change the fields sent; "active" deactivates or reactivates."""
    actor = _actor()
    given = _json_object("officer")
    if "active" in given:
        if not isinstance(given["active"], bool):
            raise Invalid("active must be true or false.", "active")
        roster.set_active(db.session, officer_id, given.pop("active"), actor.id)
    officer = roster.save_officer(db.session, officer_id, given, actor.id)
    db.session.commit()
    return jsonify(officer_json(officer))


def _with_signatory(given: dict[str, Any]) -> dict[str, Any]:
    """The API calls the signatory's name "signatory", as its JSON shows it."""
    if "signatory" in given and "signatory_name" not in given:
        given["signatory_name"] = given["signatory"]
    return given


def _json_object(what: str) -> dict[str, Any]:
    given = request.get_json(silent=True)
    if not isinstance(given, dict):
        raise Invalid(f"Send the {what} as a JSON object.")
    return given


@bp.post("/circulars/<id:circular_id>/endorsements")
def create_endorsement(circular_id: int) -> Any:
    actor = _actor()
    given = _with_signatory(_json_object("endorsement"))
    endorsement = letters.prepare_endorsement(db.session, circular_id, given, actor.id)
    db.session.commit()
    return jsonify(endorsement_json(endorsement)), 201


@bp.get("/endorsements/<id:endorsement_id>")
def get_endorsement(endorsement_id: int) -> Any:
    _actor(work=False)
    return jsonify(endorsement_json(letters.get_endorsement(db.session, endorsement_id)))


@bp.patch("/endorsements/<id:endorsement_id>")
def update_endorsement(endorsement_id: int) -> Any:
    """Change the fields sent of a draft (409 once issued, nothing changed); it goes back from the approver."""
    actor = _actor()
    given = _with_signatory(_json_object("endorsement"))
    endorsement = letters.revise_draft(db.session, endorsement_id, given, actor.id)
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


def _seen_revision() -> int | None:
    given = request.get_json(silent=True)
    revision = given.get("revision") if isinstance(given, dict) else None
    if revision is not None and (isinstance(revision, bool) or not isinstance(revision, int)):
        raise Invalid("revision must be the whole number shown in the draft.", "revision")
    return revision


@bp.post("/endorsements/<id:endorsement_id>/submit")
def submit(endorsement_id: int) -> Any:
    """Send the draft for approval (optional JSON `revision`: the draft read)."""
    actor = _actor()
    endorsement = letters.submit_for_approval(db.session, endorsement_id, actor.id, _seen_revision())
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/approve")
@bp.post("/endorsements/<id:endorsement_id>/issue")
def approve(endorsement_id: int) -> Any:
    """Approve the draft, which issues it: approvers and admins only, never the one who prepared it."""
    actor = _actor()
    if not actor.can_approve():
        abort(403, "Only an approver or an admin can approve (issue) a letter; submit it for approval instead.")
    endorsement = letters.approve(db.session, endorsement_id, actor.id, _seen_revision())
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/supersede")
def supersede(endorsement_id: int) -> Any:
    """A correction of an issued letter: a new draft with the fields sent changed (the JSON may be empty)."""
    actor = _actor()
    given = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(given, dict):
        raise Invalid("Send the fields to change as a JSON object (it may be empty).")
    correction = letters.supersede(db.session, endorsement_id, _with_signatory(given), actor.id)
    db.session.commit()
    return jsonify(endorsement_json(correction)), 201


@bp.get("/endorsements/<id:endorsement_id>/pdf")
def pdf(endorsement_id: int) -> Any:
    _actor(work=False)
    return pdf_response(
        letters.issued_pdf(db.session, endorsement_id), f"endorsement-{endorsement_id}.pdf", inline=False
    )


@bp.post("/endorsements/<id:endorsement_id>/distribute")
def distribute(endorsement_id: int) -> Any:
    actor = _actor()
    count = dispatch.distribute(db.session, endorsement_id, actor.id)
    db.session.commit()
    return jsonify({"recipients": count}), 202


@bp.post("/endorsements/<id:endorsement_id>/reminders")
def reminders(endorsement_id: int) -> Any:
    """Remind every pending officer, or those of `{"recipient_ids": [...]}` still pending."""
    actor = _actor()
    given = request.get_json(silent=True) or {}
    chosen = given.get("recipient_ids") if isinstance(given, dict) else None
    if chosen is not None and (
        not isinstance(chosen, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in chosen)
    ):
        raise Invalid("recipient_ids must be a list of recipient ids.", "recipient_ids")
    count = dispatch.send_reminders(db.session, endorsement_id, actor.id, chosen)
    db.session.commit()
    return jsonify({"recipients": count}), 202


@bp.post("/endorsements/<id:endorsement_id>/<any(pause, resume, cancel):action>")
def set_sending(endorsement_id: int, action: str) -> Any:
    actor = _actor()
    endorsement = dispatch.set_sending(db.session, endorsement_id, dispatch.SENDING_ACTIONS[action], actor.id)
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/reminder-schedule")
def reminder_schedule(endorsement_id: int) -> Any:
    """`{"every_days": N, "at_most": K}`: remind pending officers every N days until the deadline,
    at most K rounds; nulls turn the schedule off."""
    actor = _actor()
    given = _json_object("schedule")
    values = [given.get("every_days"), given.get("at_most")]
    if any(v is not None and (isinstance(v, bool) or not isinstance(v, int)) for v in values):
        raise Invalid("every_days and at_most must be whole numbers (or null).")
    endorsement = dispatch.schedule_reminders(db.session, endorsement_id, values[0], values[1], actor.id)
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@bp.post("/endorsements/<id:endorsement_id>/retry")
def retry(endorsement_id: int) -> Any:
    actor = _actor()
    count = dispatch.retry_failed(db.session, endorsement_id, actor.id)
    db.session.commit()
    return jsonify({"deliveries": count}), 202


@bp.get("/endorsements/<id:endorsement_id>/report")
def report(endorsement_id: int) -> Any:
    """The compliance report PDF."""
    _actor(work=False)
    return report_response(endorsement_id)


@bp.get("/endorsements/<id:endorsement_id>/recipients")
def recipients(endorsement_id: int) -> Any:
    """One page of a letter's recipients as JSON; ?format=csv or xlsx for all of them as a file."""
    _actor(work=False)
    letters.get_endorsement(db.session, endorsement_id)
    if request.args.get("format"):
        return recipients_download(endorsement_id, request.args["format"])
    page = _page()
    state, search = request.args.get("state") or None, request.args.get("q") or ""
    rows, total = tracking.recipients(db.session, endorsement_id, state, page, PER_PAGE, search)
    return _listing([recipient_json(r, d) for r, d in rows], total, page)


def reconciliation_json(r: Reconciliation) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "reason": r.reason,
        "filename": r.filename,
        "report_generated_at": _iso(r.report_generated_at),
        "counts": r.counts,
        "prescribed": r.prescribed,
        "prescribed_by": r.prescribed_by or None,
        "previous_id": r.previous_id,
        "created_by": r.created_by_id,
        "created_at": _iso(r.created_at),
        "finished_at": _iso(r.finished_at),
    }


def reconciled_officer_json(o: ReconciledOfficer) -> dict[str, Any]:
    return {
        "officer_id": o.officer_id,
        "name": o.name,
        "result": o.result,
        "matched_by": o.matched_by,
        "to_confirm": o.matched_by == BY_NAME_BATCH,
        "sparrow_email": o.sparrow_email,
        "igot_email": o.igot_email,
        "igot_name": o.igot_name,
        "candidates": o.candidates,
        "courses": {
            "completed": o.courses_completed,
            "in_progress": o.courses_in_progress,
            "not_started": o.courses_not_started,
            "all_done": o.all_courses_done,
        },
        "assessment_done": o.assessment_done,
        "was": o.was,
    }


@bp.post("/reconciliations")
def create_reconciliation() -> Any:
    """Read iGOT's All Reports export (multipart `file`, the ZIP or its CSVs; `password` for the ZIP) against the
    roster: 201 with the finished reconciliation, or 202 with its id and status when it is read in the background."""
    actor = _actor()
    allow_large_upload()
    found = reconciliation.start(db.session, uploads(), request.form.get("password") or None, actor.id)
    db.session.commit()
    return jsonify(reconciliation_json(found)), 201 if found.is_done else 202


@bp.get("/reconciliations")
def list_reconciliations() -> Any:
    _actor(work=False)
    page = _page()
    rows, total = igot_findings.listing(db.session, page, PER_PAGE)
    return _listing([reconciliation_json(r) for r in rows], total, page)


@bp.get("/reconciliations/<id:reconciliation_id>")
def get_reconciliation(reconciliation_id: int) -> Any:
    _actor(work=False)
    return jsonify(reconciliation_json(igot_findings.get(db.session, reconciliation_id)))


@bp.get("/reconciliations/<id:reconciliation_id>/officers")
def reconciled_officers(reconciliation_id: int) -> Any:
    """What iGOT says of each officer: ?result= one of the results (or `changed`); ?format=csv or xlsx for all of
    them as a file."""
    _actor(work=False)
    if request.args.get("format"):
        igot_findings.get(db.session, reconciliation_id)
        return officers_download(reconciliation_id, request.args["format"])
    page = _page()
    result = request.args.get("result") or None
    rows, total = igot_findings.officers(db.session, reconciliation_id, result, page, PER_PAGE)
    return _listing([reconciled_officer_json(row) for row in rows], total, page)
