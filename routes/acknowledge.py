"""The officer's page, reached from the link in their email: see the letter, give an answer, in English or Hindi."""

from functools import partial
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from models import Recipient, db
from routes.officer_web import PREFIX, chosen_language, limiter, per_minute, remember_language, unlimited
from routes.pages import pdf_response
from services import acknowledgements, days, kinds, office
from services.errors import NotFound, ServiceError

bp = Blueprint("acknowledge", __name__, url_prefix=PREFIX)
bp.after_request(remember_language)


@bp.context_processor
def _office() -> dict[str, Any]:
    """The office's name on the officer's pages, as its settings are now."""
    return {"office": office.particulars(db.session)}


def _recipient(token: str) -> Recipient:
    try:
        return acknowledgements.recipient_for_token(db.session, token)
    except NotFound:
        abort(404)


def _token() -> str:
    return str((request.view_args or {}).get("token", ""))


def _form() -> FlaskForm:
    """The page's form (its CSRF token), read from the posted form alone: Flask-WTF would read a JSON body instead,
    and one that is not an object of strings (a list, a number) would break it. An answer comes as a form."""
    return FlaskForm(formdata=request.form)


def _show(recipient: Recipient, token: str, given: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    endorsement = recipient.endorsement
    return (
        render_template(
            "acknowledge/page.html",
            r=recipient,
            e=endorsement,
            kind=kinds.kind_of(endorsement.ack_kind),
            corrected=acknowledgements.current_letter(endorsement),
            form=_form(),
            given=given,
            errors=errors,
            token=token,
            lang=chosen_language(),
        ),
        status,
    )


def _expired(recipient: Recipient) -> Any:
    return render_template("acknowledge/expired.html", e=recipient.endorsement, lang=chosen_language()), 410


@bp.route("/<token>", methods=["GET", "HEAD", "POST"])
@limiter.limit(
    partial(per_minute, "ACK_RATE_PER_TOKEN"),
    key_func=_token,
    methods=["POST"],
    exempt_when=partial(unlimited, "ACK_RATE_PER_TOKEN"),
)
@limiter.limit(
    partial(per_minute, "ACK_RATE_PER_ADDRESS"),
    methods=["POST"],
    exempt_when=partial(unlimited, "ACK_RATE_PER_ADDRESS"),
)
def page(token: str) -> Any:
    """GET and HEAD only show (mail scanners open links first); POST records the answer, again if it changes.

    A POST that records goes straight to the service, which finds the link and refuses an expired one itself:
    the recipient is looked up once on the way that every answer takes, and again only to show a refusal."""
    if request.method != "POST":
        recipient = _recipient(token)
        if acknowledgements.expired(recipient, days.today()):
            return _expired(recipient)
        return _show(recipient, token, {"response": recipient.response or "", **recipient.details}, {})
    given = {key: value for key, value in request.form.items() if key != "csrf_token"}
    if not _form().validate_on_submit():
        message = _("This page had been open too long. Please choose your answer again and submit.")
        return _refused(token, given, {"response": message})
    try:
        acknowledgements.acknowledge(db.session, token, given, request.remote_addr, request.user_agent.string)
        db.session.commit()
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return _refused(token, given, {exc.field or "response": _(exc.message)})
    # Post/redirect/get: reloading the thank-you page does not answer again.
    return redirect(url_for("acknowledge.thanks", token=token), code=303)


def _refused(token: str, given: dict[str, Any], errors: dict[str, str]) -> Any:
    """The page again with what was wrong (a bad link is a 404 first, an expired one says so)."""
    recipient = _recipient(token)
    if acknowledgements.expired(recipient, days.today()):
        return _expired(recipient)
    return _show(recipient, token, given, errors, 422)


@bp.route("/<token>/thanks")
def thanks(token: str) -> Any:
    recipient = _recipient(token)
    if not recipient.response:
        return redirect(url_for("acknowledge.page", token=token))
    kind = kinds.kind_of(recipient.endorsement.ack_kind)
    return render_template(
        "acknowledge/thanks.html", r=recipient, e=recipient.endorsement, kind=kind, token=token, lang=chosen_language()
    )


@bp.route("/<token>/letter.pdf")
def letter(token: str) -> Any:
    return pdf_response(acknowledgements.letter_pdf(_recipient(token)), "letter.pdf")
