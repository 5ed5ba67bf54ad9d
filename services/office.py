"""The office's settings: its letterhead in English and Hindi, signatory, usual particulars, emblem and contact."""

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from PIL import Image, UnidentifiedImageError

from models import DbSession, Office
from services import audit, fields, files, kinds
from services.errors import Invalid

# The emblem is printed about 2 cm wide: a small PNG or JPEG is plenty, and nothing bigger is decoded.
EMBLEM_MAX_BYTES = 512 * 1024
EMBLEM_MAX_PIXELS = 2000
EMBLEM_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
EMBLEM_SUFFIX = ".emblem"


YES = "yes"


@dataclass(frozen=True)
class Particular:
    """One of the office's settings, defined once: its label, limit, and where its first value comes from.

    `seed` names the environment setting (LETTER_*) that gives it its value on an empty database; `lines`
    lets it span lines (a copy-to list); a `yes_no` one is a tick box, kept as "yes" or ""; `example` is
    shown in an empty field and `hint` below it; `placeholders` names what a pattern may leave to be filled in
    ({serial})."""

    name: str
    label: str
    max_len: int
    required: bool = True
    lines: bool = False
    seed: str | None = None
    example: str = ""
    yes_no: bool = False
    placeholders: tuple[str, ...] = ()
    hint: str = ""

    def read(self, given: Mapping[str, Any]) -> str:
        """The value `given` holds for it, checked, or Invalid naming the field."""
        if self.yes_no:
            return YES if str(given.get(self.name) or "").strip().lower() in ("yes", "on", "true", "1") else ""
        read = fields.long_text if self.lines else fields.text
        value = read(given, self.name, self.label, self.max_len, required=self.required)
        if self.placeholders:
            unknown = set(_PLACEHOLDER.findall(value)) - set(self.placeholders)
            if unknown or "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
                named = ", ".join("{" + p + "}" for p in self.placeholders)
                raise Invalid(f"{self.label} may use only {named} in braces.", self.name)
        return value

    def fill_in(self, pattern: str, **values: object) -> str:
        """The pattern (a value of this setting) with its placeholders filled in from `values`."""
        return _PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), pattern)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# Those a letter also carries have the letter's own limits (services.letters.LIMITS asks these).
PARTICULARS: tuple[Particular, ...] = (
    Particular("government", "Government (English)", 200, seed="LETTER_GOVERNMENT", example="Government of Haryana"),
    Particular("government_hi", "Government (Hindi)", 200, required=False, example="हरियाणा सरकार"),
    Particular("office", "Office (English)", 200, seed="LETTER_OFFICE", example="Chief Secretary's Office"),
    Particular("office_hi", "Office (Hindi)", 200, required=False, example="मुख्य सचिव कार्यालय"),
    Particular("department", "Department", 200, required=False, example="General Administration Department"),
    Particular("branch", "Branch", 200, required=False, example="PAR Cell"),
    Particular("place", "Place", 100, seed="LETTER_PLACE", example="Chandigarh"),
    Particular(
        "file_no",
        "File number of letters",
        200,
        seed="LETTER_FILE_NO",
        example="No.30/10/{year}-1PAR Cell/{serial}",
        placeholders=("serial", "year"),
        hint="{serial} is the letter's number in the year's series, given when it is approved; {year} the year.",
    ),
    Particular("addressee", "Letters are addressed to", 300, seed="LETTER_ADDRESSEE"),
    Particular("signatory_name", "Signatory", 120, seed="LETTER_SIGNATORY_NAME"),
    Particular("signatory_title", "Signatory's designation", 200, lines=True, seed="LETTER_SIGNATORY_TITLE"),
    Particular("copy_to", "Copy to (one office a line)", 3000, required=False, lines=True, seed="LETTER_COPY_TO"),
    Particular(
        "contact",
        "The Cell's contact line",
        300,
        required=False,
        example="PAR Cell, Haryana Civil Secretariat, Chandigarh · 0172-2740000 · parcell@hry.gov.in",
    ),
    # The courses iGOT's reports are read against (services.reconciliation); left empty, those the report marks
    # as mandated (Live_CBP_Plan_Mandate).
    Particular(
        "prescribed_courses",
        "iGOT courses prescribed for officers (one a line, as iGOT names them)",
        3000,
        required=False,
        lines=True,
        example="Empty: the courses iGOT's report marks as mandated",
    ),
    Particular(
        "one_person_office",
        "One-person office: whoever prepares a letter may also approve it",
        3,
        required=False,
        yes_no=True,
    ),
)

# A letter's body, the clerk's own words or the office's standard words for its kind of acknowledgement.
BODY_MAX_LEN = 5000
BODY_PLACEHOLDERS = ("reference_no", "memo_dated", "issued_by", "by_deadline")


