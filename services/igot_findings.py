"""What reconciliations found: their lists by result, what changed, exports, chasing the officers iGOT shows
astray, and what iGOT says beside what officers answered."""

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import DbSession, Endorsement, Recipient
from models.reconciliation import ALIAS, ALIGNED, DONE, MISMATCH, RESULTS, ReconciledOfficer, Reconciliation
from services import dispatch, roster_export
from services.errors import Invalid, NotFound
from services.kinds import email_alignment
from services.reconciliation import LABELS, MATCHED_BY

CHANGED = "changed"
# Those a reminder or a letter may chase: whose iGOT email is not the SPARROW one, or who are not on iGOT.
CHASED = (MISMATCH, ALIAS, "not_on_igot")
HOW = ("remind", "send")
# An officer's answer and iGOT's word that cannot both be true, as the endorsement's page flags them.
ANSWERED_ALIGNED = "Answered aligned; iGOT shows another email"
ANSWERED_DIFFERENT = "Answered that their iGOT email differs; iGOT shows the SPARROW email"
EVERYONE = 10**7


def get(session: DbSession, reconciliation_id: int) -> Reconciliation:
    reconciliation = session.get(Reconciliation, reconciliation_id)
    if reconciliation is None:
        raise NotFound("No such reconciliation.")
    return reconciliation


def listing(session: DbSession, page: int, per_page: int) -> tuple[list[Reconciliation], int]:
    """The reconciliations, newest first, a page at a time, and how many there are."""
    total = session.scalar(sa.select(sa.func.count(Reconciliation.id))) or 0
    rows = session.scalars(
        sa.select(Reconciliation)
        .options(joinedload(Reconciliation.created_by))
        .order_by(Reconciliation.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def _chosen(reconciliation_id: int, result: str | None) -> sa.Select[tuple[ReconciledOfficer]]:
    """The officers of one result (or those whose result changed since the previous report, or everyone)."""
    query = sa.select(ReconciledOfficer).where(ReconciledOfficer.reconciliation_id == reconciliation_id)
    if result == CHANGED:
        return query.where(ReconciledOfficer.was.is_not(None), ReconciledOfficer.was != ReconciledOfficer.result)
    if result:
        if result not in RESULTS:
            raise Invalid(f"result must be one of {', '.join((*RESULTS, CHANGED))}.", "result")
        return query.where(ReconciledOfficer.result == result)
    return query


def officers(
    session: DbSession, reconciliation_id: int, result: str | None, page: int = 1, per_page: int = 100
) -> tuple[list[ReconciledOfficer], int]:
    """One page of the officers found with `result`, in name order, and how many there are."""
    get(session, reconciliation_id)
    chosen = _chosen(reconciliation_id, result)
    total = session.scalar(sa.select(sa.func.count()).select_from(chosen.subquery())) or 0
    rows = session.scalars(
        chosen.order_by(ReconciledOfficer.name, ReconciledOfficer.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def export(session: DbSession, reconciliation_id: int, result: str | None, format: str) -> bytes:
    """The officers found with `result` (or all) as CSV or XLSX, every cell formula-safe."""
    rows, _ = officers(session, reconciliation_id, result, 1, EVERYONE)
    headings = [
        "Name", "SPARROW email", "iGOT says", "Matched by", "iGOT email", "Name on iGOT",
        "Prescribed courses completed", "In progress", "Not started", "All prescribed courses completed",
        "Comprehensive Assessment done",
        "Previous report said",
    ]  # fmt: skip

    def lines() -> Iterator[list[object]]:
        for r in rows:
            yield [
                r.name, r.sparrow_email, LABELS[r.result], MATCHED_BY.get(r.matched_by or "", ""), r.igot_email,
                r.igot_name, r.courses_completed, r.courses_in_progress, r.courses_not_started,
                "Yes" if r.all_courses_done else "No", "Yes" if r.assessment_done else "No",
                LABELS.get(r.was or "", ""),
            ]  # fmt: skip

    return roster_export.table(headings, lines(), format, "iGOT")


def chase(
    session: DbSession, reconciliation_id: int, result: str, endorsement_id: int, how: str, actor_id: int | None
) -> int:
    """Remind the officers found with `result` on a letter already sent to them (those yet to answer), or send
    them an issued letter not yet sent to them; how many were reached."""
    if result not in CHASED:
        raise Invalid(f"Choose whom to chase: {', '.join(LABELS[r] for r in CHASED)}.", "result")
    if how not in HOW:
        raise Invalid("Choose to remind them or to send them the letter.", "how")
    get(session, reconciliation_id)
    chosen = _chosen(reconciliation_id, result).with_only_columns(ReconciledOfficer.officer_id)
    officer_ids = list(session.scalars(chosen))
    if not officer_ids:
        raise Invalid(f"No officer is in the list “{LABELS[result]}”.", "result")
    if how == "send":
        return dispatch.distribute(session, endorsement_id, actor_id, only=officer_ids)
    recipient_ids = list(
        session.scalars(
            sa.select(Recipient.id).where(
                Recipient.endorsement_id == endorsement_id,
                Recipient.officer_id.in_(chosen),
            )
        )
    )
    if not recipient_ids:
        raise Invalid("None of these officers was sent this letter; send it to them instead.", "endorsement_id")
    return dispatch.send_reminders(session, endorsement_id, actor_id, recipient_ids)


def latest_id(session: DbSession) -> int | None:
    """The newest reconciliation that finished: what iGOT says now, as far as Pavati knows."""
    return session.scalar(
        sa.select(Reconciliation.id).where(Reconciliation.status == DONE).order_by(Reconciliation.id.desc()).limit(1)
    )


def what_igot_says(session: DbSession, officer_ids: list[int]) -> dict[int, ReconciledOfficer]:
    """The latest reconciliation's row for each of these officers (those it has)."""
    latest = latest_id(session)
    if latest is None or not officer_ids:
        return {}
    rows = session.scalars(
        sa.select(ReconciledOfficer).where(
            ReconciledOfficer.reconciliation_id == latest, ReconciledOfficer.officer_id.in_(officer_ids)
        )
    )
    return {row.officer_id: row for row in rows}


def disagreement(state: str, result: str | None) -> str | None:
    """Where an officer's answer to an email alignment letter and iGOT's report cannot both be true, in words."""
    if state == ALIGNED and result in (MISMATCH, ALIAS):
        return ANSWERED_ALIGNED
    if state == email_alignment.MISMATCH and result == ALIGNED:
        return ANSWERED_DIFFERENT
    return None


def disagreements(session: DbSession, per_page: int = 50) -> tuple[list[tuple[Recipient, ReconciledOfficer]], int]:
    """Officers who answered an email alignment letter "aligned" while iGOT's latest report shows another email:
    the work list's second half, since their answer alone never puts them on it."""
    latest = latest_id(session)
    if latest is None:
        return [], 0
    query = (
        sa.select(Recipient, ReconciledOfficer)
        .join(Endorsement, Endorsement.id == Recipient.endorsement_id)
        .join(ReconciledOfficer, ReconciledOfficer.officer_id == Recipient.officer_id)
        .where(
            ReconciledOfficer.reconciliation_id == latest,
            ReconciledOfficer.result.in_((MISMATCH, ALIAS)),
            Recipient.state == ALIGNED,
            Endorsement.ack_kind == email_alignment.KIND.name,
        )
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.options(joinedload(Recipient.endorsement)).order_by(Recipient.name, Recipient.id).limit(per_page)
    ).tuples()
    return list(rows), total
