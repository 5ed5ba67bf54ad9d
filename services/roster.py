"""The roster of officers: an import read, matched and previewed before it is applied; the list of officers."""

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import joinedload

from models import DbSession, Delivery, Officer, OfficerEmail, Recipient, normalise_email, utcnow
from services import audit, files, roster_export, roster_file
from services.errors import Conflict, Invalid, NotFound
from services.fields import unprintable

# An officer on the roster as an import compares it: a row of the officer table.
Known = sa.Row[Any]
# Without these a row cannot make an officer.
REQUIRED = ("name", "sparrow_email")
YEAR = re.compile(r"[0-9]{4}")
MOBILE = re.compile(r"\+?[0-9]{8,15}")
# What each of an officer's fields is called on the pages and in messages (roster_file knows the same fields).
LABELS = {
    "identity_no": "Identity No.",
    "name": "Name",
    "service": "Service",
    "cadre": "Cadre",
    "batch": "Batch",
    "designation": "Designation",
    "posting": "Posting",
    "sparrow_email": "SPARROW email",
    "mobile": "Mobile",
    "igot_email": "iGOT email",
}


@dataclass(frozen=True)
class Update:
    """A known officer a row would change: {field: (before, after)}."""

    row: int
    officer_id: int
    name: str
    changes: dict[str, tuple[Any, Any]]