def body_setting(kind_name: str) -> str:
    """The setting that holds the office's standard words for letters of this kind of acknowledgement."""
    return f"body_{kind_name}"


PARTICULARS += tuple(
    Particular(
        body_setting(kind.name),
        f"Standard words of a letter asking officers to confirm {kind.confirms}",
        BODY_MAX_LEN,
        required=False,
        lines=True,
        placeholders=BODY_PLACEHOLDERS,
        hint="Empty: Pavati's standard words. {reference_no}, {memo_dated} and {issued_by} name the memo; "
        "{by_deadline} is “ by 25th March, 2026” where the letter has a deadline. A blank line starts a paragraph.",
    )
    for kind in kinds.KINDS.values()
)
BY_NAME = {p.name: p for p in PARTICULARS}


def prescribed_courses(session: DbSession) -> list[str]:
    """The iGOT courses the Cell prescribes, one a line in its settings (empty: it names none)."""
    lines = particulars(session)["prescribed_courses"].splitlines()
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def _from_environment() -> dict[str, str]:
    config = current_app.config
    return {p.name: str(config.get(p.seed) or "") if p.seed else "" for p in PARTICULARS}


def _kept(session: DbSession) -> Office:
    """The settings' row, made from the environment's values the first time an admin changes anything.
    Reading never writes: officers' pages read the settings, and must not queue behind one another."""
    office = session.get(Office, 1)
    if office is None:
        office = Office(id=1, particulars=_from_environment())
        session.add(office)
        session.flush()
    return office


def particulars(session: DbSession) -> dict[str, str]:
    """Every setting's value (empty where unset), for forms, letters and pages: until an admin has set them,
    the environment's LETTER_* values."""
    office = session.get(Office, 1)
    kept = office.particulars if office is not None else _from_environment()
    return {p.name: str(kept.get(p.name) or "") for p in PARTICULARS}


def save(session: DbSession, given: Mapping[str, Any], actor_id: int | None) -> Office:
    """Change the settings `given` names (each checked; nothing is changed if one is wrong), audited."""
    office = _kept(session)
    now = particulars(session)
    changes = {}
    for name in given.keys() & BY_NAME.keys():
        value = BY_NAME[name].read(given)
        if value != now[name]:
            changes[name] = [now[name], value]
            now[name] = value
    if changes:
        office.particulars = now
        office.updated_by_id = actor_id
        audit.record(session, "office.updated", "office", office.id, actor_id, changes=changes)
    return office


def emblem_format(data: bytes) -> str:
    """The emblem's format ("PNG" or "JPEG") read from its bytes, or Invalid saying what is wrong."""
    if len(data) > EMBLEM_MAX_BYTES:
        raise Invalid(f"The emblem must be at most {EMBLEM_MAX_BYTES // 1024} KB.", "emblem")
    try:
        # The header first, so that a decompression bomb is refused before any pixel is decoded.
        with Image.open(io.BytesIO(data)) as image:
            kind, size = image.format, image.size
            if kind not in EMBLEM_FORMATS:
                raise Invalid("The emblem must be a PNG or JPEG image.", "emblem")
            if max(size) > EMBLEM_MAX_PIXELS:
                raise Invalid(f"The emblem must be at most {EMBLEM_MAX_PIXELS} pixels wide and high.", "emblem")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid("The emblem must be a PNG or JPEG image.", "emblem") from None
    return str(kind)


def set_emblem(session: DbSession, data: bytes | None, actor_id: int | None) -> Office:
    """Keep `data` as the office's emblem (checked by its bytes), or remove the emblem with None; audited."""
    office = _kept(session)
    sha = None
    if data is not None:
        emblem_format(data)
        sha = files.store(data, EMBLEM_SUFFIX)
    if sha != office.emblem_sha256:
        office.emblem_sha256 = sha
        office.updated_by_id = actor_id
        audit.record(session, "office.emblem", "office", office.id, actor_id, emblem_sha256=sha)
    return office


def emblem_sha256(session: DbSession) -> str | None:
    """The stored emblem's digest, or None when the office has none."""
    return session.scalar(sa.select(Office.emblem_sha256).where(Office.id == 1))


def emblem(session: DbSession) -> tuple[bytes, str] | None:
    """The emblem's bytes and media type, or None when the office has none."""
    sha = emblem_sha256(session)
    if sha is None:
        return None
    data = files.load(sha, EMBLEM_SUFFIX)
    # Checked whole when it was stored (emblem_format): its header says what it is.
    with Image.open(io.BytesIO(data)) as image:
        return data, EMBLEM_FORMATS[str(image.format)]
