"""Reading an uploaded roster file, a CSV or an Excel workbook, into its header and its rows as text."""

import codecs
import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from services.errors import Invalid

MAX_ROWS = 50_000
MAX_COLUMNS = 100

# An .xlsx is a zip of XML parts: a 50,000-row roster unpacks to ~25 MB. A crafted one can claim
# gigabytes, so it is measured from its directory before anything is unpacked.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 1_000
MAX_RATIO = 200  # real parts compress ~5-20:1; a run of zeros ~1000:1
RATIO_FLOOR = 10 * 1024 * 1024  # small parts may compress as they like
# calamine lays a sheet out as the whole rectangle from A1 to its farthest cell (~30 bytes a cell), and
# reserves room for as many shared strings as the workbook declares: a 10 KB file with one cell at
# XFD1048576, or uniqueCount="4000000000", makes it abort the whole process. Both are checked first.
MAX_CELLS = 10_000_000

SNIFF_CHARS = 4096

NOT_A_ROSTER = "The file is neither a CSV nor an Excel workbook (.xlsx)."
OLD_EXCEL = (
    "The file is an old-style Excel workbook (.xls) or a password-protected one; "
    "save it as an Excel workbook (.xlsx) without a password, or as CSV."
)
DAMAGED = "The workbook is damaged and cannot be read; open it in Excel, save it again and upload that copy."
TOO_BIG = "The workbook is far larger inside than any roster; copy the roster into a new workbook and upload that."
UNREADABLE_TEXT = (
    'The file\'s characters cannot be read; save it from Excel as "CSV UTF-8" or as an Excel workbook (.xlsx).'
)

FIELDS: dict[str, tuple[str, ...]] = {
    "identity_no": ("Identity No.", "Identity Number", "Identity", "ID No.", "ID Number", "ID", "identity_no"),
    "name": ("Name of Officer", "Name of the Officer", "Officer Name", "Officer's Name", "Name", "Full Name"),
    "service": ("Service",),
    "cadre": ("Cadre", "Cadre State"),
    "batch": ("Batch", "Allotment Year", "Year of Allotment", "Batch Year"),
    "designation": ("Designation", "Present Designation", "Current Designation"),
    "posting": ("Present Posting", "Posting", "Current Posting", "Place of Posting"),
    "sparrow_email": (
        "Email ID (SPARROW)",
        "SPARROW Email",
        "SPARROW Email ID",
        "Email",
        "Email ID",
        "E-mail",
        "E mail",
        "Email Address",
        "sparrow_email",
    ),
    "mobile": ("Mobile No.", "Mobile", "Mobile Number", "Phone_Number", "Phone", "Phone No.", "Contact No."),
    "igot_email": ("iGOT Email", "iGOT Email ID", "Email (iGOT)", "Email ID (iGOT)", "igot_email"),
}
# A serial-number column numbers the lines of the list; it is never an officer's field.
SERIAL_NUMBER = ("S.No.", "Sl. No.", "Sr. No.", "Serial No.")


def plain_heading(header: str) -> str:
    """A header as compared: lower case, letters and digits only, so "Email ID (SPARROW)" is "emailidsparrow"."""
    return "".join(ch for ch in header.lower() if ch.isalnum())


_FIELD_OF = {plain_heading(word): field for field, words in FIELDS.items() for word in words}
_SERIAL = {plain_heading(word) for word in SERIAL_NUMBER}


