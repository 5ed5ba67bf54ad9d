"""A memo's words: the text layer where a page has one, OCR (Tesseract, on a straightened, despeckled image) where
it has none.

Nothing a user sends reaches a shell: the PDF goes to Poppler's pdftoppm through a private temporary
file, the page image to ImageMagick and Tesseract on their standard input, each with a time limit;
pages are rendered at a resolution that keeps every image under OCR_MAX_PIXELS.
"""

import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageFilter

from services import memo_file
from services.errors import Invalid

# A page with less text than this is taken to be a scan (page numbers and stamps aside).
MIN_TEXT = 40
OCR_PAGES = 10
OCR_DPI = 200
OCR_MIN_DPI = 100
OCR_MAX_PIXELS = 12_000_000
OCR_PAGE_SECONDS = 60
OCR_LANGUAGES = "eng+hin"
# Sauvola's threshold, taken window by window, keeps a photocopy's uneven toner and grey paper from thickening
# letters into their neighbours as Tesseract's default (one Otsu threshold for the page) does; measured on the
# bench corpus it reads references and subjects better at the same speed.
TESSERACT_SETTINGS = ("-c", "thresholding_method=2")
# Skew smaller than this is left alone: rotating costs more than it gains.
MIN_SKEW_DEGREES = 0.2
# A photocopy's speckle is read as stray dots and commas inside references and subjects; a 3-pixel median
# wipes specks that small and keeps the strokes of 10-point type at OCR_DPI.
DESPECKLE_PIXELS = 3
# A word Tesseract is this unsure of (0-100) and this short is a speck it read as letters ("oH", "See &" beside a
# subject, "ai" for a dash); a real word this short is read far surer.
SPECK_CONFIDENCE = 30
SPECK_CHARS = 4
# ...but a photocopy also leaves real short words faint ("Ref:" before a cited number, "your" in a subject, "No."
# before the memo's own): these, the short words and labels of a memo, are kept however unsure, as no speck reads so.
_SHORT_WORDS = (
    "a an the of to in on by for and or is are be as at it its our your this that with from have has had was were any"
    " all not no ref sub date dt om do uo shri smt dr sir dear new may can will also been such same into upon who per"
    " his her he she we us my if so up out but one two"
)
SHORT_WORDS = frozenset(_SHORT_WORDS.split())
# A photocopy's specks the size of a full stop are read as punctuation of their own: a mark standing alone that
# Tesseract is this unsure of is a speck, and these marks never stand alone in a memo at all (a full stop or a
# comma always follows a word; a dash or a colon may stand alone, so they are kept unless read very unsure).
LONE_MARK_CONFIDENCE = 30
# ...and a speck read as a dash or colon, however sure, is no bigger than a full stop: a dash is wider, a colon taller.
SPECK_FRACTION = 4
NEVER_ALONE = set("=+_|~©®*«»§¶°¢¥^`.,·")
# A typed dash standing between words ("(HCMS) – guidelines", "2025-26 – reg.") is read faintly, often with a speck
# beside it ("-:", ".-"): a mark with a dash in it that is at least this many times as wide as it is tall is that
# dash, however unsure Tesseract is; a photocopy's speck is round.
DASH_ASPECT = 2
_DASHES = set("-–—")
# ...or glued between a short word that never ends a sentence and the next ("of.the", "the,All").
_SPECK_BETWEEN = re.compile(r"\b(of|the|and|for|to|in|on|by|with|from|at|as|or|an|a)[.,;:'](?=[A-Za-z]{2})")
# ...or after a comma ("October,. 2025").
_SPECK_AFTER_COMMA = re.compile(r",[.;:]$")

Progress = Callable[[int, int], None]


class OcrUnavailable(Exception):
    """Tesseract (or Poppler, or ImageMagick) is not installed, or failed on a page."""


