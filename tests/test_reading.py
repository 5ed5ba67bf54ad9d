"""Reading a memo: the text layer where there is one, Tesseract where a page is a scan."""

import io
import shutil

import pytest
from PIL import Image, ImageDraw

from services import reading
from tests.conftest import needs_ocr, sample


def test_a_text_pdf_is_read_without_ocr():
    found = reading.read_pdf(sample("dopt-igot-email-om.pdf"))
    assert found.count == 2 and found.ocr_pages == [] and found.ocr_seconds == 0
    assert "T-28/27/2025-iGOT Part(1)" in found.pages[0]


@needs_ocr
def test_a_scan_is_read_by_ocr_page_by_page_with_progress():
    steps: list[tuple[int, int]] = []
    found = reading.read_pdf(sample("dopt-igot-email-om-scanned.pdf"), lambda done, of: steps.append((done, of)))
    assert found.ocr_pages == [0, 1] and steps == [(1, 2), (2, 2)] and found.ocr_seconds > 0
    words = " ".join(found.pages[0].split())
    assert "T-28/27/2025-iGOT Part(1)" in words and "Dated: 03.03.2026" in words
    assert "Department of Personnel and Training" in words and "SPARROW" in words


def test_huge_pages_are_rendered_small_enough():
    assert reading._dpi((595, 842)) == reading.OCR_DPI  # A4
    a1 = reading._dpi((1684, 2384))
    assert a1 < reading.OCR_DPI and (a1 * 1684 / 72) * (a1 * 2384 / 72) <= reading.OCR_MAX_PIXELS
    with pytest.raises(reading.OcrUnavailable, match="too large"):
        reading._dpi((14400, 14400))  # 200 inches a side


