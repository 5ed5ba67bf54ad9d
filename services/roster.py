"""The roster of officers: importing it from a CSV and listing it."""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from models import DbSession, Officer, normalise_email
from services import audit
from services.errors import Invalid, NotFound
from services.fields import unprintable

REQUIRED = ("name", "sparrow_email")
KNOWN = ("name", "service", "batch", "designation", "sparrow_email", "mobile")
MAX_ROWS = 20_000
LIMITS = {"name": 120, "designation": 200}
YEAR = re.compile(r"[0-9]{4}")
MOBILE = re.compile(r"\+?[0-9]{8,15}")


@dataclass
class ImportResult:
    """What an import did, row by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _row_values(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as Officer fields, or Invalid saying what is wrong with it."""
    clean = {k: (row.get(k) or "").strip() for k in KNOWN}
    for key, value in clean.items():
        if unprintable(value):
            raise Invalid(f"{key} contains a line break or control character.")
        if key in ("name", "designation") and len(value) > LIMITS[key]:
            raise Invalid(f"{key} is longer than {LIMITS[key]} characters.")
    if not clean["name"]:
        raise Invalid("name is empty.")
    try:
        email = validate_email(clean["sparrow_email"], check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as exc:
        raise Invalid(f"sparrow_email {clean['sparrow_email']!r} is not valid: {exc}") from None
    batch: int | None = None
    if clean["batch"]:
        if not YEAR.fullmatch(clean["batch"]) or not 1947 <= int(clean["batch"]) <= 2100:
            raise Invalid(f"batch {clean['batch']!r} is not a year.")
        batch = int(clean["batch"])
    mobile = clean["mobile"].replace(" ", "").replace("-", "")
    if mobile and not MOBILE.fullmatch(mobile):
        raise Invalid(f"mobile {clean['mobile']!r} is not a phone number.")
    return {
        "name": clean["name"],
        "service": (clean["service"] or "IAS")[:16],
        "batch": batch,
        "designation": clean["designation"],
        "sparrow_email": normalise_email(email),
        "mobile": mobile,
    }


def _read_rows(data: bytes) -> tuple[set[str], list[dict[str, str]]]:
    """The CSV's columns and rows keyed by lower-cased column name, or Invalid if the file is wrong."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The roster must be a CSV file in UTF-8.", "file") from None
    reader = csv.DictReader(io.StringIO(content))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            expected = ", ".join(KNOWN)
            raise Invalid(f"The CSV has no column {', '.join(missing)}; expected columns: {expected}.", "file")
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise Invalid(f"The CSV cannot be read: {exc}.", "file") from None
    if len(rows) > MAX_ROWS:
        raise Invalid(f"The CSV has {len(rows)} rows; at most {MAX_ROWS} are accepted at once.", "file")
    return set(header), rows


def _apply(officer: Officer, values: dict[str, Any]) -> bool:
    """Bring a known officer up to date with a row; True if anything changed."""
    changed = {k: v for k, v in values.items() if getattr(officer, k) != v}
    if not officer.active:
        changed["active"] = True
    for key, value in changed.items():
        setattr(officer, key, value)
    return bool(changed)


def import_roster(session: DbSession, data: bytes, actor_id: int | None) -> ImportResult:
    """Create or update officers from a CSV; rows with errors are reported and skipped.

    Officers are matched by their SPARROW email (case and spaces ignored); known officers are
    updated in the columns the file has. An officer who was deactivated and appears again is
    made active again.
    """
    columns, rows = _read_rows(data)
    existing = {o.sparrow_email: o for o in session.scalars(sa.select(Officer))}
    result = ImportResult()
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            values = _row_values(row)
        except Invalid as exc:
            result.errors.append({"row": number, "message": exc.message})
            continue
        email = values["sparrow_email"]
        if email in seen:
            result.errors.append({"row": number, "message": f"{email} appears earlier in the file."})
            continue
        seen.add(email)
        officer = existing.get(email)
        if officer is None:
            session.add(Officer(**values))
            result.created += 1
        # Only the columns the file has: a short file must not blank what it does not mention.
        elif _apply(officer, {k: v for k, v in values.items() if k in columns}):
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
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


def list_officers(
    session: DbSession, page: int = 1, per_page: int = 100, active: bool | None = None
) -> tuple[list[Officer], int]:
    """Officers by name, one page of them, and how many there are in all."""
    query = sa.select(Officer)
    if active is not None:
        query = query.where(Officer.active.is_(active))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Officer.name, Officer.id).limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def set_active(session: DbSession, officer_id: int, active: bool, actor_id: int | None) -> Officer:
    """Deactivate (retired, transferred out) or reactivate an officer. Nobody is ever deleted."""
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("No such officer.")
    if officer.active != active:
        officer.active = active
        audit.record(session, "officer.activated" if active else "officer.deactivated", "officer", officer.id, actor_id)
    return officer
