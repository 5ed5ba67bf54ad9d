"""The recipients of one letter as a spreadsheet: who, where the email stands, what they answered and carried."""

from collections.abc import Iterator
from datetime import tzinfo

from models import DbSession
from services import audit, kinds, letters, roster_export, tracking

# Every recipient, however many: the spreadsheet is the whole letter's record.
EVERYONE = 10**7


def export(
    session: DbSession, endorsement_id: int, format: str, state: str | None, tz: tzinfo, actor_id: int | None
) -> bytes:
    """The letter's recipients (those in `state`, if given) as CSV or XLSX, formula-safe; times in `tz`.
    A copy of officers' emails and answers leaving Pavati is audited, as a look at a mobile number is."""
    endorsement = letters.get_endorsement(session, endorsement_id)
    kind = kinds.kind_of(endorsement.ack_kind)
    rows, total = tracking.recipients(session, endorsement_id, state, 1, EVERYONE)
    audit.record(
        session,
        "endorsement.recipients_exported",
        "endorsement",
        endorsement_id,
        actor_id,
        format=format,
        state=state or "all",
        rows=total,
    )
    headings = [
        "Name", "Identity No.", "Email sent to", "Email status", "State", "Answer",
        *(c.label.en for c in kind.carried), "Flag", "Recorded by hand by", "Why by hand", "Resolved", "Resolved by",
        "Answered at",
    ]  # fmt: skip

    def lines() -> Iterator[list[object]]:
        for r, d in rows:
            answer = kind.answer(r.response or "")
            yield [
                r.officer.name,
                r.officer.identity_no or "",
                r.email,
                d.status if d else "",
                r.state,
                answer.words.en if answer else "",
                *(r.details.get(c.name + "_typed") or r.details.get(c.name) or "" for c in kind.carried),
                kind.flags.get(r.flag or "", r.flag or ""),
                r.recorded_by.name if r.recorded_by else "",
                r.reason or "",
                (r.resolution or "").replace("_", " "),
                r.resolved_by.name if r.resolved_by else "",
                r.acknowledged_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if r.acknowledged_at else "",
            ]

    return roster_export.table(headings, lines(), format, "Recipients")
