"""Reading a memo: the text layer where there is one, Tesseract where a page is a scan."""

import shutil

import pytest

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
