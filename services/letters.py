"""Endorsement letters: preparing the draft, rendering it as a PDF, and issuing it."""

import io
import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any

import pypdf
import segno
import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from models import Circular, DbSession, Endorsement, User, session_of, utcnow
from services import audit, days, fields, file_numbers, files, kinds, memo_file, office, printing, signing
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.intake import get_circular


def long_date(day: date) -> str:
    """A date as Indian government letters write it: 11th March, 2026."""
    n = day.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} {day:%B}, {day.year}"


def default_body(circular: Circular, ack_kind: str, deadline: date | None) -> str:
    """The standard words of a forwarding letter, with the action asked of officers: the office's own for the kind
    where its settings have them, else Pavati's."""
    by = f" by {long_date(deadline)}" if deadline else ""
    setting = office.BY_NAME[office.body_setting(kinds.kind_of(ack_kind).name)]
    words = office.particulars(session_of(circular))[setting.name]
    if words:
        memo = {"reference_no": circular.reference_no, "memo_dated": f"{circular.dated:%d.%m.%Y}"}
        return setting.fill_in(words, **memo, issued_by=circular.issued_by, by_deadline=by)
    action = "You are requested " + kinds.kind_of(ack_kind).asks(by)
    return (
        f"I am directed to forward herewith a copy of Office Memorandum No. {circular.reference_no} "
        f"dated {circular.dated:%d.%m.%Y} received from the {circular.issued_by}, on the subject "
        "cited above, for information and necessary action."
        f"\n\n{action} through the link sent to you by email."
    )


def letter_body(endorsement: Endorsement) -> str:
    """The body the letter carries: the clerk's own words, or the standard ones."""
    return endorsement.body or default_body(endorsement.circular, endorsement.ack_kind, endorsement.deadline)


def draft_defaults(session: DbSession, circular_id: int) -> dict[str, Any]:
    """What the endorsement form starts with: the office's settings and the last file number used."""
    get_circular(session, circular_id)
    kept = office.particulars(session)
    today = days.today()
    if file_numbers.numbered_from_series(session):
        file_no = ""  # the next of the year's series, given when the letter is approved
    else:
        last = session.scalar(sa.select(Endorsement.file_no).order_by(Endorsement.id.desc()).limit(1))
        file_no = last or file_numbers.next_number(session, today)[0]
    return {
        "file_no": file_no,
        "dated": today,
        "addressee": kept["addressee"],
        "body": "",  # empty: the standard words, which follow the kind and deadline chosen
        "signatory_name": kept["signatory_name"],
        "signatory_title": kept["signatory_title"],
        "copy_to": kept["copy_to"],
        "ack_kind": kinds.DEFAULT,
        "deadline": None,
    }


# What a clerk writes in a letter: every one checked by _letter_values, copied by a correction.
LETTER_FIELDS = (
    "file_no",
    "dated",
    "addressee",
    "body",
    "signatory_name",
    "signatory_title",
    "copy_to",
    "ack_kind",
    "deadline",
)


def _written(endorsement: Endorsement) -> dict[str, Any]:
    return {name: getattr(endorsement, name) for name in LETTER_FIELDS}


def _letter_values(circular: Circular, given: Mapping[str, Any]) -> dict[str, Any]:
    ack_kind = kinds.kind_of(str(given.get("ack_kind") or "").strip()).name
    dated = fields.required_date(given, "dated", "Date of the letter")
    deadline = fields.a_date(given, "deadline", "Deadline", required=False)
    if deadline is not None and deadline < dated:
        raise Invalid("The deadline cannot be before the letter's date.", "deadline")
    if dated < circular.dated:
        raise Invalid("The letter cannot be dated before the memo it forwards.", "dated")
    copy_to = given.get("copy_to") or ""
    if isinstance(copy_to, list | tuple):
        if not all(isinstance(line, str) for line in copy_to):
            raise Invalid("Copy to must be a list of offices, each as text.", "copy_to")
        copy_to = "\n".join(copy_to)
    # Kept empty unless the clerk writes their own: the standard words then follow kind and deadline.
    body = fields.long_text(given, "body", "Body", office.BODY_MAX_LEN, required=False)
    if body == default_body(circular, ack_kind, deadline):
        body = ""
    # The particulars the office's settings also hold, with their limits.
    limit = {name: office.BY_NAME[name].max_len for name in ("file_no", "addressee", "signatory_name", "copy_to")}
    return {
        # Empty: the letter takes the next number of the office's series when it is approved.
        "file_no": fields.text(given, "file_no", "File number", limit["file_no"], required=False),
        "dated": dated,
        "addressee": fields.text(given, "addressee", "Addressee", limit["addressee"]),
        "body": body,
        "signatory_name": fields.text(given, "signatory_name", "Signatory", limit["signatory_name"]),
        "signatory_title": office.BY_NAME["signatory_title"].read(given),
        "copy_to": fields.long_text({"copy_to": copy_to}, "copy_to", "Copy to", limit["copy_to"], required=False),
        "ack_kind": ack_kind,
        "deadline": deadline,
    }


