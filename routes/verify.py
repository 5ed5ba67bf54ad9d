"""The public page a letter prints: anyone can see what was issued under its code and check a PDF against it."""

from functools import partial
from typing import Any

from flask import Blueprint, abort, render_template, request

from models import db
from routes.forms import LetterCheckForm
from routes.officer_web import limiter, per_minute, unlimited
from services import office, verification
from services.errors import Invalid, NotFound

bp = Blueprint("verify", __name__, url_prefix="/v")


@bp.route("/<code>", methods=["GET", "HEAD", "POST"])
@limiter.limit(
    partial(per_minute, "VERIFY_RATE_PER_ADDRESS"),
    methods=["POST"],
    exempt_when=partial(unlimited, "VERIFY_RATE_PER_ADDRESS"),
)
def page(code: str) -> Any:
    """The letter's facts; a POST compares the uploaded file with the issued bundle (no login, CSRF checked)."""
    try:
        letter = verification.issued_letter(db.session, code)
    except NotFound:
        abort(404)
    form = LetterCheckForm()
    check, status = None, 200
    if form.validate_on_submit():
        try:
            check = verification.check_file(db.session, code, form.file.data.read())
        except Invalid as exc:
            form.file.errors = [exc.message]
            status = 422
    elif request.method == "POST":
        status = 422  # no file chosen: the form says so beside the field
    office_now = office.particulars(db.session)
    return render_template("verify/page.html", letter=letter, form=form, check=check, office=office_now), status