@dataclass(frozen=True)
class Sheet:
    """A roster file's columns as it names them, and its rows as strings,
    each with its row number as the spreadsheet shows it."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def guess_mapping(header: list[str]) -> dict[int, str]:
    """Which officer field each column holds (column index -> field), for the columns whose header names one.

    A header that is one of FIELDS's words beats one that only mentions a field ("Email (Personal)");
    among equals the first column wins, and each field is taken once."""
    words = [plain_heading(cell) for cell in header]
    mapping: dict[int, str] = {}
    for guess in (_FIELD_OF.get, _mentioned_field):
        for index, word in enumerate(words):
            field = guess(word)
            if field and index not in mapping and field not in mapping.values() and word not in _SERIAL:
                mapping[index] = field
    return dict(sorted(mapping.items()))


def _mentioned_field(word: str) -> str | None:
    """The field a header plainly mentions though it is not one of FIELDS's words, e.g. "Official E-mail"."""
    if "mail" in word:
        # The iGOT address is a second address; only the SPARROW one receives the letters.
        return "igot_email" if "igot" in word else "sparrow_email"
    if "mobile" in word or "phone" in word:
        return "mobile"
    if "designation" in word:
        return "designation"
    return None


def read_sheet(data: bytes, max_rows: int = MAX_ROWS) -> Sheet:
    """The header and rows of a roster file, told apart by content: an Excel workbook, or CSV in a common encoding."""
    lines = _workbook_lines(data) if data.startswith(b"PK\x03\x04") else _csv_lines(_text(data))
    return _sheet(lines, max_rows)


def _sheet(lines: Iterator[tuple[int, list[str]]], max_rows: int) -> Sheet:
    """The first row with anything in it is the header; blank rows are skipped but keep their numbers."""
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, cells in lines:
        if not header:
            header = _header(cells)
            continue
        # Cells beyond the header have no column to go to; missing ones are empty.
        if len(cells) != len(header):
            cells = (cells + [""] * len(header))[: len(header)]
        if not any(cells):
            continue
        if len(rows) == max_rows:
            raise Invalid(
                f"The file has more than {max_rows:,} rows; split it into files of {max_rows:,} rows or fewer "
                "and import each.",
                "file",
            )
        rows.append((number, cells))
    if not header:
        raise Invalid("The file is empty.", "file")
    return Sheet(header, rows)


def _header(cells: list[str]) -> list[str]:
    """The header row without the empty cells after its last heading (a blank one returns empty)."""
    while cells and not cells[-1]:
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        raise Invalid(f"The header row has {len(cells)} columns; a roster may have at most {MAX_COLUMNS}.", "file")
    return cells


# CSV


def _text(data: bytes) -> str:
    """The file as text: UTF-8 (with or without its mark), UTF-16 with its mark, or else Windows' own cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16")
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the container of .xls files and of encrypted .xlsx
        raise Invalid(OLD_EXCEL, "file")
    # Text has no NUL bytes outside UTF-16; PDFs, images and other binaries do.
    if b"\x00" in data or data.startswith(b"%PDF"):
        raise Invalid(NOT_A_ROSTER, "file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(data, "cp1252")  # "CSV (Comma delimited)" from Excel on Windows


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise Invalid(UNREADABLE_TEXT, "file") from None


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with its number: a blank line is a (blank) record, as in Excel."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for number, record in enumerate(reader, 1):
            yield number, list(map(str.strip, record))
    except csv.Error as exc:
        raise Invalid(f"Line {reader.line_num} of the file cannot be read as CSV: {exc}.", "file") from None


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab (copied from a sheet).

    The sniffer's guess must occur in the header; otherwise the one the header has most of is taken."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    header = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header:
        return sniffed
    return max(",;\t", key=header.count)  # a one-column file: comma


# Excel

# A cell placed, by its first attribute, within the first 99,999 rows and 100 columns (A to CV). When every
# cell is so placed the sheet spans at most MAX_CELLS (a row's own number only places cells that give none),
# and this one search is all a real roster costs; anything else (even a cell written <x:c>) is measured in full.
_ELSEWHERE_CELL = re.compile(rb'<c(?=[\s/>])(?! r="(?:[A-Za-z]|[ABab][A-Za-z]|[Cc][A-Va-v])[0-9]{1,5}")')
_PREFIXED_CELL = re.compile(rb":c(?=[\s/>])")
# Where a cell or row says it is: r="XFD1048576" on a cell, r="70000" on a row (calamine reads no other).
_PLACE_ROW = re.compile(rb"""\sr\s*=\s*["'][A-Za-z]*([0-9]+)["']""")
_PLACE_COLUMN = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)[0-9]*["']""")
# A cell that does not start by saying where it is: calamine puts it after the cell before.
_UNPLACED_CELL = re.compile(rb"""<(?:[\w.-]+:)?c(?=[\s/>])(?!\s+r\s*=\s*["'][A-Za-z]+[0-9]+["'])""")
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_ROW_END = re.compile(rb"</(?:[\w.-]+:)?row\s*>")
_UNIQUE_COUNT = re.compile(rb"""\suniqueCount\s*=\s*["']\s*\+?([0-9]+)""")