def test_without_tesseract_ocr_says_so(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(reading.OcrUnavailable, match="not installed"):
        reading.read_pdf(sample("dopt-igot-email-om-scanned.pdf"))


def test_text_is_cleaned_of_what_cannot_be_stored():
    assert reading.clean("a\x00b\ud800c\td\ne") == "ab?c\td\ne"  # a lone surrogate is replaced


@needs_ocr
def test_a_page_is_rid_of_speckle_but_keeps_its_strokes():
    page = Image.new("L", (200, 100), 255)
    draw = ImageDraw.Draw(page)
    draw.point([(20, 20), (150, 70)], fill=0)  # a photocopy's specks
    draw.rectangle([(60, 40), (140, 44)], fill=0)  # a stroke of type
    given = io.BytesIO()
    page.save(given, format="PPM")
    with Image.open(io.BytesIO(reading._cleaned(given.getvalue()))) as cleaned:
        assert cleaned.getpixel((20, 20)) == 255 and cleaned.getpixel((150, 70)) == 255
        assert cleaned.getpixel((100, 42)) == 0


def _tsv(*words: tuple[str, float, str] | tuple[str, float, str, int, int]) -> str:
    """Tesseract's TSV for words given as (block.paragraph.line, confidence, text), or with their box's width and
    height after (9 × 9 pixels if not)."""
    rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"]
    for number, (where, sure, text, *box) in enumerate(words, 1):
        block, paragraph, line = where.split(".")
        width, height = box or (9, 9)
        rows.append(f"5\t1\t{block}\t{paragraph}\t{line}\t{number}\t0\t0\t{width}\t{height}\t{sure}\t{text}")
    return "\n".join(rows) + "\n"


def test_ocr_words_are_laid_out_as_lines_and_paragraphs_without_specks():
    tsv = _tsv(
        ("1.1.1", 96, "Government"),
        ("1.1.1", 95, "of"),
        ("1.1.1", 94, "India"),
        ("1.1.2", 90, "New"),
        ("1.1.2", 91, "Delhi"),
        ("2.1.1", 93, "Subject:"),
        ("2.1.1", 92, "Holidays"),
        ("2.1.1", 25, "oH"),  # a speck read as letters
        ("2.1.1", 20, "21st"),  # a faint number is kept
        ("2.1.1", 12, "Karmayogi"),  # and so is an unsure long word
    )
    assert reading._text_of(tsv) == "Government of India\nNew Delhi\n\nSubject: Holidays 21st Karmayogi"


def test_specks_read_as_punctuation_are_dropped_and_real_marks_kept():
    tsv = _tsv(
        ("1.1.1", 93, "officers"),
        ("1.1.1", 92, "of.the"),  # a speck between two words
        ("1.1.1", 95, "Services"),
        ("1.1.1", 50, "."),  # a full stop never stands alone
        ("1.1.1", 49, "="),  # nor does an equals sign
        ("1.1.1", 89, "–"),  # a dash may
        ("1.1.1", 93, "reg."),
        ("1.1.2", 87, "October,."),  # a speck after a comma
        ("1.1.2", 90, "2025"),
        ("1.1.2", 91, "a.kumar@nic.in"),  # an email address keeps its dots
        ("1.1.2", 92, "Sub.:-"),  # an abbreviation's full stop before a colon is real
        ("1.1.2", 20, ":"),  # a colon this unsure is a speck
    )
    expected = "officers of the Services – reg.\nOctober, 2025 a.kumar@nic.in Sub.:-"
    assert reading._text_of(tsv) == expected


def test_a_speck_read_surely_as_a_dash_or_colon_is_dropped_by_its_size():
    tsv = _tsv(
        ("1.1.1", 95, "Central", 120, 28),
        ("1.1.1", 90, "-", 3, 3),  # a speck: no bigger than a full stop
        ("1.1.1", 95, "Government", 170, 28),
        ("1.1.1", 92, "employees", 160, 34),
        ("1.1.1", 92, "-", 13, 3),  # a dash is wider
        ("1.1.1", 95, "Revised", 120, 28),
        ("1.1.2", 88, ":", 3, 3),
        ("1.1.2", 90, "Sub", 60, 28),
        ("1.1.2", 90, ":-", 14, 12),  # and a colon taller
    )
    assert reading._text_of(tsv) == "Central Government employees – Revised\nSub :-"


def test_a_faint_dash_read_with_a_speck_beside_it_is_the_dash():
    tsv = _tsv(
        ("1.1.1", 92, "(HCMS)", 132, 27),
        ("1.1.1", 36, "-:", 33, 9),  # wide and flat, however unsure: a dash
        ("1.1.1", 96, "guidelines", 176, 31),
        ("1.1.2", 95, "2025-26", 124, 23),
        ("1.1.2", 10, ".-", 11, 3),
        ("1.1.2", 93, "reg.", 56, 23),
    )
    assert reading._text_of(tsv) == "(HCMS) – guidelines\n2025-26 – reg."


def test_a_memos_short_words_are_kept_however_faint():
    tsv = _tsv(
        ("1.1.1", 24, "Ref:"),
        ("1.1.1", 90, "this"),
        ("1.1.1", 12, "O.M."),
        ("1.1.1", 18, "No."),
        ("1.1.2", 90, "mechanism"),
        ("1.1.2", 20, "in"),
        ("1.1.2", 18, "your"),
        ("1.1.2", 15, "eis"),  # a speck read as letters all the same
        ("1.1.2", 90, "Ministry"),
    )
    assert reading._text_of(tsv) == "Ref: this O.M. No.\nmechanism in your Ministry"


def test_ocr_blocks_are_laid_out_top_down():
    # Tesseract may list a block (here a subject's second line) after one printed below it.
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "2\t1\t1\t0\t0\t0\t176\t710\t900\t49\t-1\t",
        "5\t1\t1\t1\t1\t1\t176\t722\t200\t34\t90\tSUBJECT:",
        "2\t1\t2\t0\t0\t0\t175\t827\t779\t96\t-1\t",
        "5\t1\t2\t1\t1\t1\t395\t827\t73\t27\t96\treg.",
        "2\t1\t3\t0\t0\t0\t387\t754\t1200\t55\t-1\t",
        "5\t1\t3\t1\t1\t1\t387\t771\t115\t28\t96\tPortal",
    ]
    assert reading._text_of("\n".join(rows)) == "SUBJECT:\n\nPortal\n\nreg."
