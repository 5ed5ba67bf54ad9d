"""Writing the roster of officers (and any other table) as a CSV or an Excel workbook (.xlsx), safe to open in a
spreadsheet."""

import csv
import datetime
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from services.roster_file import FIELDS

# Each field under the first heading services.roster_file knows it by, so an exported file imports again as it is.
COLUMNS: tuple[tuple[str, str], ...] = (
    *((name, headings[0]) for name, headings in FIELDS.items()),
    ("active", "Active"),
    ("email_bounced_at", "Email bounced on"),
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A cell starting with one of these may be run as a formula by Excel or LibreOffice (OWASP "CSV injection"):
# =HYPERLINK(...) or @SUM(...) typed into a name or posting would run on the desk of whoever opens the export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# XML cannot hold most control characters, and XML readers turn a stored \r into \n; Excel writes such a
# character as _xHHHH_ (and a literal "_x000D_" as "_x005F_x000D_"), which Excel and calamine decode again.
_OOXML_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


def export(officers: Iterable[Any], format: str) -> bytes:
    """The officers as a file of the given format, one of FORMATS, with a header row of COLUMNS' headings."""
    return table([heading for _, heading in COLUMNS], map(_values, officers), format, "Roster")


def table(headings: list[str], rows: Iterable[list[object]], format: str, sheet: str) -> bytes:
    """Rows under their headings as a file of the given format (one of FORMATS), every cell formula-safe."""
    if format == "csv":
        return _csv(headings, rows)
    if format == "xlsx":
        return _xlsx(headings, rows, sheet)
    raise ValueError(f"Unknown export format {format!r}; expected one of {', '.join(FORMATS)}.")


def safe_cell(value: object) -> object:
    """A value as written to CSV: None as empty, and text a spreadsheet would run as a formula behind a quote.

    The quote makes Excel take the cell as text. It is added to a phone number such as "+919876543210" too
    ("'+919876543210"): OWASP recommends quoting every such cell, as a formula may start with "+" as well."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguarded(text: str) -> str:
    """A cell as it was before safe_cell guarded it: what an exported CSV opened and re-imported carries."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS else text


def _values(officer: Any) -> list[object]:
    """An officer's row: the batch stays a number, so a spreadsheet sorts it as one; the rest is text."""
    row: list[object] = [getattr(officer, attribute) for attribute, _ in COLUMNS]
    row[-2] = "Yes" if row[-2] else "No"
    bounced = row[-1]
    if isinstance(bounced, datetime.datetime):
        bounced = bounced.date()
    row[-1] = bounced.isoformat() if isinstance(bounced, datetime.date) else ""
    return row


def _csv(headings: list[str], rows: Iterable[list[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow(map(safe_cell, row))
    # With the byte-order mark Excel reads the file as UTF-8; without it, Hindi names come out garbled.
    return text.getvalue().encode("utf-8-sig")


def _xlsx(headings: list[str], rows: Iterable[list[object]], title: str) -> bytes:
    # Write-only mode streams the rows out instead of keeping a cell object for each of them.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"  # the headings stay in view while scrolling
    bold = Font(bold=True)
    header = [WriteOnlyCell(sheet, heading) for heading in headings]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    file = io.BytesIO()
    book.save(file)
    return file.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """Text a spreadsheet could run as a formula as a string cell, which is shown as it is and never run.

    openpyxl would store text starting with "=" as a formula, and "#N/A" and the like as error values; other
    text it stores as strings already, and is passed as it is, as building a cell for each is slower."""
    if not isinstance(value, str):
        return value
    text = _OOXML_ESCAPED.sub(lambda match: f"_x{ord(match[0]):04X}_", value)
    if not value.startswith(FORMULA_STARTS) and text not in ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell
