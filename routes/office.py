"""The office's settings page, for admins: the letterhead, signatory, particulars and emblem letters start from."""

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import admin_required
from routes.forms import ActionForm, EmblemForm
from routes.pages import committed
from services import office
from services.errors import ServiceError

bp = Blueprint("office", __name__)


@bp.route("/office", methods=["GET", "POST"])
@admin_required
def edit() -> Any:
    """Change the office's settings: every later letter, email and page uses them."""
    values, error, form = office.particulars(db.session), None, ActionForm()
    if form.validate_on_submit():
        given = {p.name: request.form.get(p.name, "") for p in office.PARTICULARS}
        try:
            office.save(db.session, given, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            error, values = exc, given
        else:
            flash("The office's settings are saved; letters prepared from now on use them.", "success")
            return redirect(url_for("office.edit"))
    elif request.method == "POST":
        flash("Nothing was saved: the form had expired. Try again.", "error")
    has_emblem = office.emblem_sha256(db.session) is not None
    return render_template(
        "office/edit.html",
        particulars=office.PARTICULARS,
        values=values,
        error=error,
        form=form,
        emblem_form=EmblemForm(),
        remove_form=ActionForm(),
        has_emblem=has_emblem,
    ), (422 if error else 200)


@bp.post("/office/emblem")
@admin_required
def emblem_upload() -> Any:
    upload = EmblemForm()
    if upload.validate_on_submit():
        done, _ = committed(lambda: office.set_emblem(db.session, upload.file.data.read(), current_user.id))
        if done:
            flash("The emblem is saved; it heads letters issued from now on.", "success")
    else:
        flash(" ".join(upload.file.errors) or "Nothing was saved: the form had expired. Try again.", "error")
    return redirect(url_for("office.edit"))


@bp.post("/office/emblem/remove")
@admin_required
def emblem_remove() -> Any:
    if ActionForm().validate_on_submit():
        committed(lambda: office.set_emblem(db.session, None, current_user.id))
        flash("The emblem is removed.", "success")
    return redirect(url_for("office.edit"))


@bp.get("/office/emblem")
@login_required
def emblem_image() -> Any:
    """The stored emblem, for staff pages; checked by its bytes when stored, served as what it is."""
    found = office.emblem(db.session)
    if found is None:
        abort(404)
    data, media_type = found
    return Response(data, mimetype=media_type, headers={"X-Content-Type-Options": "nosniff"})
