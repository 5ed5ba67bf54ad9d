"""Reading a roster file: header words, encodings, delimiters, Excel cells and row numbers, and files refused."""

import codecs
import datetime
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from services.errors import Invalid
from services.roster_file import FIELDS, guess_mapping, read_sheet

SAMPLES = Path(__file__).parent / "samples"


def workbook(rows: list[list[object]], at: str = "A1") -> bytes:
    """A real .xlsx with `rows` written from cell `at` down; None leaves a cell empty."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    first = sheet[at]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.cell(row=first.row + r, column=first.column + c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(data: bytes, **kwargs: int) -> str:
    with pytest.raises(Invalid) as caught:
        read_sheet(data, **kwargs)
    assert caught.value.field == "file"
    return caught.value.message


# Header words


@pytest.mark.parametrize(
    ("word", "field"),
    [
        ("Name of Officer", "name"),
        ("Name", "name"),
        ("Officer Name", "name"),
        ("Email ID (SPARROW)", "sparrow_email"),
        ("SPARROW Email", "sparrow_email"),
        ("Email", "sparrow_email"),
        ("E mail", "sparrow_email"),
        ("Email ID", "sparrow_email"),
        ("E-mail", "sparrow_email"),
        ("Mobile No.", "mobile"),
        ("Mobile", "mobile"),
        ("Phone_Number", "mobile"),
        ("Phone", "mobile"),
        ("Present Posting", "posting"),
        ("Posting", "posting"),
        ("Designation", "designation"),
        ("Batch", "batch"),
        ("Allotment Year", "batch"),
        ("Year of Allotment", "batch"),
        ("Cadre", "cadre"),
        ("Identity No.", "identity_no"),
        ("Identity Number", "identity_no"),
        ("ID No", "identity_no"),
        ("Service", "service"),
        ("iGOT Email", "igot_email"),
        ("Email (iGOT)", "igot_email"),
        ("  EMAIL-ID  ", "sparrow_email"),
    ],
)
def test_header_words_name_their_field(word: str, field: str):
    assert guess_mapping([word]) == {0: field}


def test_every_word_in_fields_is_recognised():
    for field, words in FIELDS.items():
        for word in words:
            assert guess_mapping([word]) == {0: field}, word


def test_the_skeletons_own_names():
    header = ["name", "service", "batch", "designation", "sparrow_email", "mobile"]
    assert guess_mapping(header) == dict(enumerate(header))


def test_igot_email_is_never_taken_for_the_sparrow_one():
    assert guess_mapping(["Name", "Email (iGOT)", "Email ID"]) == {0: "name", 1: "igot_email", 2: "sparrow_email"}
    assert guess_mapping(["iGOT Email ID"]) == {0: "igot_email"}
    assert guess_mapping(["Official iGOT mail"]) == {0: "igot_email"}


def test_each_field_once_and_an_exact_word_before_a_near_one():
    assert guess_mapping(["Email", "E-mail"]) == {0: "sparrow_email"}
    assert guess_mapping(["Email (Personal)", "Email ID (SPARROW)"]) == {1: "sparrow_email"}
    assert guess_mapping(["Personal Email"]) == {0: "sparrow_email"}


def test_serial_number_and_unknown_columns_are_not_mapped():
    assert guess_mapping(["S.No.", "Name of Officer", "Remarks", ""]) == {1: "name"}
    assert guess_mapping(["Sl. No.", "Officer Name"]) == {1: "name"}


# CSV


def test_utf8_with_bom_and_row_numbers_across_blank_lines():
    data = codecs.BOM_UTF8 + "Name,Email\n\nRamón Pérez, r@nic.in \n,\nB Two,b@nic.in\n".encode()
    sheet = read_sheet(data)
    assert sheet.header == ["Name", "Email"]
    assert sheet.rows == [(3, ["Ramón Pérez", "r@nic.in"]), (5, ["B Two", "b@nic.in"])]
    assert read_sheet(data[len(codecs.BOM_UTF8) :]) == sheet


def test_cp1252_from_excel_on_windows():
    sheet = read_sheet("Name,Email\nRamón Pérez,r@nic.in\n".encode("cp1252"))
    assert sheet.rows == [(2, ["Ramón Pérez", "r@nic.in"])]


@pytest.mark.parametrize(("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_its_mark(bom: bytes, encoding: str):
    sheet = read_sheet(bom + "Name\tEmail\r\nRamón\tr@nic.in\r\n".encode(encoding))
    assert (sheet.header, sheet.rows) == (["Name", "Email"], [(2, ["Ramón", "r@nic.in"])])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter: str):
    text = delimiter.join(["Name", "Designation", "Email"]) + "\n"
    text += delimiter.join(["A One", '"Secretary, Finance; Revenue"', "a@nic.in"]) + "\n"
    sheet = read_sheet(text.encode())
    assert sheet.header == ["Name", "Designation", "Email"]
    assert sheet.rows == [(2, ["A One", "Secretary, Finance; Revenue", "a@nic.in"])]


def test_short_rows_padded_and_long_rows_cut_to_the_header():
    sheet = read_sheet(b"Name,Email,,\nA\nB,b@nic.in,extra,more\n")
    assert sheet.header == ["Name", "Email"]
    assert sheet.rows == [(2, ["A", ""]), (3, ["B", "b@nic.in"])]


def test_header_only_is_a_sheet_without_rows():
    assert read_sheet(b"\n\nname,sparrow_email\n") == read_sheet(b"name,sparrow_email")
    assert read_sheet(b"name,sparrow_email").rows == []


def test_a_broken_csv_names_its_line():
    data = b'Name,Email\nA,a@nic.in\n"B' + b"x" * 200_000 + b"\n"
    assert refused(data).startswith("Line 3 of the file cannot be read as CSV")


def test_text_in_no_encoding_we_read():
    assert "CSV UTF-8" in refused(b"Name\nA\x81\x8d\n")


# Excel


def test_workbook_whole_numbers_dates_and_row_numbers_as_shown():
    data = workbook(
        [
            ["S.No.", "Name of Officer", "Batch", "Mobile No.", "Joined", "Weight"],
            [1, "  A One ", 2015.0, 9876543210.0, datetime.date(2015, 8, 31), 1.5],
            [None, None, None, None, None, None],
            [2, "B Two", 1994, "+91 98765 43210", datetime.datetime(2001, 1, 2), 0.25],
        ]
    )
    sheet = read_sheet(data)
    assert sheet.header == ["S.No.", "Name of Officer", "Batch", "Mobile No.", "Joined", "Weight"]
    assert sheet.rows == [
        (2, ["1", "A One", "2015", "9876543210", "2015-08-31", "1.5"]),
        (4, ["2", "B Two", "1994", "+91 98765 43210", "2001-01-02", "0.25"]),
    ]
    assert guess_mapping(sheet.header) == {1: "name", 2: "batch", 3: "mobile"}


def test_workbook_table_away_from_a1_keeps_the_sheets_row_numbers():
    sheet = read_sheet(workbook([["Name", "Email"], ["A", "a@nic.in"], [None, None], ["B", "b@nic.in"]], at="C3"))
    assert sheet.header == ["Name", "Email"]
    assert sheet.rows == [(4, ["A", "a@nic.in"]), (6, ["B", "b@nic.in"])]


def test_the_first_visible_sheet_is_read():
    book = openpyxl.Workbook()
    hidden = book.active
    assert hidden is not None
    hidden.append(["Secret"])
    hidden.sheet_state = "hidden"
    book.create_sheet("Roster").append(["Name"])
    out = io.BytesIO()
    book.save(out)
    assert read_sheet(out.getvalue()).header == ["Name"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w") as part:
            zeros = bytes(1024 * 1024)
            for _ in range(300):
                part.write(zeros)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024  # 300 MB inside
    started = time.monotonic()
    assert "far larger inside" in refused(data)
    assert time.monotonic() - started < 1


def test_a_cell_far_away_is_refused_not_laid_out():
    # calamine would reserve every cell up to XFD1048576 and abort the process.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Email"])
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    assert "reaches too far" in refused(out.getvalue())


def test_shared_strings_claiming_billions_are_refused():
    # calamine reserves room for uniqueCount strings before reading one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook([["Name"]]))) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.infolist():
            target.writestr(part, source.read(part))
        target.writestr("xl/sharedStrings.xml", '<sst uniqueCount="4000000000"><si><t>a</t></si></sst>')
    assert "far larger inside" in refused(out.getvalue())


# Files that are not rosters


def test_a_pdf_is_refused():
    data = (SAMPLES / "dopt-igot-email-om.pdf").read_bytes()
    assert refused(data) == "The file is neither a CSV nor an Excel workbook (.xlsx)."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",  # an image
        b"PK\x05\x06" + bytes(18),  # an empty zip
    ],
)
def test_other_binaries_are_refused(data: bytes):
    assert refused(data) == "The file is neither a CSV nor an Excel workbook (.xlsx)."


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr("[Content_Types].xml", "<Types/>")
        document.writestr("word/document.xml", "<w:document/>")
    assert refused(out.getvalue()) == "The file is neither a CSV nor an Excel workbook (.xlsx)."


def test_an_old_excel_file_is_named_as_such():
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


def test_too_many_rows_is_refused():
    data = b"Name\n" + b"".join(b"Officer %d\n" % n for n in range(4))
    assert len(read_sheet(data, max_rows=4).rows) == 4
    assert refused(data, max_rows=3).startswith("The file has more than 3 rows; split it")
    assert "more than 3 rows" in refused(workbook([["Name"], ["A"], ["B"], ["C"], ["D"]]), max_rows=3)


def test_too_many_columns_is_refused():
    assert "at most 100" in refused(",".join(f"c{n}" for n in range(101)).encode())


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b" , ,\n,\n", codecs.BOM_UTF8, workbook([])])
def test_an_empty_file_is_refused(data: bytes):
    assert refused(data) == "The file is empty."
