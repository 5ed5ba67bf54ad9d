"""Pages for endorsement letters: prepare, preview, issue, send, and follow up."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import approver_required, clerk_required
from routes.forms import ActionForm, EndorsementForm
from routes.pages import committed, page_number, pages, pdf_response, show_refusal, spreadsheet_response
from services import (
    acknowledgements,
    compliance_report,
    days,
    dispatch,
    fields,
    igot_findings,
    intake,
    kinds,
    letters,
    overview,
    recipients_export,
    reconciliation,
    tracking,
)
from services.errors import ServiceError

bp = Blueprint("endorsements", __name__)
PER_PAGE = 100
OVERVIEW_PER_PAGE = 25


@bp.route("/circulars/<id:circular_id>/endorsements/new", methods=["GET", "POST"])
@clerk_required
def new(circular_id: int) -> Any:
    circular = intake.get_circular(db.session, circular_id)
    form = EndorsementForm(data=letters.draft_defaults(db.session, circular_id) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            endorsement = letters.prepare_endorsement(db.session, circular_id, form.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash("Draft saved. Preview it, then submit it for approval.", "success")
            return redirect(url_for("endorsements.show", endorsement_id=endorsement.id))
    return render_template("endorsements/form.html", form=form, circular=circular, endorsement=None)


@bp.route("/endorsements/<id:endorsement_id>/edit", methods=["GET", "POST"])
@clerk_required
def edit(endorsement_id: int) -> Any:
    endorsement = letters.get_endorsement(db.session, endorsement_id)
    if endorsement.is_issued:
        flash("This letter has been issued and can no longer be changed.", "error")
        return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    form = EndorsementForm(obj=endorsement)
    if form.validate_on_submit():
        try:
            letters.revise_draft(db.session, endorsement_id, form.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash("Draft saved.", "success")
            return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    return render_template("endorsements/form.html", form=form, circular=endorsement.circular, endorsement=endorsement)


@bp.route("/endorsements/")
@login_required
def index() -> Any:
    """Every issued letter with how far it has got; the overdue ones stand out."""
    today = days.today()
    rows, total = overview.overview(db.session, today, page_number(), OVERVIEW_PER_PAGE)
    return render_template("endorsements/index.html", rows=rows, paging=pages(total, OVERVIEW_PER_PAGE))


@bp.route("/endorsements/<id:endorsement_id>")
@login_required
def show(endorsement_id: int) -> Any:
    endorsement = letters.get_endorsement(db.session, endorsement_id)
    office_tz = days.zone()
    state = request.args.get("state") or None
    search = (request.args.get("q") or "")[:100]
    try:
        rows, total = tracking.recipients(db.session, endorsement_id, state, page_number(), PER_PAGE, search)
    except ServiceError as exc:
        flash(exc.message, "error")
        state, (rows, total) = None, tracking.recipients(db.session, endorsement_id, None, 1, PER_PAGE)
    return render_template(
        "endorsements/show.html",
        e=endorsement,
        counts=tracking.counts(db.session, endorsement_id),
        progress=tracking.sending_progress(db.session, endorsement_id),
        rows=rows,
        state=state,
        search=search,
        timeline=tracking.answers_by_day(db.session, endorsement_id, office_tz, datetime.now(office_tz).date()),
        not_yet_sent=dispatch.count_not_yet_sent(db.session, endorsement_id) if endorsement.is_issued else 0,
        paging=pages(total, PER_PAGE),
        kind=kinds.kind_of(endorsement.ack_kind),
        igot=igot_findings.what_igot_says(db.session, [r.officer_id for r, _ in rows]),
        igot_labels=reconciliation.LABELS,
        disagreement=igot_findings.disagreement,
        action=ActionForm(),
        approval_refused=letters.approval_refused(db.session, endorsement, current_user.id),
    )


@bp.get("/endorsements/<id:endorsement_id>/recipients.<any(csv, xlsx):export>")
@login_required
def download(endorsement_id: int, export: str) -> Any:
    """The letter's recipients (in the state the page shows) as a spreadsheet."""
    return recipients_download(endorsement_id, export, current_user.id)


