"""Pages for the roster: the list of officers, importing a CSV, (de)activating an officer."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import clerk_required
from routes.forms import ActionForm, RosterImportForm
from routes.pages import page_number, pages, show_refusal
from services import roster
from services.errors import ServiceError

bp = Blueprint("roster", __name__, url_prefix="/officers")
PER_PAGE = 100


@bp.route("/")
@login_required
def index() -> Any:
    officers, total = roster.list_officers(db.session, page_number(), PER_PAGE)
    return render_template("roster/index.html", officers=officers, paging=pages(total, PER_PAGE), action=ActionForm())


@bp.route("/import", methods=["GET", "POST"])
@clerk_required
def import_csv() -> Any:
    form = RosterImportForm()
    result = None
    if form.validate_on_submit():
        try:
            result = roster.import_roster(db.session, form.file.data.read(), current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash(
                f"Roster imported: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged, {len(result.errors)} rows with errors.",
                "success" if not result.errors else "warning",
            )
    return render_template("roster/import.html", form=form, result=result)


@bp.route("/<id:officer_id>/active", methods=["POST"])
@clerk_required
def set_active(officer_id: int) -> Any:
    choice = request.form.get("active")
    if ActionForm().validate_on_submit() and choice in ("0", "1"):
        active = choice == "1"
        officer = roster.set_active(db.session, officer_id, active, current_user.id)
        db.session.commit()
        flash(f"{officer.name} is now {'active' if active else 'inactive'}.", "success")
    else:
        flash("Nothing was changed: the form was incomplete or had expired.", "error")
    return redirect(url_for("roster.index", page=page_number()))
