"""Reading iGOT Karmayogi's "All Reports" export (its password-protected ZIP, or the CSVs themselves), streamed."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import IO

import stream_unzip

from services.errors import Invalid
from services.roster_file import plain_heading

# The export's reports Pavati reads, by the names the portal gives them; the ZIP's other reports are skipped.
USERS, CONSUMPTION, ASSESSMENT = "UserReport.csv", "ConsumptionReport.csv", "UserAssessmentReport.csv"
# A real 500,000-row consumption report unpacks to ~160 MB and compresses ~10-40:1; a zip bomb ~1000:1.
# The ratio is judged once a member has unpacked RATIO_FLOOR, so that small files may compress as they like.
MAX_RATIO = 200
RATIO_FLOOR = 10 * 1024 * 1024
CHUNK = 64 * 1024

# Where a course stands for an officer, ordered: a course in several batches counts by the furthest.
NOT_STARTED, IN_PROGRESS, COMPLETED = 0, 1, 2
STATUSES = {"not-enrolled": NOT_STARTED, "not-started": NOT_STARTED, "in-progress": IN_PROGRESS, "completed": COMPLETED}
PASSED = {"pass", "passed", "completed", "complete", "yes", "true", "cleared"}
COMPREHENSIVE_ASSESSMENT = "comprehensive assessment"

TOO_BIG = (
    "The archive unpacks to far more than any iGOT export (a zip bomb?), or beyond the limit of {limit} MB; "
    "nothing was read."
)
# Messages, not passwords:
WRONG_PASSWORD = "The password is wrong: type the password the portal showed when the report was downloaded."  # noqa: S105
NEEDS_PASSWORD = "The ZIP is protected with a password: type the password the portal showed at the download."  # noqa: S105
MASKED = (
    "{name} masks the email domains (name@***.***), so it cannot show whose iGOT email differs. Download the "
    "report again as the MDO admin, with the emails in full."
)
DAMAGED = "The ZIP is damaged or incomplete ({what}); download the report again."
NOT_A_REPORT = "{name} is not one of iGOT's reports: it has no Email column (or is not a CSV)."


@dataclass(frozen=True)
class IgotUser:
    """One user of iGOT as its user report gives them, with the keys Pavati matches officers by."""

    email: str  # trimmed, lower-cased: as compared
    shown: str  # as the report spells it
    mobile: str  # the last 10 digits, or ""
    name_key: str  # letters and digits of the name, lower-cased
    name: str
    batch: int | None


@dataclass
class Report:
    """What an export says: its users, each user's courses and whether they passed the Comprehensive
    Assessment, which courses the report marks as mandated, and when the portal made it."""

    users: list[IgotUser] = field(default_factory=list)
    courses: dict[str, dict[str, int]] = field(default_factory=dict)  # email -> {course: status}
    mandated: set[str] = field(default_factory=set)
    course_names: set[str] = field(default_factory=set)
    assessed: set[str] = field(default_factory=set)  # emails that passed the Comprehensive Assessment
    generated: str = ""  # Report_Last_Generated_On, as the portal writes it
    read: list[str] = field(default_factory=list)  # the reports read, by name

    def generated_at(self) -> datetime | None:
        """The report's generation time as the portal gives it (the office's local time, without a zone)."""
        try:
            return datetime.fromisoformat(self.generated) if self.generated else None
        except ValueError:
            return None


class _Budget:
    """Counts what an upload unpacks to, and refuses past `limit` bytes in all, or a member that unpacks
    more than MAX_RATIO times what it took from the archive (checked as the bytes come, not from headers)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken = 0  # bytes read from the upload
        self.unpacked = 0
        self._member_taken = 0
        self._member_unpacked = 0

    def member(self) -> None:
        self._member_taken, self._member_unpacked = self.taken, 0

    def unpack(self, size: int) -> None:
        self.unpacked += size
        self._member_unpacked += size
        compressed = max(self.taken - self._member_taken, 1)
        too_dense = self._member_unpacked > RATIO_FLOOR and self._member_unpacked > MAX_RATIO * compressed
        if self.unpacked > self.limit or too_dense:
            raise Invalid(TOO_BIG.format(limit=self.limit // (1024 * 1024)), "file")

    def counted(self, upload: IO[bytes]) -> Iterator[bytes]:
        while chunk := upload.read(CHUNK):
            self.taken += len(chunk)
            yield chunk


class _Chunks(io.RawIOBase):
    """A stream over an iterator of byte chunks, so that a ZIP member is read as a file, never held whole."""

    def __init__(self, chunks: Iterator[bytes], budget: _Budget) -> None:
        self._chunks, self._budget = chunks, budget
        self._chunk, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._at >= len(self._chunk):
            try:
                self._chunk, self._at = next(self._chunks), 0
            except StopIteration:
                return 0
            self._budget.unpack(len(self._chunk))
        size = min(len(buffer), len(self._chunk) - self._at)
        buffer[:size] = self._chunk[self._at : self._at + size]
        self._at += size
        return size


def read_export(uploads: Iterable[tuple[str, IO[bytes]]], password: str | None, limit: int) -> Report:
    """Everything the uploads say: each the export's ZIP (told by its bytes) or one of its CSVs.

    `limit` caps the bytes all of them unpack to. Invalid, with a reason fit to show, for a wrong password,
    a damaged archive, a zip bomb, a masked export, a file that is no iGOT report, or no user report."""
    report = Report()
    for name, upload in uploads:
        budget = _Budget(limit)
        head = upload.read(4)
        upload.seek(0)
        if head == b"PK\x03\x04":
            _read_zip(upload, password, budget, report)
        else:
            budget.member()
            _read_csv(_report_named(name) or "", name, iter(budget.counted(upload)), budget, report)
    if USERS not in report.read:
        raise Invalid(f"The upload has no {USERS} (the list of iGOT users); upload the portal's ZIP as it is.", "file")
    return report


def check_password(uploads: Iterable[tuple[str, IO[bytes]]], password: str | None) -> None:
    """Invalid now if a ZIP among the uploads needs a password not given, or refuses the one given: its first
    member's first bytes are enough (ZipCrypto checks a byte of its header), so that a large upload read in
    the background is refused at once rather than after."""
    for _, upload in uploads:
        if upload.read(4) == b"PK\x03\x04":
            upload.seek(0)
            try:
                for _, _, chunks in stream_unzip.stream_unzip(_Budget(0).counted(upload), password=_secret(password)):
                    next(chunks, None)
                    break
            except stream_unzip.MissingPasswordError:
                raise Invalid(NEEDS_PASSWORD, "password") from None
            except stream_unzip.IncorrectPasswordError:
                raise Invalid(WRONG_PASSWORD, "password") from None
            except stream_unzip.UnzipError as exc:
                raise Invalid(DAMAGED.format(what=type(exc).__name__), "file") from None
        upload.seek(0)


def _report_named(name: str) -> str | None:
    """Which of the reports Pavati reads a file is, by its name (in any folder, any case)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return next((known for known in (USERS, CONSUMPTION, ASSESSMENT) if known.lower() == base), None)


def _read_zip(upload: IO[bytes], password: str | None, budget: _Budget, report: Report) -> None:
    secret = _secret(password)
    try:
        for raw_name, _, chunks in stream_unzip.stream_unzip(budget.counted(upload), password=secret):
            name = raw_name.decode("utf-8", "replace")
            budget.member()
            which = _report_named(name)
            if which:
                _read_csv(which, name, chunks, budget, report)
            for chunk in chunks:  # what is left of a member (or one not read) is unpacked and counted all the same
                budget.unpack(len(chunk))
    except stream_unzip.MissingPasswordError:
        raise Invalid(NEEDS_PASSWORD, "password") from None
    except (stream_unzip.IncorrectPasswordError, stream_unzip.CRC32IntegrityError):
        # ZipCrypto's check byte lets 1 wrong password in 256 through; the CRC of what it unpacks then fails.
        raise Invalid(WRONG_PASSWORD if secret else DAMAGED.format(what="a checksum fails"), "password") from None
    except stream_unzip.UnzipError as exc:
        raise Invalid(DAMAGED.format(what=type(exc).__name__), "file") from None


def _secret(password: str | None) -> bytes | None:
    return password.encode() if password else None


def _read_csv(which: str, name: str, chunks: Iterator[bytes], budget: _Budget, report: Report) -> None:
    """Read one report row by row, its columns found by their headings whatever their order or spelling."""
    text = io.TextIOWrapper(io.BufferedReader(_Chunks(chunks, budget), CHUNK), encoding="utf-8-sig", newline="")
    rows = csv.reader(text)
    try:
        header = [plain_heading(cell) for cell in next(rows, [])]
        which = which or _report_by_header(header, name)
        columns = {heading: index for index, heading in reversed(list(enumerate(header)))}
        if "email" not in columns:
            raise Invalid(NOT_A_REPORT.format(name=name), "file")
        if which == USERS:
            _read_users(rows, columns, name, report)
        elif which == CONSUMPTION:
            _read_consumption(rows, columns, name, report)
        else:
            _read_assessment(rows, columns, name, report)
    except UnicodeDecodeError:
        raise Invalid(f"{name} is not text in UTF-8; upload the file as the portal gave it.", "file") from None
    except csv.Error as exc:
        raise Invalid(f"Line {rows.line_num} of {name} cannot be read as CSV: {exc}.", "file") from None
    report.read.append(which)


def _report_by_header(header: list[str], name: str) -> str:
    """Which report a CSV uploaded under another name is, by its columns."""
    if "contentname" in header and "status" in header:
        return CONSUMPTION
    if any("assessment" in heading for heading in header):
        return ASSESSMENT
    if "email" in header and "fullname" in header:
        return USERS
    raise Invalid(NOT_A_REPORT.format(name=name), "file")


def _cell(row: list[str], columns: dict[str, int], heading: str) -> str:
    index = columns.get(heading)
    return row[index].strip() if index is not None and index < len(row) else ""


def _email(row: list[str], columns: dict[str, int], name: str) -> str:
    email = _cell(row, columns, "email")
    if "*" in email.partition("@")[2]:
        raise Invalid(MASKED.format(name=name), "file")
    return email


def mobile_key(number: str) -> str:
    """A mobile number as compared: its last 10 digits (without +91 or a leading 0), or "" if it has fewer."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits[-10:] if len(digits) >= 10 else ""


def name_key(name: str) -> str:
    """A name as compared: its letters and digits, lower-cased ("Kavita  GARG" is "kavitagarg")."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _batch(text: str) -> int | None:
    return int(text) if text.isdigit() and 1950 <= int(text) <= 2100 else None


def _read_users(rows: Iterator[list[str]], columns: dict[str, int], name: str, report: Report) -> None:
    for row in rows:
        shown = _email(row, columns, name)
        if not shown:
            continue
        full_name = _cell(row, columns, "fullname")
        report.users.append(
            IgotUser(
                email=shown.lower(),
                shown=shown,
                mobile=mobile_key(_cell(row, columns, "phonenumber")),
                name_key=name_key(full_name),
                name=full_name[:200],
                batch=_batch(_cell(row, columns, "cadrebatch")),
            )
        )
        report.generated = report.generated or _cell(row, columns, "reportlastgeneratedon")[:40]


def _read_consumption(rows: Iterator[list[str]], columns: dict[str, int], name: str, report: Report) -> None:
    """Each user's courses. The report's bulk (10 rows an officer): its four columns are picked at once, and what
    each course name says (trimmed, the Comprehensive Assessment or not) is worked out once per name."""
    at = [columns.get(heading, len(columns)) for heading in ("email", "contentname", "status", "livecbpplanmandate")]
    pick, width = itemgetter(*at), max(at) + 1  # a missing column is read from the padding: ""
    courses: dict[str, tuple[str, bool]] = {}  # as written -> (trimmed, is the Comprehensive Assessment)
    for row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        email, course, status, mandate = pick(row)
        email = email.strip().lower()
        if "*" in email:
            raise Invalid(MASKED.format(name=name), "file")
        if not email or not course.strip():
            continue
        if course not in courses:
            courses[course] = (course.strip(), COMPREHENSIVE_ASSESSMENT in course.lower())
        course, assessment = courses[course]
        level = STATUSES[status] if status in STATUSES else STATUSES.get(status.strip().lower(), NOT_STARTED)
        theirs = report.courses.get(email) or report.courses.setdefault(email, {})
        if level >= theirs.get(course, NOT_STARTED):
            theirs[course] = level
        if mandate and course not in report.mandated and mandate.strip().lower() in ("true", "yes", "1", "y"):
            report.mandated.add(course)
        if assessment and level == COMPLETED:
            report.assessed.add(email)
    report.course_names.update(trimmed for trimmed, _ in courses.values())


def _read_assessment(rows: Iterator[list[str]], columns: dict[str, int], name: str, report: Report) -> None:
    """The assessment report: who passed the Comprehensive Assessment (a row naming it, with a passing status)."""
    titles = [h for h in ("assessmentname", "contentname", "coursename", "name") if h in columns]
    verdicts = [h for h in columns if h in ("status", "result", "pass", "passfail") or h.endswith("status")]
    for row in rows:
        email = _email(row, columns, name).lower()
        title = " ".join(_cell(row, columns, h) for h in titles).lower()
        passed = any(_cell(row, columns, h).lower() in PASSED for h in verdicts)
        if email and passed and (COMPREHENSIVE_ASSESSMENT in title or not titles):
            report.assessed.add(email)
