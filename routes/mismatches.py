"""The mismatch work list: every officer whose iGOT email differs from SPARROW's, and resolving each."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import clerk_required
from routes.forms import ActionForm
from routes.pages import committed, page_number, pages
from services import igot_findings, mismatches

bp = Blueprint("mismatches", __name__, url_prefix="/mismatches")
PER_PAGE = 50


@bp.route("/")
@login_required
def index() -> Any:
    search = (request.args.get("q") or "")[:100]
    found = mismatches.work_list(db.session, page_number(), PER_PAGE, search)
    return render_template(
        "mismatches/index.html",
        found=found,
        search=search,
        paging=pages(found.total, PER_PAGE),
        resolutions=mismatches.RESOLUTIONS,
        igot=igot_findings.disagreements(db.session),
        action=ActionForm(),
    )


@bp.route("/<id:recipient_id>/resolve", methods=["POST"])
@clerk_required
def resolve(recipient_id: int) -> Any:
    if ActionForm().validate_on_submit():
        how = request.form.get("how", "")
        done, recipient = committed(lambda: mismatches.resolve(db.session, recipient_id, how, current_user.id))
        if done and recipient:
            flash(f"{recipient.officer.name}: {mismatches.RESOLUTIONS[how]}.", "success")
    return redirect(url_for("mismatches.index", q=request.args.get("q") or None))
