"""The officer's page, reached from the link in their email: see the letter, give an answer."""

from typing import Any

from flask import Blueprint, abort, render_template, request

from models import db
from routes.forms import AcknowledgeForm, SelectChoice
from routes.pages import pdf_response
from services import acknowledgements, files
from services.errors import NotFound, ServiceError

bp = Blueprint("acknowledge", __name__, url_prefix="/a")


def _recipient(token: str) -> Any:
    try:
        return acknowledgements.recipient_for_token(db.session, token)
    except NotFound:
        abort(404)


@bp.route("/<token>", methods=["GET", "POST"])
def page(token: str) -> Any:
    """GET and HEAD only show; POST records the answer (again, if the officer changes it)."""
    recipient = _recipient(token)
    endorsement = recipient.endorsement
    form = AcknowledgeForm()
    form.response.choices = [
        SelectChoice(k, v) for k, v in acknowledgements.responses_for(endorsement.ack_kind).items()
    ]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                acknowledgements.acknowledge(
                    db.session, token, form.data, request.remote_addr, request.headers.get("User-Agent")
                )
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                getattr(form, exc.field or "response").errors = [exc.message]
                status = 422
            else:
                return render_template("acknowledge/thanks.html", r=recipient, e=endorsement, token=token)
        else:
            status = 422
    elif recipient.response:
        form.response.data = recipient.response
        form.igot_email.data = recipient.igot_email
    return render_template("acknowledge/page.html", r=recipient, e=endorsement, form=form, token=token), status


@bp.route("/<token>/letter.pdf")
def letter(token: str) -> Any:
    recipient = _recipient(token)
    sha = recipient.endorsement.pdf_sha256
    if not sha:
        abort(404)
    return pdf_response(files.load(sha), "letter.pdf")
