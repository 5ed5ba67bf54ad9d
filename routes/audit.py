"""The audit log page, for admins: who did what to which record, and when. It only reads: nothing changes the log."""

from typing import Any

from flask import Blueprint, flash, render_template, request

from models import db
from routes.auth import admin_required
from routes.pages import page_number, pages
from services import audit_log, days
from services.errors import Invalid

bp = Blueprint("audit", __name__)
PER_PAGE = 50
FILTERS = ("who", "what", "from", "to")


@bp.get("/audit")
@admin_required
def index() -> Any:
    """The log as the filters in the query string find it, a page at a time; filters that make no sense are
    shown as such (422), never quietly dropped for the whole log."""
    query = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    refused, status = None, 200
    try:
        chosen = audit_log.filters_from(query, page_number(), PER_PAGE)
        events, total = audit_log.events(db.session, chosen, days.zone())
    except Invalid as exc:
        flash(exc.message, "error")
        refused, status, events, total = exc, 422, [], 0
    return render_template(
        "audit/index.html",
        events=events,
        recipients=audit_log.recipients_in(db.session, events),
        paging=pages(total, PER_PAGE),
        query=query,
        refused=refused,
        choices=audit_log.choices(db.session),
        readable=audit_log.readable,
    ), status
