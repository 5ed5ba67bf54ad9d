"""The compliance report: one letter's answers as a PDF a Cell can send up to DoPT — the summary, the chart of
answers over time, and the officers still pending or mismatched."""

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app, render_template

from models import PENDING, DbSession
from services import kinds, letters, tracking
from services.kinds.email_alignment import MISMATCH

# The lists stop here: past it the report says how many more, and the CSV export has them all.
LISTED = 2000


def report_pdf(session: DbSession, endorsement_id: int, today: date) -> bytes:
    """The report for one letter, as of `today` (the office's day)."""
    endorsement = letters.get_endorsement(session, endorsement_id)
    kind = kinds.kind_of(endorsement.ack_kind)
    office = ZoneInfo(current_app.config["TIMEZONE"])
    pending, pending_total = tracking.recipients(session, endorsement_id, PENDING, 1, LISTED)
    mismatched, mismatched_total = (
        tracking.recipients(session, endorsement_id, MISMATCH, 1, LISTED) if kind.state(MISMATCH) else ([], 0)
    )
    html = render_template(
        "reports/compliance.html",
        e=endorsement,
        c=endorsement.circular,
        kind=kind,
        counts=tracking.counts(session, endorsement_id),
        timeline=tracking.answers_by_day(session, endorsement_id, office, today),
        pending=[r for r, _ in pending],
        pending_total=pending_total,
        mismatched=[r for r, _ in mismatched],
        mismatched_total=mismatched_total,
        today=today,
        office=current_app.config,
    )
    return letters.html_to_pdf(html)