def recipients_download(endorsement_id: int, export: str, actor_id: int) -> Response:
    """The recipients as a CSV or XLSX file (the page's buttons and the API alike)."""
    state, office_tz = request.args.get("state") or None, days.zone()
    return spreadsheet_response(
        export,
        lambda format: recipients_export.export(db.session, endorsement_id, format, state, office_tz, actor_id),
        f"recipients-{endorsement_id}",
    )


@bp.get("/endorsements/<id:endorsement_id>/report.pdf")
@login_required
def report(endorsement_id: int) -> Any:
    """The compliance report to send up to DoPT, as of the office's today."""
    return report_response(endorsement_id)


def report_response(endorsement_id: int) -> Response:
    """The compliance report PDF (the page's button and the API alike)."""
    today = days.today()
    data = compliance_report.report_pdf(db.session, endorsement_id, today)
    return pdf_response(data, f"compliance-{endorsement_id}-{today.isoformat()}.pdf", inline=False)


@bp.route("/endorsements/<id:endorsement_id>/preview.pdf")
@login_required
def preview(endorsement_id: int) -> Any:
    endorsement = letters.get_endorsement(db.session, endorsement_id)
    return pdf_response(letters.preview_pdf(db.session, endorsement_id), f"endorsement-{endorsement.id}.pdf")


@bp.route("/endorsements/<id:endorsement_id>/submit", methods=["POST"])
@clerk_required
def submit(endorsement_id: int) -> Any:
    """Send the draft on screen to the signatory for approval."""
    return _act(
        endorsement_id,
        lambda: letters.submit_for_approval(db.session, endorsement_id, current_user.id, _seen_revision()),
        lambda _: "Sent for approval. The letter is issued when an approver approves it.",
    )


@bp.route("/endorsements/<id:endorsement_id>/approve", methods=["POST"])
@bp.route("/endorsements/<id:endorsement_id>/issue", methods=["POST"])
@approver_required
def approve(endorsement_id: int) -> Any:
    """Approve the draft on screen, which issues it, if it is still the revision the approver read."""
    return _act(
        endorsement_id,
        lambda: letters.approve(db.session, endorsement_id, current_user.id, _seen_revision()),
        lambda _: "Approved and issued. The letter can no longer be changed.",
    )


def _seen_revision() -> int | None:
    return fields.positive_int(request.form.get("revision"))


@bp.route("/endorsements/<id:endorsement_id>/supersede", methods=["POST"])
@clerk_required
def supersede(endorsement_id: int) -> Any:
    """Start a correction of an issued letter: a new draft, with the old one kept and linked."""
    if not ActionForm().validate_on_submit():
        flash("The form had expired; please try again.", "error")
        return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    done, correction = committed(lambda: letters.supersede(db.session, endorsement_id, {}, current_user.id))
    if not done or correction is None:
        return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    flash("A correction is drafted from the issued letter. Change what was wrong, then submit it.", "success")
    return redirect(url_for("endorsements.edit", endorsement_id=correction.id))


@bp.get("/approvals")
@approver_required
def approvals() -> Any:
    """The approver's queue: drafts sent for approval, oldest first."""
    return render_template("endorsements/approvals.html", waiting=letters.awaiting_approval(db.session))


# The sending buttons on the endorsement page: each one service call, its outcome flashed.
SENDING: dict[str, tuple[Callable[[Any, int, int | None], int], Callable[[int], str]]] = {
    "distribute": (dispatch.distribute, lambda n: f"Sending to {n} officers. Progress is shown below."),
    "reminders": (
        dispatch.send_reminders,
        lambda n: (
            f"Reminder sent to {n} officers who have not answered." if n else "Nobody is pending: no reminder sent."
        ),
    ),
    "retry": (
        dispatch.retry_failed,
        lambda n: f"{n} failed emails queued again." if n else "No failed emails to retry.",
    ),
}


@bp.route("/endorsements/<id:endorsement_id>/<any(distribute, reminders, retry):action>", methods=["POST"])
@clerk_required
def send(endorsement_id: int, action: str) -> Any:
    run, said = SENDING[action]
    return _act(endorsement_id, lambda: run(db.session, endorsement_id, current_user.id), said)