def prepare_endorsement(
    session: DbSession, circular_id: int, given: Mapping[str, Any], actor_id: int | None
) -> Endorsement:
    """A new draft endorsement for the circular; what is not given comes from the office's settings."""
    circular = get_circular(session, circular_id)
    values = _letter_values(circular, {**draft_defaults(session, circular_id), **given})
    endorsement = Endorsement(circular=circular, created_by_id=actor_id, **values)
    session.add(endorsement)
    session.flush()
    audit.record(session, "endorsement.prepared", "endorsement", endorsement.id, actor_id, file_no=endorsement.file_no)
    return endorsement


def get_endorsement(session: DbSession, endorsement_id: int) -> Endorsement:
    """The endorsement, or NotFound."""
    endorsement = session.get(Endorsement, endorsement_id)
    if endorsement is None:
        raise NotFound("No such endorsement.")
    return endorsement


def revise_draft(
    session: DbSession, endorsement_id: int, given: Mapping[str, Any], actor_id: int | None
) -> Endorsement:
    """Change a draft: the fields `given`, the rest as they are. An issued letter never changes: a correction
    is a new endorsement (supersede)."""
    endorsement = get_endorsement(session, endorsement_id)
    if endorsement.is_issued:
        raise Conflict("This letter has been issued and can no longer be changed.")
    values = _letter_values(endorsement.circular, {**_written(endorsement), **given})
    before = {k: str(getattr(endorsement, k)) for k in values}
    # Conditional, so that a revision racing an issue cannot change a letter already issued.
    done = session.execute(
        sa.update(Endorsement)
        .where(Endorsement.id == endorsement_id, Endorsement.issued_at.is_(None))
        # Changed words go back to the clerk: an approver never approves what they were not shown.
        .values(**values, revision=Endorsement.revision + 1, submitted_at=None, submitted_by_id=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This letter has been issued and can no longer be changed.")
    session.refresh(endorsement)
    changed = {k: {"from": before[k], "to": str(v)} for k, v in values.items() if before[k] != str(v)}
    audit.record(session, "endorsement.revised", "endorsement", endorsement.id, actor_id, changed=changed)
    return endorsement


def verify_url(code: str) -> str:
    """The public page where anyone can check the letter that prints this code."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/v/{code}"


def new_verify_code() -> str:
    """A letter's public code: 64 random bits, URL-safe (11 characters), so that nobody can guess another's."""
    return secrets.token_urlsafe(8)


def qr_code(url: str) -> Markup:
    """The URL as a QR code, an inline SVG sized by the letter's stylesheet: drawn here, nothing fetched."""
    # Markup: segno draws paths only, and the URL is ours (PUBLIC_BASE_URL and a code of URL-safe characters).
    return Markup(segno.make(url, error="m").svg_inline(border=0, omitsize=True))  # noqa: S704


def render_letter(
    endorsement: Endorsement, draft: bool, verify_code: str | None = None, file_no: str | None = None
) -> bytes:
    """The letter as PDF pages (WeasyPrint), without the memo. An issued letter prints the address of its
    verify page and a QR code of it (as text and drawing: the letter carries no clickable link, nothing
    active); a draft shows where they will be."""
    return printing.html_to_pdf(*letter_html(endorsement, draft, verify_code, file_no))


def letter_html(
    endorsement: Endorsement, draft: bool, verify_code: str | None = None, file_no: str | None = None
) -> tuple[str, tuple[bytes, str] | None]:
    """The letter's HTML on the office's letterhead as its settings are now, and the emblem it shows. Its number is
    `file_no`, else the draft's own, else (on a draft numbered when approved) the next of the series as it stands."""
    url = verify_url(verify_code) if verify_code and not draft else None
    session = session_of(endorsement)
    emblem = office.emblem(session)
    html = render_template(
        "letters/endorsement.html",
        e=endorsement,
        file_no=file_no or endorsement.file_no or file_numbers.next_number(session, endorsement.dated)[0],
        c=endorsement.circular,
        body=letter_body(endorsement),
        draft=draft,
        long_date=long_date,
        office=office.particulars(session),
        emblem=printing.EMBLEM_URL if emblem else None,
        verify_url=url,
        verify_qr=qr_code(url) if url else None,
    )
    return html, emblem


def letter_with_memo(
    endorsement: Endorsement, draft: bool, verify_code: str | None = None, file_no: str | None = None
) -> bytes:
    """The letter followed by every page of the memo it forwards, made inert: what officers receive.
    Nothing of the memo may run, launch or link out under the State's letterhead."""
    writer = pypdf.PdfWriter()
    letter = pypdf.PdfReader(io.BytesIO(render_letter(endorsement, draft, verify_code, file_no)))
    writer.append(letter)
    writer.append(io.BytesIO(memo_file.inert(files.load(endorsement.circular.pdf_sha256))))
    # The bundle is described as the letter is (its title, the office as author, what it forwards, its date).
    writer.add_metadata(dict(letter.metadata or {}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def preview_pdf(session: DbSession, endorsement_id: int) -> bytes:
    """The letter as it would be issued; drafts carry a DRAFT mark. An issued letter is its stored PDF."""
    endorsement = get_endorsement(session, endorsement_id)
    if endorsement.pdf_sha256:
        return files.load(endorsement.pdf_sha256)
    return letter_with_memo(endorsement, draft=True)


def issued_pdf(session: DbSession, endorsement_id: int) -> bytes:
    """The issued letter's PDF, exactly as sent."""
    endorsement = get_endorsement(session, endorsement_id)
    if not endorsement.pdf_sha256:
        raise Conflict("This letter is still a draft; issue it first.")
    return files.load(endorsement.pdf_sha256)


def issue_endorsement(
    session: DbSession, endorsement_id: int, actor_id: int | None, seen_revision: int | None = None
) -> Endorsement:
    """Render the final PDF and fix the letter: from now on it never changes. A draft without a number takes the
    next of the office's series.

    `seen_revision` is the draft the clerk looked at; if someone has changed it since, the
    letter is not issued, so that nobody issues words they have not read.
    """
    endorsement = _current_draft(session, endorsement_id, seen_revision)
    # Two letters approved at once may both be given the year's next serial: the second to be stored is refused
    # by the unique index, and takes the one after.
    for _ in range(SERIAL_ATTEMPTS):
        try:
            with session.begin_nested():
                return _issue(session, endorsement, actor_id)
        except sa.exc.IntegrityError:
            session.refresh(endorsement)
    raise Conflict("Other letters were being numbered at the same moment; approve this one again.")


# How often issuing takes the next serial when another letter took the one it was given meanwhile.
SERIAL_ATTEMPTS = 5


def _issue(session: DbSession, endorsement: Endorsement, actor_id: int | None) -> Endorsement:
    rendered_revision = endorsement.revision
    file_no, serial = (endorsement.file_no, None)
    if not file_no:
        file_no, serial = file_numbers.next_number(session, endorsement.dated)
    # The code and number are kept off the ORM object until the conditional update below: a flush of them could
    # otherwise reach a letter that another clerk issued meanwhile.
    code = new_verify_code()
    bundle = letter_with_memo(endorsement, draft=False, verify_code=code, file_no=file_no)
    signed_by = None
    if signing.is_configured(current_app.config):
        # Signed before it is stored and hashed: the SHA-256 on the verify page is that of the signed file.
        # A signer that fails raises here, before anything is stored or written.
        signed = signing.sign(bundle)
        bundle, signed_by = signed.pdf, signed.signer
    sha = files.store(bundle)
    # Conditional: two clerks pressing Issue at once cannot both issue, and a draft changed while
    # it was being rendered is not issued with the old words.
    done = session.execute(
        sa.update(Endorsement)
        .where(
            Endorsement.id == endorsement.id,
            Endorsement.issued_at.is_(None),
            Endorsement.revision == rendered_revision,
        )
        .values(
            pdf_sha256=sha,
            issued_at=utcnow(),
            issued_by_id=actor_id,
            verify_code=code,
            signed_by=signed_by,
            file_no=file_no,
            file_year=endorsement.dated.year if serial else None,
            file_serial=serial,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(endorsement)
        if endorsement.is_issued:
            raise Conflict("This letter has already been issued.")
        raise Conflict("The draft was changed while it was being issued; preview it again, then issue.")
    session.refresh(endorsement)
    audit.record(
        session,
        "endorsement.issued",
        "endorsement",
        endorsement.id,
        actor_id,
        file_no=file_no,
        pdf_sha256=sha,
        signed_by=signed_by,
    )
    return endorsement


def _current_draft(session: DbSession, endorsement_id: int, seen_revision: int | None) -> Endorsement:
    endorsement = get_endorsement(session, endorsement_id)
    if endorsement.is_issued:
        raise Conflict("This letter has already been issued.")
    if seen_revision is not None and seen_revision != endorsement.revision:
        raise Conflict("The draft has been changed since you opened it; preview it again.")
    return endorsement


def submit_for_approval(
    session: DbSession, endorsement_id: int, actor_id: int | None, seen_revision: int | None = None
) -> Endorsement:
    """The clerk sends the draft they previewed to the signatory: it waits in the approvers' queue until it is
    approved, or changed (which takes it back)."""
    endorsement = _current_draft(session, endorsement_id, seen_revision)
    if endorsement.submitted_at is not None:
        raise Conflict("This letter is already awaiting approval.")
    endorsement.submitted_at, endorsement.submitted_by_id = utcnow(), actor_id
    audit.record(
        session, "endorsement.submitted", "endorsement", endorsement.id, actor_id, revision=endorsement.revision
    )
    return endorsement


def approval_refused(session: DbSession, endorsement: Endorsement, user_id: int | None) -> str | None:
    """Why this person may not approve this letter (so the page offers them "Submit" instead), or None."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.can_approve():
        return "Only an approver or an admin can approve a letter; submit it for approval instead."
    prepared = user.id in (endorsement.created_by_id, endorsement.submitted_by_id)
    if prepared and not office.particulars(session)["one_person_office"]:
        return "You prepared this letter, so someone else must approve it."
    return None


def approve(session: DbSession, endorsement_id: int, actor_id: int, seen_revision: int | None = None) -> Endorsement:
    """The signatory approves the draft they read, which issues it in the office's name.

    Only an approver or an admin approves, and never a letter they prepared or submitted themselves, unless the
    office's settings say it is a one-person office: a second pair of eyes before anything goes out."""
    endorsement = _current_draft(session, endorsement_id, seen_revision)
    refused = approval_refused(session, endorsement, actor_id)
    if refused:
        raise Forbidden(refused)
    issued = issue_endorsement(session, endorsement_id, actor_id, seen_revision)
    audit.record(session, "endorsement.approved", "endorsement", endorsement_id, actor_id, revision=issued.revision)
    return issued


def supersede(session: DbSession, endorsement_id: int, given: Mapping[str, Any], actor_id: int | None) -> Endorsement:
    """A correction: a new draft of an issued letter, with the fields `given` changed; both are kept, and once the
    correction is issued the old letter is marked superseded and its officers' links lead to the new one."""
    old = get_endorsement(session, endorsement_id)
    if not old.is_issued:
        raise Conflict("Only an issued letter is corrected by a new one; change this draft instead.")
    if old.superseded_by is not None:
        raise Conflict(
            f"This letter is already being corrected by letter #{old.superseded_by.id}.",
            superseded_by=old.superseded_by.id,
        )
    values = _letter_values(old.circular, {**_written(old), **given})
    correction = Endorsement(circular_id=old.circular_id, created_by_id=actor_id, supersedes_id=old.id, **values)
    try:
        with session.begin_nested():  # two corrections at once: the second is refused, not a failure
            session.add(correction)
            session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("This letter is already being corrected.") from None
    session.expire(old, ["superseded_by"])  # read again: it now names the correction
    audit.record(session, "endorsement.prepared", "endorsement", correction.id, actor_id, supersedes=old.id)
    return correction


def awaiting_approval(session: DbSession) -> list[Endorsement]:
    """Drafts sent for approval, oldest first: the approver's queue."""
    waiting = (
        sa.select(Endorsement)
        .where(Endorsement.submitted_at.is_not(None), Endorsement.issued_at.is_(None))
        # What the queue shows of each, read with it rather than one letter at a time.
        .options(
            selectinload(Endorsement.circular),
            selectinload(Endorsement.submitted_by),
            selectinload(Endorsement.supersedes),
        )
    )
    return list(session.scalars(waiting.order_by(Endorsement.submitted_at)))


def endorsements_of(session: DbSession, circular_id: int) -> list[Endorsement]:
    """A circular's endorsements, oldest first."""
    return list(
        session.scalars(sa.select(Endorsement).where(Endorsement.circular_id == circular_id).order_by(Endorsement.id))
    )