@dataclass
class ImportPlan:
    """What an import would do, row by row; nothing is written until it is applied."""

    mapping: dict[int, str]
    create: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    update: list[Update] = field(default_factory=list)
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The figures and the details, as the preview page and the API show them."""
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": self.unchanged,
            "errors": self.errors,
            "details": {
                "create": [{"row": row, **values} for row, values in self.create],
                "update": [
                    {"row": u.row, "officer_id": u.officer_id, "name": u.name, "changes": _plain_changes(u.changes)}
                    for u in self.update
                ],
            },
        }


def _plain_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """Changes as JSON has them: {field: [before, after]}."""
    return {name: list(pair) for name, pair in changes.items()}


def _email(value: str, label: str) -> str:
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise Invalid(f"{label} {value!r} is not a valid email: {exc}") from None
    return value


def _batch(value: str) -> int | None:
    if value and (not YEAR.fullmatch(value) or not 1947 <= int(value) <= 2100):
        raise Invalid(f"The Batch {value!r} is not a year.")
    return int(value) if value else None


def _mobile(value: str) -> str:
    mobile = re.sub(r"[\s\-()]", "", value)
    if mobile and not MOBILE.fullmatch(mobile):
        raise Invalid(f"The Mobile {value!r} is not a phone number.")
    return mobile


# How a cell becomes a field's value where it is more than trimmed text; the lengths are the model's.
_PARSE: dict[str, Any] = {
    "identity_no": lambda value: value or None,
    "service": lambda value: value or "IAS",
    "batch": _batch,
    "mobile": _mobile,
    "igot_email": lambda value: normalise_email(_email(value, "The iGOT email")) if value else None,
}


# Each text field's length as the model declares it: the one place the limits are written (the API's schema reads them).
LIMITS = {c.name: c.type.length for c in Officer.__table__.c if isinstance(c.type, sa.String) and c.type.length}


def _row_values(cells: dict[str, str], known_emails: Container[str]) -> dict[str, Any]:
    """One row's cells (by field) as Officer values, or Invalid saying what is wrong with the row. An email
    already on the roster (written in any case) was checked when it was stored, and is not checked again."""
    cells = {name: roster_export.unguarded(value) for name, value in cells.items()}
    for name, value in cells.items():
        if not value.isprintable() and unprintable(value):
            raise Invalid(f"The {LABELS[name]} contains a line break or control character.")
        if len(value) > LIMITS.get(name, len(value)):
            raise Invalid(f"The {LABELS[name]} is longer than {LIMITS[name]} characters.")
    for name in REQUIRED:
        if not cells.get(name):
            raise Invalid(f"The {LABELS[name]} is missing.")
    if normalise_email(cells["sparrow_email"]) not in known_emails:
        _email(cells["sparrow_email"], "The SPARROW email")
    return {name: _PARSE[name](value) if name in _PARSE else value for name, value in cells.items()}


ROSTER_SUFFIX = ".roster"


def keep_upload(data: bytes) -> str:
    """Check that an uploaded roster can be read, keep it, and return the ticket its preview carries."""
    roster_file.read_sheet(data)
    return files.upload_ticket(files.store(data, ROSTER_SUFFIX), ROSTER_SUFFIX)


def read_kept(ticket: str) -> roster_file.Sheet:
    """The sheet of a roster kept by keep_upload."""
    sha256 = files.uploaded_digest(ticket, "uploaded roster", ROSTER_SUFFIX)
    return roster_file.read_sheet(files.load(sha256, ROSTER_SUFFIX))


def _check_mapping(header: list[str], mapping: dict[int, str]) -> None:
    """Invalid unless the columns hold a name and a SPARROW email, each field in one column only."""
    chosen = list(mapping.values())
    twice = sorted({LABELS[name] for name in chosen if chosen.count(name) > 1})
    if twice:
        raise Invalid(f"More than one column is marked as {', '.join(twice)}; choose one.", "file")
    missing = [LABELS[name] for name in REQUIRED if name not in chosen]
    if missing:
        raise Invalid(
            f"No column is marked as the {' or the '.join(missing)}; the file's columns are: "
            f"{', '.join(h or '(no heading)' for h in header)}.",
            "file",
        )


def plan_import(session: DbSession, sheet: roster_file.Sheet, mapping: dict[int, str] | None = None) -> ImportPlan:
    """Match each row to an officer (by identity number, then by email) and say what would change; the columns
    are as the clerk mapped them, else as their headings say.

    A known officer is updated in the columns the file has, never blanked in those it lacks; one who was
    deactivated and appears again is made active. A bad row is reported and never holds up the others."""
    mapping = roster_file.guess_mapping(sheet.header) if mapping is None else mapping
    _check_mapping(sheet.header, mapping)
    # Rows, not ORM objects: a Ministry's roster is tens of thousands of officers, read only to compare.
    officers = session.execute(sa.select(Officer.__table__)).all()
    by_identity = {o.identity_no: o for o in officers if o.identity_no}
    by_email = {o.email_key: o for o in officers}
    plan = ImportPlan(mapping)
    first_rows: dict[str, int] = {}
    for row, cells in sheet.rows:
        try:
            values = _row_values(
                {name: cells[index] for index, name in mapping.items() if index < len(cells)}, by_email
            )
            officer = _match(values, by_identity, by_email)
            _first_time(values, row, first_rows)
        except Invalid as exc:
            plan.errors.append({"row": row, "message": exc.message})
            continue
        if officer is None:
            plan.create.append((row, values))
        elif changes := _changes(officer, values):
            plan.update.append(Update(row, officer.id, officer.name, changes))
        else:
            plan.unchanged += 1
    return plan


def _match(values: dict[str, Any], by_identity: dict[str, Known], by_email: dict[str, Known]) -> Known | None:
    """The known officer a row is about: by identity number, else by email; Invalid if the two disagree."""
    identity = values.get("identity_no")
    owner = by_email.get(normalise_email(values["sparrow_email"]))
    officer = (by_identity.get(identity) if identity else None) or owner
    if owner is not None and officer is not None and owner.id != officer.id:
        raise Invalid(f"{values['sparrow_email']} belongs to another officer, {owner.name}.")
    if officer is not None and identity and officer.identity_no and officer.identity_no != identity:
        raise Invalid(
            f"{values['sparrow_email']} belongs to {officer.name}, whose identity number is {officer.identity_no}."
        )
    return officer


def _first_time(values: dict[str, Any], row: int, first_rows: dict[str, int]) -> None:
    """Note the row's email and identity number; Invalid if an earlier row of the file had either."""
    keys = ["email:" + normalise_email(values["sparrow_email"])]
    if values.get("identity_no"):
        keys.append("identity:" + values["identity_no"])
    for key in keys:
        if key in first_rows:
            raise Invalid(f"Duplicate of row {first_rows[key]}.")
    first_rows.update(dict.fromkeys(keys, row))