@bp.route("/endorsements/<id:endorsement_id>/remind-chosen", methods=["POST"])
@clerk_required
def remind_chosen(endorsement_id: int) -> Any:
    """Remind the officers ticked in the list (those of them still pending)."""
    chosen = [i for i in (fields.positive_int(v) for v in request.form.getlist("recipient_id")) if i]
    if not chosen:
        flash("Tick the officers to remind first.", "error")
        return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    return _act(
        endorsement_id,
        lambda: dispatch.send_reminders(db.session, endorsement_id, current_user.id, chosen),
        lambda n: f"Reminder sent to {n} of the officers ticked." if n else "None of them is pending: none sent.",
    )


@bp.route("/endorsements/<id:endorsement_id>/recipients/<id:recipient_id>/resend", methods=["POST"])
@clerk_required
def resend(endorsement_id: int, recipient_id: int) -> Any:
    """Send one officer's failed email again."""
    return _act(
        endorsement_id,
        lambda: dispatch.retry_failed(db.session, endorsement_id, current_user.id, [recipient_id]),
        lambda n: "Queued again." if n else "That officer's latest email has not failed: nothing to send again.",
    )


@bp.route("/endorsements/<id:endorsement_id>/recipients/<id:recipient_id>/by-hand", methods=["GET", "POST"])
@clerk_required
def by_hand(endorsement_id: int, recipient_id: int) -> Any:
    """Record an officer's answer given by phone or letter, with the reason."""
    recipient = acknowledgements.recipient_of(db.session, endorsement_id, recipient_id)
    kind = kinds.kind_of(recipient.endorsement.ack_kind)
    form, given = ActionForm(), dict(request.form) if request.method == "POST" else {}
    if form.validate_on_submit():
        done, _ = committed(
            lambda: acknowledgements.acknowledge_by_hand(
                db.session, endorsement_id, recipient_id, given, current_user.id
            )
        )
        if done:
            flash(f"Recorded {recipient.officer.name}'s answer by hand.", "success")
            return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
    return render_template(
        "endorsements/by_hand.html", r=recipient, e=recipient.endorsement, kind=kind, form=form, given=given
    )


@bp.route("/endorsements/<id:endorsement_id>/<any(pause, resume, cancel):action>", methods=["POST"])
@clerk_required
def set_sending(endorsement_id: int, action: str) -> Any:
    state = dispatch.SENDING_ACTIONS[action]
    return _act(
        endorsement_id,
        lambda: dispatch.set_sending(db.session, endorsement_id, state, current_user.id),
        lambda _: SENDING_SAID[action],
    )


SENDING_SAID = {
    "pause": "Sending paused: nothing more goes until you resume.",
    "resume": "Sending resumed.",
    "cancel": "Distribution cancelled: the emails not yet sent will not be sent.",
}


@bp.route("/endorsements/<id:endorsement_id>/reminder-schedule", methods=["POST"])
@clerk_required
def reminder_schedule(endorsement_id: int) -> Any:
    every = fields.positive_int(request.form.get("every_days") or "")
    at_most = fields.positive_int(request.form.get("at_most") or "")
    return _act(
        endorsement_id,
        lambda: dispatch.schedule_reminders(db.session, endorsement_id, every, at_most, current_user.id),
        lambda e: (
            f"Reminders scheduled every {e.remind_every_days} days"
            + (f", at most {e.remind_at_most} times." if e.remind_at_most else ".")
            if e.remind_every_days
            else "Scheduled reminders turned off."
        ),
    )


def _act(endorsement_id: int, run: Callable[[], Any], said: Callable[[Any], str]) -> Any:
    """Run a button's service call in its own unit of work; flash what happened, back to the page."""
    if not ActionForm().validate_on_submit():
        flash("The form had expired; please try again.", "error")
    else:
        done, outcome = committed(run)
        if done:
            flash(said(outcome), "success")
    return redirect(url_for("endorsements.show", endorsement_id=endorsement_id))
