"""The officer's page, reached from the link in their email: see the letter, give an answer."""

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from models import Recipient, db
from routes.forms import AcknowledgeForm, SelectChoice
from routes.pages import pdf_response
from services import acknowledgements
from services.errors import NotFound, ServiceError

bp = Blueprint("acknowledge", __name__, url_prefix="/a")


def _recipient(token: str) -> Recipient:
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
    if request.method == "GET" and recipient.response:
        form.response.data = recipient.response
        form.igot_email.data = recipient.igot_email
    if request.method != "POST":
        return render_template("acknowledge/page.html", r=recipient, e=endorsement, form=form, token=token)
    if form.validate_on_submit():
        try:
            acknowledgements.acknowledge(db.session, token, form.data, request.remote_addr, request.user_agent.string)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "response").errors = [exc.message]
        else:
            # Post/redirect/get: reloading the thank-you page does not answer again.
            return redirect(url_for("acknowledge.thanks", token=token), code=303)
    if form.csrf_token.errors:
        form.response.errors = ["This page had been open too long. Please choose your answer again and submit."]
    return render_template("acknowledge/page.html", r=recipient, e=endorsement, form=form, token=token), 422


@bp.route("/<token>/thanks")
def thanks(token: str) -> Any:
    recipient = _recipient(token)
    if not recipient.response:
        return redirect(url_for("acknowledge.page", token=token))
    return render_template("acknowledge/thanks.html", r=recipient, e=recipient.endorsement, token=token)


@bp.route("/<token>/letter.pdf")
def letter(token: str) -> Any:
    return pdf_response(acknowledgements.letter_pdf(_recipient(token)), "letter.pdf")