def _changes(officer: Known, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What a row would change on a known officer: {field: (before, after)}; an email differing only in case or
    spaces is the same email."""
    changes = {}
    for name, after in values.items():
        before = getattr(officer, name)
        same = normalise_email(before) == normalise_email(after) if name == "sparrow_email" else before == after
        if not same:
            changes[name] = (before, after)
    if not officer.active:
        changes["active"] = (False, True)
    return changes


@dataclass
class ImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def apply_import(session: DbSession, plan: ImportPlan, actor_id: int | None) -> ImportResult:
    """Write what a plan says: new officers added, known ones updated (an old email kept in their history)."""
    # One multi-row INSERT for the new officers (the email's key set here, as the model sets it for one).
    if plan.create:
        session.execute(
            sa.insert(Officer),
            [{**values, "email_key": normalise_email(values["sparrow_email"])} for _, values in plan.create],
        )
    for update in plan.update:
        officer = session.get(Officer, update.officer_id)
        assert officer is not None  # planned from the same session
        change_officer(session, officer, {k: after for k, (_, after) in update.changes.items()})
        audit.record(
            session, "officer.updated", "officer", officer.id, actor_id, changes=_plain_changes(update.changes)
        )
    session.flush()
    result = ImportResult(len(plan.create), len(plan.update), plan.unchanged, plan.errors)
    audit.record(
        session,
        "roster.imported",
        "officer",
        None,
        actor_id,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=len(result.errors),
    )
    return result


def change_officer(session: DbSession, officer: Officer, values: dict[str, Any]) -> None:
    """Set an officer's fields; a new email sends the old one to their history and clears its bounce."""
    if "sparrow_email" in values and normalise_email(values["sparrow_email"]) != officer.email_key:
        session.add(OfficerEmail(officer_id=officer.id, email=officer.sparrow_email, replaced_at=utcnow()))
        officer.email_bounced_at = None
        officer.email_bounce_reason = None
    if "name" in values and values["name"] != officer.name:
        # Each letter's recipients list is in name order from the name kept beside it (models.Recipient).
        session.execute(sa.update(Recipient).where(Recipient.officer_id == officer.id).values(name=values["name"]))
    for name, value in values.items():
        setattr(officer, name, value)


def import_kept(session: DbSession, ticket: str, mapping: dict[int, str], actor_id: int | None) -> ImportResult:
    """Import a roster kept by keep_upload as the clerk marked its columns, matched afresh (the roster may have
    changed since the preview)."""
    return apply_import(session, plan_import(session, read_kept(ticket), mapping), actor_id)


def import_roster(
    session: DbSession, data: bytes, actor_id: int | None, mapping: dict[int, str] | None = None
) -> ImportResult:
    """Read, match and apply a roster file in one go (the API, the command line)."""
    return apply_import(session, plan_import(session, roster_file.read_sheet(data), mapping), actor_id)


@dataclass(frozen=True)
class RosterFilters:
    """What the roster list is narrowed to: words to find (name, email, posting), and the facets."""

    q: str = ""
    service: str = ""
    cadre: str = ""
    batch: int | None = None
    active: bool | None = None
    bounced: bool | None = None
    sort: str = "name"


# The orders the list can be sorted in, by name.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Officer.name, Officer.id),
    "batch": (Officer.batch, Officer.name, Officer.id),
    "email": (Officer.email_key,),
    "updated": (Officer.updated_at.desc(), Officer.id),
}


def exported(session: DbSession, filters: RosterFilters, format: str, actor_id: int | None) -> bytes:
    """The roster as the filters find it, as CSV or XLSX; a copy of officers' personal data leaving Pavati is
    audited, as a look at a mobile number is."""
    everyone, total = list_officers(session, filters, 1, roster_file.MAX_ROWS)
    audit.record(session, "roster.exported", "officer", None, actor_id, format=format, rows=total)
    return roster_export.export(everyone, format)


def list_officers(
    session: DbSession, filters: RosterFilters = RosterFilters(), page: int = 1, per_page: int = 100
) -> tuple[list[Officer], int]:
    """Officers as the filters find them, one page of them, and how many there are in all."""
    query = sa.select(Officer)
    if filters.q:
        query = query.where(
            sa.or_(
                # autoescape: a % or _ typed is looked for as itself, not as a wildcard.
                *(
                    column.icontains(filters.q, autoescape=True)
                    for column in (Officer.name, Officer.email_key, Officer.posting, Officer.designation)
                ),
                Officer.identity_no == filters.q,
            )
        )
    for column, wanted in ((Officer.service, filters.service), (Officer.cadre, filters.cadre)):
        if wanted:
            query = query.where(column == wanted)
    if filters.batch is not None:
        query = query.where(Officer.batch == filters.batch)
    if filters.active is not None:
        query = query.where(Officer.active.is_(filters.active))
    if filters.bounced is not None:
        bounced = Officer.email_bounced_at.is_not(None)
        query = query.where(bounced if filters.bounced else sa.not_(bounced))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = SORTS.get(filters.sort, SORTS["name"])
    rows = session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def facets(session: DbSession) -> dict[str, list[Any]]:
    """The services, cadres and batches on the roster, for the list's filters."""
    found: dict[str, list[Any]] = {}
    for name, column in (("service", Officer.service), ("cadre", Officer.cadre), ("batch", Officer.batch)):
        values = session.scalars(sa.select(column).where(column.is_not(None)).distinct().order_by(column))
        found[name] = [value for value in values if value != ""]
    return found


