"""Pages for incoming circulars: the register, uploading a memo, and one circular's page."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import ReadingStatus, db
from routes.auth import clerk_required
from routes.forms import CircularEditForm, CircularForm, MemoUploadForm
from routes.pages import page_number, pages, pdf_response, show_refusal
from services import days, fields, intake, letters, register, tracking
from services.errors import ServiceError

bp = Blueprint("circulars", __name__)
PER_PAGE = 50


@bp.route("/")
@login_required
def index() -> Any:
    filters = register.Filters(
        words=request.args.get("q", "")[:200],
        year=fields.positive_int(request.args.get("year", "")),
        issued_by=request.args.get("office", "")[:200],
        endorsed={"yes": True, "no": False}.get(request.args.get("endorsed", "")),
    )
    rows, total = register.list_circulars(db.session, filters, page_number(), PER_PAGE)
    years, offices = register.choices(db.session)
    return render_template(
        "circulars/index.html",
        circulars=rows,
        filters=filters,
        years=years,
        offices=offices,
        paging=pages(total, PER_PAGE),
    )


@bp.route("/circulars/new", methods=["GET", "POST"])
@clerk_required
def new() -> Any:
    """Step one: upload the PDF; it is checked, kept and read (a scan by OCR, in the background)."""
    upload = MemoUploadForm()
    if upload.validate_on_submit():
        try:
            memo = intake.read_memo(db.session, upload.file.data.read())
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(upload, exc)
        else:
            ticket = intake.upload_ticket(memo.sha256)
            return redirect(url_for("circulars.particulars", ticket=ticket, name=upload.file.data.filename or ""))
    return render_template("circulars/new.html", form=upload)


@bp.route("/circulars/new/<ticket>", methods=["GET", "POST"])
@clerk_required
def particulars(ticket: str) -> Any:
    """Step two: while a scan is read, its progress; then the particulars, pre-filled, to check and save."""
    try:
        kept = intake.get_reading(db.session, intake.uploaded_digest(ticket))
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("circulars.new"))
    if kept.status == ReadingStatus.READING:
        return render_template("circulars/reading.html", reading=kept)
    suggested = intake.suggestions(kept)
    form = CircularForm(
        data={
            "upload": ticket,
            "filename": request.args.get("name", "")[:255] or "memo.pdf",
            "diary_no": register.next_diary_no(db.session, days.today()),
            "received_on": days.today(),
            **{name: s.value for name, s in suggested.items()},
        }
    )
    if form.validate_on_submit():
        try:
            name = form.filename.data or "memo.pdf"
            circular = intake.diarise(db.session, kept.sha256, name, form.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash(f"Circular {circular.reference_no} registered as diary {circular.diary_no}.", "success")
            return redirect(url_for("circulars.show", circular_id=circular.id))
    look_twice = [name for name, s in suggested.items() if s.confidence < intake.LOOK_TWICE]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "circulars/register.html", form=form, reading=kept, suggested=suggested, look_twice=look_twice
    ), status


@bp.route("/circulars/<id:circular_id>")
@login_required
def show(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    endorsements = letters.endorsements_of(db.session, circular_id)
    progress = {e.id: tracking.counts(db.session, e.id) for e in endorsements if e.is_issued}
    return render_template(
        "circulars/show.html",
        circular=circular,
        endorsements=endorsements,
        progress=progress,
        look_twice=[name for name, sure in circular.confidence.items() if sure < intake.LOOK_TWICE],
    )


@bp.route("/circulars/<id:circular_id>/edit", methods=["GET", "POST"])
@clerk_required
def edit(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    form = CircularEditForm(obj=circular)
    if form.validate_on_submit():
        try:
            intake.revise_circular(db.session, circular_id, form.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash("Particulars corrected.", "success")
            return redirect(url_for("circulars.show", circular_id=circular_id))
    return render_template("circulars/edit.html", form=form, circular=circular)


@bp.route("/circulars/<id:circular_id>/memo.pdf")
@login_required
def memo_pdf(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    response = pdf_response(intake.memo_pdf(db.session, circular_id), circular.filename)
    # Shown inline on the circular's own page (and nowhere else).
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
