"""Pages for reconciling iGOT Karmayogi's own reports with the roster: upload, the list, one reconciliation."""

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import Endorsement, db
from models.reconciliation import RESULTS
from routes.auth import clerk_required
from routes.forms import ActionForm, ReconciliationForm
from routes.pages import committed, page_number, pages, show_refusal, spreadsheet_response
from services import fields, igot_findings, reconciliation
from services.errors import ServiceError

bp = Blueprint("reconciliations", __name__, url_prefix="/igot")
PER_PAGE = 100
LIST_PER_PAGE = 25


def allow_large_upload() -> None:
    """iGOT's export is larger than other uploads: this request may carry up to IGOT_MAX_UPLOAD_MB."""
    request.max_content_length = int(current_app.config["IGOT_MAX_UPLOAD_MB"] * 1024 * 1024)


def uploads() -> reconciliation.Uploads:
    """The files sent as `file` (one or more), as (name, stream); the streams are the request's own."""
    return [(f.filename, f.stream) for f in request.files.getlist("file") if f.filename]


@bp.get("/")
@login_required
def index() -> Any:
    """The reconciliations so far, and (for staff who may change things) the form to read a new export."""
    return _index(ReconciliationForm())


@bp.post("/")
@clerk_required
def upload() -> Any:
    """Read an uploaded export against the roster: its page once read (or while read in the background)."""
    allow_large_upload()
    form = ReconciliationForm()
    if form.validate_on_submit():
        try:
            done = reconciliation.start(db.session, uploads(), form.password.data or None, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            if done.is_done:
                flash("The report was read against the roster.", "success")
            return redirect(url_for("reconciliations.show", reconciliation_id=done.id))
    return _index(form)


def _index(form: ReconciliationForm) -> Any:
    rows, total = igot_findings.listing(db.session, page_number(), LIST_PER_PAGE)
    status = 422 if form.errors else 200
    return render_template(
        "reconciliations/index.html", form=form, rows=rows, paging=pages(total, LIST_PER_PAGE)
    ), status


@bp.route("/<id:reconciliation_id>")
@login_required
def show(reconciliation_id: int) -> Any:
    """Counts, the list of one result (or of what changed), and the actions on it."""
    found = igot_findings.get(db.session, reconciliation_id)
    result = request.args.get("result") or None
    if result not in (None, *RESULTS, igot_findings.CHANGED):
        result = None
    rows, total = igot_findings.officers(db.session, reconciliation_id, result, page_number(), PER_PAGE)
    return render_template(
        "reconciliations/show.html",
        r=found,
        rows=rows,
        result=result,
        paging=pages(total, PER_PAGE),
        labels=reconciliation.LABELS,
        matched_by=reconciliation.MATCHED_BY,
        chased=igot_findings.CHASED,
        letters=_issued_letters() if current_user.can_work() else [],
        action=ActionForm(),
    )


def _issued_letters() -> list[Endorsement]:
    """The issued letters staff may chase officers with, newest first."""
    query = sa.select(Endorsement).where(Endorsement.issued_at.is_not(None)).order_by(Endorsement.id.desc())
    return list(db.session.scalars(query.limit(50)))


@bp.get("/<id:reconciliation_id>/officers.<any(csv, xlsx):export>")
@login_required
def download(reconciliation_id: int, export: str) -> Any:
    return officers_download(reconciliation_id, export)


def officers_download(reconciliation_id: int, export: str) -> Response:
    """The officers of the result asked for (?result=), as CSV or XLSX: the page's buttons and the API alike."""
    result = request.args.get("result") or None
    return spreadsheet_response(
        export,
        lambda format: igot_findings.export(db.session, reconciliation_id, result, format),
        f"igot-reconciliation-{reconciliation_id}",
    )


@bp.post("/<id:reconciliation_id>/chase")
@clerk_required
def chase(reconciliation_id: int) -> Any:
    """Remind the officers of one list on a letter sent to them, or send them an issued letter."""
    result = request.form.get("result", "")
    if ActionForm().validate_on_submit():
        endorsement_id = fields.positive_int(request.form.get("endorsement_id")) or 0
        how = request.form.get("how", "")
        done, count = committed(
            lambda: igot_findings.chase(db.session, reconciliation_id, result, endorsement_id, how, current_user.id)
        )
        if done:
            what = "reminded" if how == "remind" else "sent the letter"
            flash(f"{count} officers {what}." if count else "Nobody was left to remind: all have answered.", "success")
    else:
        flash("Nothing was sent: the form had expired. Try again.", "error")
    return redirect(url_for("reconciliations.show", reconciliation_id=reconciliation_id, result=result or None))
