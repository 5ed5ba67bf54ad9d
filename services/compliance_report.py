"""The compliance report: one letter's answers as a PDF a Cell can send up to DoPT — the summary, the chart of
answers over time, and the officers still pending or mismatched."""

from datetime import date

from flask import render_template

from models import PENDING, DbSession
from services import days, kinds, letters, office, printing, tracking
from services.errors import Conflict

# The lists stop here: past it the report says how many more, and the CSV export has them all.
LISTED = 2000


def report_pdf(session: DbSession, endorsement_id: int, today: date) -> bytes:
    """The report for one letter, as of `today` (the office's day)."""
    endorsement = letters.get_endorsement(session, endorsement_id)
    if not endorsement.is_issued:
        raise Conflict("A compliance report is made of an issued letter; this one is still a draft.")
    kind = kinds.kind_of(endorsement.ack_kind)
    office_tz = days.zone()
    # The officers to chase: those answered but not yet compliant, by the kind's states, then those silent.
    to_chase = [(s.still, s.name) for s in kind.not_compliant] + [("Officers who have not answered", PENDING)]
    lists = []
    for heading, state in to_chase:
        rows, total = tracking.recipients(session, endorsement_id, state, 1, LISTED)
        lists.append((heading, [r for r, _ in rows], total))
    html = render_template(
        "reports/compliance.html",
        e=endorsement,
        c=endorsement.circular,
        kind=kind,
        counts=tracking.counts(session, endorsement_id),
        timeline=tracking.answers_by_day(session, endorsement_id, office_tz, today),
        lists=lists,
        today=today,
        office=office.particulars(session),
    )
    return printing.html_to_pdf(html)