def get_officer(session: DbSession, officer_id: int) -> Officer:
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("No such officer.")
    return officer


def save_officer(session: DbSession, officer_id: int | None, given: Mapping[str, Any], actor_id: int | None) -> Officer:
    """Add an officer, or change one (only the fields given), by the same rules an imported row follows."""
    cells = {name: str(value).strip() if value is not None else "" for name, value in given.items() if name in LABELS}
    officer = get_officer(session, officer_id) if officer_id is not None else None
    if officer is not None:
        # A change names only what changes; the row rules need the rest as the officer has it.
        cells = {"name": officer.name, "sparrow_email": officer.sparrow_email, **cells}
    try:
        values = _row_values(cells, ())
    except Invalid as exc:
        raise Invalid(exc.message, _field_named(exc.message)) from None
    others = sa.select(Officer.id).where(Officer.id != (officer.id if officer else -1))
    if session.scalar(others.where(Officer.email_key == normalise_email(values["sparrow_email"]))):
        raise Conflict(f"{values['sparrow_email']} is already the email of another officer on the roster.")
    identity = values.get("identity_no")
    if identity and session.scalar(others.where(Officer.identity_no == identity)):
        raise Conflict(f"Identity No. {identity} is already another officer's.")
    if officer is None:
        officer = Officer(**values)
        session.add(officer)
        session.flush()
        audit.record(session, "officer.created", "officer", officer.id, actor_id, **values)
        return officer
    changes = _changes(officer, values)
    changes.pop("active", None)  # editing never reactivates; that is its own action
    if changes:
        change_officer(session, officer, {k: after for k, (_, after) in changes.items()})
        audit.record(session, "officer.updated", "officer", officer.id, actor_id, changes=_plain_changes(changes))
    return officer


def _field_named(message: str) -> str | None:
    """The field a row rule's message is about ("The Batch ..." is about batch), for the form to mark it."""
    return next((name for name, label in LABELS.items() if message.startswith(f"The {label} ")), None)


@dataclass(frozen=True)
class LetterSent:
    """A letter sent to an officer: the endorsement, how its delivery went, and the answer."""

    recipient: Recipient
    delivery: str | None


def letters_sent(session: DbSession, officer_id: int) -> list[LetterSent]:
    """Every endorsement sent to an officer, newest first, with its latest delivery's status and the answer."""
    recipients = session.scalars(
        sa.select(Recipient)
        .where(Recipient.officer_id == officer_id)
        .options(joinedload(Recipient.endorsement))
        .order_by(Recipient.created_at.desc(), Recipient.id.desc())
    ).all()
    # Ordered by id, so the last delivery of each recipient is the one kept.
    latest = {
        recipient_id: status
        for recipient_id, status in session.execute(
            sa.select(Delivery.recipient_id, Delivery.status)
            .where(Delivery.recipient_id.in_([r.id for r in recipients]))
            .order_by(Delivery.recipient_id, Delivery.id)
        )
    }
    return [LetterSent(recipient, latest.get(recipient.id)) for recipient in recipients]


def reveal_mobile(session: DbSession, officer_id: int, actor_id: int | None) -> str:
    """An officer's mobile number in full, for the staff member who asked; the asking is audited."""
    officer = get_officer(session, officer_id)
    audit.record(session, "officer.mobile_viewed", "officer", officer.id, actor_id)
    return officer.mobile


def masked(mobile: str) -> str:
    """A mobile number as lists show it: its last three digits only."""
    return "•" * max(0, len(mobile) - 3) + mobile[-3:] if mobile else ""


def set_active(session: DbSession, officer_id: int, active: bool, actor_id: int | None) -> Officer:
    """Deactivate (retired, transferred out) or reactivate an officer. Nobody is ever deleted."""
    officer = get_officer(session, officer_id)
    if officer.active != active:
        officer.active = active
        audit.record(
            session,
            "officer.activated" if active else "officer.deactivated",
            "officer",
            officer.id,
            actor_id,
            changes={"active": [not active, active]},
        )
    return officer
