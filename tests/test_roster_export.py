"""The roster export: its files parsed back as they are, by the csv module, openpyxl, and the roster import."""

import csv
import datetime
import io
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from flask import Flask
from python_calamine import CalamineWorkbook

from models import Officer, db
from services import roster
from services.roster_export import COLUMNS, FORMATS, export, safe_cell
from services.roster_file import guess_mapping, read_sheet

HEADINGS = [heading for _, heading in COLUMNS]
DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
HINDI = "राम कुमार शर्मा"


def officer(**fields: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "identity_no": "01AB001",
        "name": "Asha Verma",
        "service": "IAS",
        "cadre": "Uttar Pradesh",
        "batch": 2015,
        "designation": "Principal Secretary",
        "posting": "Lucknow",
        "sparrow_email": "asha.verma@gov.in",
        "mobile": "9876543210",
        "igot_email": "asha@igot.gov.in",
        "active": True,
        "email_bounced_at": None,
    }
    return SimpleNamespace(**(values | fields))


def csv_rows(officers: list[SimpleNamespace]) -> list[list[str]]:
    data = export(officers, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(officers: list[SimpleNamespace]) -> Any:
    return openpyxl.load_workbook(io.BytesIO(export(officers, "xlsx")))["Roster"]


def test_csv_header_and_line_endings() -> None:
    data = export([officer()], "csv")
    assert data.decode("utf-8-sig").split("\r\n")[0] == ",".join(HEADINGS)
    assert data.count(b"\r\n") == 2 and b"\n" not in data.replace(b"\r\n", b"")
    assert csv_rows([])[0] == HEADINGS


def test_xlsx_header_bold_and_frozen() -> None:
    sheet = xlsx_sheet([officer()])
    assert [cell.value for cell in sheet[1]] == HEADINGS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.parent.sheetnames == ["Roster"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_safe_cell_quotes_formula_starts(value: str) -> None:
    assert safe_cell(value) == "'" + value


def test_safe_cell_leaves_the_rest() -> None:
    assert safe_cell("Lucknow") == "Lucknow"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(2015) == 2015
    assert safe_cell(-1) == -1  # a number is no formula
    assert safe_cell(None) == ""


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_neutralises_formulas(value: str) -> None:
    rows = csv_rows([officer(name=value, posting="Lucknow")])
    assert rows[1][1] == "'" + value
    assert rows[1][6] == "Lucknow"


def test_csv_quotes_phone_numbers_with_a_plus() -> None:
    assert csv_rows([officer(mobile="+919876543210")])[1][8] == "'+919876543210"


def test_xlsx_writes_formula_starts_as_exact_text() -> None:
    sheet = xlsx_sheet([officer(name=value) for value in [*DANGEROUS, "#N/A", "Lucknow"]])
    for row, value in zip(sheet.iter_rows(min_row=2), [*DANGEROUS, "#N/A", "Lucknow"], strict=True):
        assert row[1].data_type == "s"
        # XML readers turn a stored carriage return into a line feed, so it is stored as Excel stores it:
        # _x000D_, which openpyxl does not decode and Excel and calamine do (below).
        assert row[1].value == value.replace("\r", "_x000D_")


def test_xlsx_text_reads_back_exactly_as_excel_reads_it() -> None:
    values = [*DANGEROUS, "#N/A", "+919876543210", "bell\x07", "a_x000D_b", "line\r\nbreak", HINDI]
    data = export([officer(name=value) for value in values], "xlsx")
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [row[1] for row in table[1:]] == values


def test_hindi_name_survives_both_formats() -> None:
    assert csv_rows([officer(name=HINDI)])[1][1] == HINDI
    assert xlsx_sheet([officer(name=HINDI)])["B2"].value == HINDI


def test_none_is_empty_and_numbers_stay_numbers() -> None:
    blank = officer(identity_no=None, batch=None, igot_email=None)
    row = csv_rows([blank])[1]
    assert row[0] == row[4] == row[9] == ""
    sheet = xlsx_sheet([blank, officer()])
    assert sheet["A2"].value is sheet["E2"].value is sheet["J2"].value is None
    assert (sheet["E3"].value, sheet["E3"].data_type) == (2015, "n")
    assert csv_rows([officer()])[1][4] == "2015"


def test_active_and_bounce_date() -> None:
    officers = [
        officer(active=True, email_bounced_at=datetime.datetime(2024, 5, 1, 13, 45)),
        officer(active=False, email_bounced_at=datetime.date(2024, 6, 2)),
        officer(active=False, email_bounced_at=None),
    ]
    expected = [["Yes", "2024-05-01"], ["No", "2024-06-02"], ["No", ""]]
    assert [row[10:] for row in csv_rows(officers)[1:]] == expected
    sheet = xlsx_sheet(officers)
    assert [[cell.value or "" for cell in row[10:]] for row in sheet.iter_rows(min_row=2)] == expected


@pytest.mark.parametrize("format", FORMATS)
def test_round_trip_through_the_roster_import(format: str) -> None:
    officers = [officer(), officer(identity_no="01AB002", name=HINDI, batch=1998, mobile="+919812345678")]
    if format == "csv":
        officers[1].mobile = "9812345678"  # CSV quotes "+91…" (test_csv_quotes_phone_numbers_with_a_plus)
    sheet = read_sheet(export(officers, format))
    assert sheet.header == HEADINGS
    assert guess_mapping(sheet.header) == {index: attribute for index, (attribute, _) in enumerate(COLUMNS[:10])}
    expected = [(number, [str(getattr(o, field)) for field, _ in COLUMNS[:10]]) for number, o in enumerate(officers, 2)]
    assert [(number, cells[:10]) for number, cells in sheet.rows] == expected


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="pdf"):
        export([officer()], "pdf")


def test_an_exported_csv_imports_back_unchanged(app: Flask):
    with app.app_context():
        roster.import_roster(db.session, b"Name,Email,Mobile No.\nA One,a@nic.in,+919876543210\n", None)
        db.session.commit()
        exported = export(db.session.scalars(db.select(Officer)).all(), "csv")
        assert b"'+919876543210" in exported
        result = roster.import_roster(db.session, exported, None)
        assert (result.unchanged, result.errors) == (1, [])