def _workbook_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The first visible worksheet's rows, numbered as Excel numbers them."""
    _check_workbook(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        table = book.get_sheet_by_index(_first_visible(book)).iter_rows()  # from row 1, the first filled column on
    except CalamineError as exc:
        raise Invalid(
            f"The workbook cannot be read ({exc}); open it in Excel, save it again and upload that copy.", "file"
        ) from None
    for number, row in enumerate(table, 1):
        yield number, [value.strip() if type(value) is str else _cell_text(value) for value in row]


def _first_visible(book: CalamineWorkbook) -> int:
    for index, sheet in enumerate(book.sheets_metadata):
        if sheet.visible == SheetVisibleEnum.Visible and sheet.typ == SheetTypeEnum.WorkSheet:
            return index
    raise Invalid("The workbook has no visible worksheet.", "file")


def _cell_text(value: object) -> str:
    """A cell as the clerk typed it: 2015 and 9876543210 rather than 2015.0, dates as 2015-08-01."""
    if type(value) is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _check_workbook(data: bytes) -> None:
    """Refuse what would make calamine unpack or allocate without bound, and zips that are not workbooks."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            # The sizes are the directory's word; calamine, like zipfile, stops at a part's stated size.
            if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
                raise Invalid(TOO_BIG, "file")
            if any(part.file_size > max(RATIO_FLOOR, MAX_RATIO * part.compress_size) for part in parts):
                raise Invalid(TOO_BIG, "file")
            names = {part.filename for part in parts}
            if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
                raise Invalid(NOT_A_ROSTER, "file")  # a Word document, an OpenDocument sheet, a plain zip
            for part in parts:
                _check_part(archive.read(part))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError):
        # A broken zip (its directory pointing nowhere), a part that fails its checksum, an unknown
        # compression, an encrypted part.
        raise Invalid(DAMAGED, "file") from None


def _check_part(xml: bytes) -> None:
    """Refuse a part that would make calamine reserve memory beyond MAX_CELLS."""
    if b"uniqueCount" in xml and any(int(count) > MAX_CELLS for count in _UNIQUE_COUNT.findall(xml)):
        raise Invalid(TOO_BIG, "file")
    if b"sheetData" not in xml:
        return
    elsewhere = _ELSEWHERE_CELL.search(xml) or _PREFIXED_CELL.search(xml)
    if elsewhere and _cells_laid_out(xml) > MAX_CELLS:
        raise Invalid(
            "The worksheet reaches too far (a value typed far below or to the right of the roster?); "
            "copy the roster alone into a new workbook and upload that.",
            "file",
        )


def _cells_laid_out(xml: bytes) -> int:
    """At most how many cells calamine lays out for this worksheet: rows times columns up to the farthest cell.

    Over-counts rather than under: every row may add one, as a row that gives no number follows the one
    before; and every cell not placed by its first attribute may add one to its row's width."""
    rows = max(map(int, set(_PLACE_ROW.findall(xml))), default=0) + len(_ROW.findall(xml))
    columns = max(map(_column_number, set(_PLACE_COLUMN.findall(xml))), default=0)
    if _UNPLACED_CELL.search(xml):
        columns += max(len(_UNPLACED_CELL.findall(row)) for row in _ROW_END.split(xml))
    return (rows + 1) * (columns + 1)


def _column_number(letters: bytes) -> int:
    """A = 1, Z = 26, AA = 27, as in Excel."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number
