"""Pages for incoming circulars: the register, uploading a memo, and one circular's page."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import clerk_required
from routes.forms import CircularForm, MemoUploadForm
from routes.pages import page_number, pages, pdf_response, show_refusal
from services import intake, letters
from services.errors import ServiceError

bp = Blueprint("circulars", __name__)
PER_PAGE = 50


@bp.route("/")
@login_required
def index() -> Any:
    rows, total = intake.list_circulars(db.session, page_number(), PER_PAGE)
    return render_template("circulars/index.html", circulars=rows, paging=pages(total, PER_PAGE))


@bp.route("/circulars/new", methods=["GET", "POST"])
@clerk_required
def new() -> Any:
    """Step one: upload the PDF; it is checked and read, and the particulars form comes pre-filled."""
    upload = MemoUploadForm()
    if upload.validate_on_submit():
        try:
            memo = intake.read_memo(upload.file.data.read())
        except ServiceError as exc:
            show_refusal(upload, exc)
        else:
            form = CircularForm(
                data={
                    "upload": intake.upload_ticket(memo.sha256),
                    "filename": upload.file.data.filename or "memo.pdf",
                    **memo.guess,
                }
            )
            if memo.guess:
                flash("Particulars read from the PDF; check them before saving.", "info")
            return render_template("circulars/register.html", form=form, memo=memo)
    return render_template("circulars/new.html", form=upload)


@bp.route("/circulars/register", methods=["POST"])
@clerk_required
def register() -> Any:
    """Step two: save the particulars the clerk has checked."""
    form = CircularForm()
    if form.validate_on_submit():
        try:
            digest = intake.uploaded_digest(form.upload.data or "")
            circular = intake.diarise(db.session, digest, form.filename.data or "memo.pdf", form.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash(f"Circular {circular.reference_no} registered as diary {circular.diary_no}.", "success")
            return redirect(url_for("circulars.show", circular_id=circular.id))
    return render_template("circulars/register.html", form=form, memo=None), 422


@bp.route("/circulars/<id:circular_id>")
@login_required
def show(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    return render_template(
        "circulars/show.html", circular=circular, endorsements=letters.endorsements_of(db.session, circular_id)
    )


@bp.route("/circulars/<id:circular_id>/memo.pdf")
@login_required
def memo_pdf(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    return pdf_response(intake.memo_pdf(db.session, circular_id), circular.filename)
