"""The JSON API's requests and answers as pydantic models: they check what comes in and make the OpenAPI document."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from werkzeug.datastructures import FileStorage

from models.reconciliation import RESULTS
from services import fields, intake, kinds, office, roster
from services.igot_findings import CHANGED

# Limits are the services' own (they check them again for the pages and the CLI): never written here.
LETTER_LIMITS = {name: office.BY_NAME[name].max_len for name in ("addressee", "signatory_title", "copy_to")}
LETTER_LIMITS |= {"file_no": office.BY_NAME["file_no"].max_len, "signatory": office.BY_NAME["signatory_name"].max_len}

AckKind = StrEnum("AckKind", {name: name for name in kinds.KINDS})  # type: ignore[misc]
SortBy = StrEnum("SortBy", {name: name for name in roster.SORTS})  # type: ignore[misc]
Export = StrEnum("Export", {"csv": "csv", "xlsx": "xlsx"})  # type: ignore[misc]


def _blank_is_none(value: Any) -> Any:
    """A form or query field sent empty means not sent."""
    return None if value == "" else value


Upload = Annotated[FileStorage, WithJsonSchema({"type": "string", "format": "binary"})]
FormDate = Annotated[date | None, BeforeValidator(_blank_is_none)]
Year = Annotated[Annotated[int, Field(ge=fields.YEARS[0], le=fields.YEARS[-1])] | None, BeforeValidator(_blank_is_none)]
QueryInt = Annotated[Annotated[int, Field(ge=1, le=999_999)] | None, BeforeValidator(_blank_is_none)]


def _text(limit: int, *, required: bool = False) -> Any:
    return Field(... if required else None, max_length=limit)


class Request(BaseModel):
    """What a call sends. Numbers are taken as text where text is asked, as the services always took them."""

    model_config = ConfigDict(coerce_numbers_to_str=True, arbitrary_types_allowed=True)


class Query(Request):
    """A query string: a name the call does not know is refused (a typo would otherwise pass as "no filter")."""

    model_config = ConfigDict(extra="forbid")


class Page(Query):
    page: int = Field(1, ge=1, le=999_999)


class CircularQuery(Page):
    q: str = Field("", max_length=200, description="words of the number, the subject or the memo's text")
    year: Year = None
    office: str = Field("", max_length=200, description="the issuing office")
    endorsed: Annotated[Literal["yes", "no"] | None, BeforeValidator(_blank_is_none)] = None


class OfficerQuery(Page):
    q: str = ""
    service: str = ""
    cadre: str = ""
    batch: QueryInt = None
    active: Annotated[str, Field(pattern="^[01]?$")] = ""
    bounced: Annotated[str, Field(pattern="^[01]?$")] = ""
    sort: SortBy = SortBy("name")
    format: Export | None = Field(None, description="the whole list as a spreadsheet instead")


class RecipientQuery(Page):
    state: str = Field("", max_length=32, description="pending, acknowledged, one of the kind's states, by_hand...")
    q: str = Field("", max_length=200, description="a part of a name or email")
    format: Export | None = Field(None, description="all of them as a spreadsheet instead")


class ImportQuery(Query):
    dry_run: bool = Field(False, description="only say what importing would do")


class FileForm(Request):
    file: Upload


class CircularForm(FileForm):
    """The memo, and what is not to be read off it (dates ISO)."""

    reference_no: str | None = _text(intake.LIMITS["reference_no"])
    dated: FormDate = None
    issued_by: str | None = _text(intake.LIMITS["issued_by"])
    subject: str | None = _text(intake.LIMITS["subject"])
    diary_no: str | None = _text(intake.LIMITS["diary_no"])
    received_on: FormDate = None


class OfficerFields(Request):
    identity_no: str | None = _text(roster.LIMITS["identity_no"])
    name: str | None = _text(roster.LIMITS["name"])
    service: str | None = _text(roster.LIMITS["service"])
    cadre: str | None = _text(roster.LIMITS["cadre"])
    batch: str | None = Field(None, description="the year of allotment")
    designation: str | None = _text(roster.LIMITS["designation"])
    posting: str | None = _text(roster.LIMITS["posting"])
    sparrow_email: str | None = _text(roster.LIMITS["sparrow_email"])
    mobile: str | None = _text(roster.LIMITS["mobile"])
    igot_email: str | None = _text(roster.LIMITS["igot_email"])


class NewOfficer(OfficerFields):
    name: str = _text(roster.LIMITS["name"], required=True)
    sparrow_email: str = _text(roster.LIMITS["sparrow_email"], required=True)


class OfficerChange(OfficerFields):
    """The fields to change; `active` deactivates or reactivates."""

    active: StrictBool | None = None


class Letter(Request):
    """A letter's particulars; what a new one is not given comes from the office's settings."""

    file_no: str | None = _text(LETTER_LIMITS["file_no"])
    dated: date | None = None
    addressee: str | None = _text(LETTER_LIMITS["addressee"])
    body: str | None = _text(office.BODY_MAX_LEN)
    signatory: str | None = _text(LETTER_LIMITS["signatory"])
    signatory_title: str | None = _text(LETTER_LIMITS["signatory_title"])
    copy_to: str | list[StrictStr] | None = Field(
        None, max_length=LETTER_LIMITS["copy_to"], description="offices, one a line"
    )
    ack_kind: AckKind | None = None
    deadline: date | None = None


class Revision(Request):
    revision: StrictInt | None = Field(None, description="the draft's revision as read: 409 if it changed since")


class ReminderChoice(Request):
    recipient_ids: list[StrictInt] | None = Field(None, description="only these (if still pending); all if left out")


class ReminderSchedule(Request):
    """Remind pending officers every `every_days` days until the deadline, at most `at_most` rounds; nulls: off."""

    every_days: StrictInt | None
    at_most: StrictInt | None


# The answers.


class Error(BaseModel):
    """A 4xx: what went wrong in plain words, the field at fault, and ids a program may act on."""

    model_config = ConfigDict(extra="allow")

    error: str
    field: str | None = None


class Circular(BaseModel):
    id: int
    reference_no: str
    dated: date
    issued_by: str
    subject: str
    diary_no: str
    received_on: date
    pdf_sha256: str
    pages: int
    filename: str
    registered_at: datetime
    endorsements: list[int]
    confidence: dict[str, float] = Field(description="how sure the reading was of each particular kept as read")


class Officer(BaseModel):
    # Every field is the roster entry's own column, read off the ORM object by pydantic.
    model_config = ConfigDict(from_attributes=True)

    id: int
    identity_no: str | None
    name: str
    service: str | None
    cadre: str | None
    batch: int | None
    designation: str | None
    posting: str | None
    sparrow_email: str
    mobile: str | None
    igot_email: str | None
    active: bool
    email_bounced_at: datetime | None
    email_bounce_reason: str | None


class OfficerWithHistory(Officer):
    earlier_emails: list[str]


class Reminders(BaseModel):
    rounds: int
    every_days: int | None
    at_most: int | None


class Endorsement(BaseModel):
    id: int
    circular_id: int
    file_no: str
    dated: date
    addressee: str
    body: str
    signatory: str
    signatory_title: str
    copy_to: list[str]
    ack_kind: str
    deadline: date | None
    status: str
    submitted_at: datetime | None
    supersedes: int | None
    superseded_by: int | None
    revision: int
    issued_at: datetime | None
    pdf_sha256: str | None
    signed_by: str | None
    verify_url: str | None
    counts: dict[str, int] = Field(description="recipients by sending status, answer, state and flag")
    sending: str
    progress: dict[str, int | None] = Field(description="emails by status, per_minute, eta_seconds")
    reminders: Reminders


class Delivery(BaseModel):
    status: str
    attempts: int
    last_error: str | None
    kind: str
    round: int
    is_reminder: bool
    sent_at: datetime | None


class Recipient(BaseModel):
    id: int
    officer_id: int
    name: str
    email: str
    state: str
    response: str | None
    igot_email: Any = None
    details: dict[str, Any]
    flag: str | None
    by_hand: bool
    reason: str | None = Field(None, description="why staff recorded the answer by hand")
    resolution: str | None
    acknowledged_at: datetime | None
    delivery: Delivery | None


class Listing(BaseModel):
    total: int
    page: int


class Circulars(Listing):
    items: list[Circular]


class Officers(Listing):
    items: list[Officer]


class Recipients(Listing):
    items: list[Recipient]


class Suggested(BaseModel):
    value: str
    confidence: float


class Extracted(BaseModel):
    pages: int
    ocr_pages: list[int]
    ocr_seconds: float
    suggestions: dict[str, Suggested]


class RowError(BaseModel):
    row: int
    message: str


class ImportDetails(BaseModel):
    create: list[dict[str, Any]]
    update: list[dict[str, Any]]


class Imported(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]
    details: ImportDetails


class Queued(BaseModel):
    recipients: int


class Requeued(BaseModel):
    deliveries: int


class ReconciliationForm(Request):
    """iGOT's export: the ZIP (or its CSVs, each as another `file`), and the password shown at its download."""

    file: Upload
    password: str | None = _text(200)


Reconciled = StrEnum("Reconciled", {name: name for name in (*RESULTS, CHANGED)})  # type: ignore[misc]


class ReconciledQuery(Page):
    result: Annotated[Reconciled | None, BeforeValidator(_blank_is_none)] = None
    format: Export | None = Field(None, description="all of them as a spreadsheet instead")


class Reconciliation(BaseModel):
    id: int
    status: str
    reason: str | None
    filename: str
    report_generated_at: datetime | None
    counts: dict[str, int]
    prescribed: list[str]
    prescribed_by: str | None
    previous_id: int | None
    created_by: int | None
    created_at: datetime
    finished_at: datetime | None


class Reconciliations(Listing):
    items: list[Reconciliation]


class Courses(BaseModel):
    completed: int
    in_progress: int
    not_started: int
    all_done: bool


class ReconciledOfficer(BaseModel):
    officer_id: int
    name: str
    result: str
    matched_by: str | None
    to_confirm: bool
    sparrow_email: str
    igot_email: str | None
    igot_name: str | None
    candidates: int
    courses: Courses
    assessment_done: bool
    was: str | None


class ReconciledOfficers(Listing):
    items: list[ReconciledOfficer]


class Document(RootModel[dict[str, Any]]):
    """This OpenAPI document."""