@dataclass
class Reading:
    """A memo's text, page by page, and which pages came from OCR."""

    count: int
    pages: list[str]
    ocr_pages: list[int] = field(default_factory=list)
    ocr_seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def clean(text: str) -> str:
    """Text fit to store and show: pypdf and OCR can yield lone surrogates and control characters."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))


def text_layer(data: bytes) -> tuple[Reading, list[int]]:
    """The text layer, and the pages (0-based, at most OCR_PAGES) that have none and need OCR."""
    pages = memo_file.read_pages(data)
    reading = Reading(count=pages.count, pages=[clean(t) for t in pages.texts])
    scans = [i for i, text in enumerate(reading.pages) if len(text.strip()) < MIN_TEXT][:OCR_PAGES]
    return reading, scans


def read_pdf(data: bytes, progress: Progress | None = None) -> Reading:
    """The memo's text, OCR included, in this process (the API's extraction, and the OCR job)."""
    reading, scans = text_layer(data)
    ocr(data, reading, scans, progress)
    return reading


def ocr(data: bytes, reading: Reading, scans: list[int], progress: Progress | None = None) -> None:
    """Fill in the text of the pages `scans` by OCR; `progress(done, of)` after each page."""
    if not scans:
        return
    sizes = memo_file.read_pages(data).sizes
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pavati-ocr-") as folder:
        pdf = os.path.join(folder, "memo.pdf")
        with open(os.open(pdf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(data)
        for done, index in enumerate(scans, start=1):
            reading.pages[index] = clean(ocr_page(pdf, index, sizes[index]))
            reading.ocr_pages.append(index)
            if progress:
                progress(done, len(scans))
    reading.ocr_seconds = time.monotonic() - started


def _dpi(size: tuple[float, float]) -> int:
    """OCR_DPI, or less for a page so large that its image would pass OCR_MAX_PIXELS; a page that
    would need less than OCR_MIN_DPI is no memo page and is not read."""
    width, height = (max(1.0, side) / 72 for side in size)
    dpi = min(OCR_DPI, int((OCR_MAX_PIXELS / (width * height)) ** 0.5))
    if dpi < OCR_MIN_DPI:
        raise OcrUnavailable(f"a page of {width:.0f} × {height:.0f} inches is too large to read")
    return dpi


def _run(command: list[str], given: bytes | None = None) -> bytes:
    if shutil.which(command[0]) is None:
        raise OcrUnavailable(f"{command[0]} is not installed")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one page at a time is faster than Tesseract's threads on 2 cores
    try:
        # Our own fixed commands: the PDF goes as a private temporary file, images on standard input.
        done = subprocess.run(  # noqa: S603
            command, input=given, capture_output=True, timeout=OCR_PAGE_SECONDS, env=env, check=True
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable(f"{command[0]} took longer than {OCR_PAGE_SECONDS}s on a page") from exc
    except subprocess.CalledProcessError as exc:
        raise OcrUnavailable(f"{command[0]} failed: {exc.stderr.decode(errors='replace')[:200]}") from exc
    return done.stdout


def ocr_page(pdf_path: str, index: int, size: tuple[float, float]) -> str:
    """One page's text: rendered grey by pdftoppm, straightened and despeckled, read by Tesseract."""
    page = str(index + 1)
    image = _run(["pdftoppm", "-f", page, "-l", page, "-r", str(_dpi(size)), "-gray", "-singlefile", pdf_path])
    words = _run(
        ["tesseract", "stdin", "stdout", "-l", OCR_LANGUAGES, "--psm", "3", *TESSERACT_SETTINGS, "tsv"], _cleaned(image)
    )
    return _text_of(words.decode(errors="replace"))


def _text_of(tsv: str) -> str:
    """Tesseract's words (its TSV: level, page, block, paragraph, line, word, box, confidence, text) laid out as its
    plain text would be, a line to a line and a blank line between paragraphs, without the specks."""
    rows = [cells for cells in (row.split("\t") for row in _top_down(tsv.splitlines()[1:])) if _is_word(cells)]
    speck_size = _speck_size(rows)
    lines: list[list[str]] = []
    last: tuple[str, ...] = ()
    for cells in rows:
        word = cells[11].strip()
        if _is_dash(word, int(cells[8]), int(cells[9]), speck_size):
            word = "–"
        elif _is_speck(word, float(cells[10]), max(int(cells[8]), int(cells[9])), speck_size):
            continue
        if "@" not in word:  # an email address ("a.kumar@nic.in") keeps its dots
            word = _SPECK_AFTER_COMMA.sub(",", _SPECK_BETWEEN.sub(r"\1 ", word))
        where = tuple(cells[2:5])
        if where != last:
            if lines and where[:2] != last[:2]:
                lines.append([])
            lines.append([])
            last = where
        lines[-1].append(word)
    return "\n".join(" ".join(line) for line in lines)


def _is_word(cells: list[str]) -> bool:
    return len(cells) == 12 and cells[0] == "5" and bool(cells[11].strip())


def _speck_size(rows: list[list[str]]) -> int:
    """The size in pixels (box width or height) at or below which a mark standing alone is a speck: a quarter of the
    page's usual word height, far below a dash's width or a colon's height, about a full stop's."""
    heights = sorted(int(cells[9]) for cells in rows if any(c.isalpha() for c in cells[11]))
    return heights[len(heights) // 2] // SPECK_FRACTION if heights else 0


def _is_dash(word: str, width: int, height: int, speck_size: int) -> bool:
    """Whether a mark standing alone is a typed dash: no letters, a dash among its marks, wide and flat."""
    return (
        not any(c.isalnum() for c in word)
        and bool(_DASHES & set(word))
        and width > speck_size
        and width >= DASH_ASPECT * height
    )


def _is_speck(word: str, sure: float, size: int, speck_size: int) -> bool:
    """Whether a word Tesseract read is a photocopy's speck rather than print."""
    # A number is kept however unsure: a day ("21st") or a part of a reference read faintly still counts.
    if sure < SPECK_CONFIDENCE and len(word) <= SPECK_CHARS and not re.search(r"\d", word) and not _known(word):
        return True
    if any(c.isalnum() for c in word):
        return False
    return sure < LONE_MARK_CONFIDENCE or set(word) <= NEVER_ALONE or size <= speck_size


def _top_down(rows: list[str]) -> list[str]:
    """Tesseract's TSV rows with its blocks ordered top to bottom, each block's rows in its own order."""
    blocks: dict[str, list[str]] = {}
    tops: dict[str, int] = {}
    for row in rows:
        cells = row.split("\t")
        if len(cells) < 12:
            continue
        blocks.setdefault(cells[2], []).append(row)
        if cells[0] == "2":
            tops[cells[2]] = int(cells[7])
    order = sorted(blocks, key=lambda block: tops.get(block, 0))
    return [row for block in order for row in blocks[block]]


def _known(word: str) -> bool:
    """Whether an unsure short word is one of a memo's SHORT_WORDS, its stops and quotes aside ("O.M.", "To'")."""
    return re.sub(r"[^a-z]", "", word.lower()) in SHORT_WORDS


def _skew(image: bytes) -> float:
    """The page's skew in degrees as ImageMagick measures it on a small copy; 0 where it cannot tell."""
    measured = _run(
        ["convert", "pgm:-", "-resize", "25%", "-deskew", "40%", "-format", "%[deskew:angle]", "info:"], image
    )
    try:
        angle = float(measured.decode().strip() or 0)
    except ValueError:
        return 0.0
    return angle if MIN_SKEW_DEGREES <= abs(angle) <= 10 else 0.0


def _cleaned(image: bytes) -> bytes:
    """The page image turned level and rid of speckle, ready for Tesseract."""
    angle = _skew(image)
    with Image.open(io.BytesIO(image)) as picture:
        level = picture.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255) if angle else picture
        out = io.BytesIO()
        level.filter(ImageFilter.MedianFilter(DESPECKLE_PIXELS)).save(out, format="PPM")
        return out.getvalue()


def ocr_failed(exc: OcrUnavailable) -> Invalid:
    """What a clerk is told when a scan could not be read."""
    return Invalid(f"The scan could not be read ({exc}); fill the particulars in by hand.", "file")
