"""A memo's PDF itself: reading its text within bounds, and making it inert before it is forwarded."""

import io
import time
from dataclasses import dataclass
from typing import Any

import pypdf
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from services.errors import Invalid

# Text is read from the first pages only, and the particulars guessed from its start: a memo's
# particulars are on page one, and a crafted file must not cost minutes of CPU.
TEXT_PAGES = 20
MAX_TEXT = 200_000

# pypdf cannot be interrupted while it parses one stream, so each stream is bounded by size and by
# tokens, and the whole reading by a clock checked between pages and between drawing operators.
# Measured (pypdf 6.21, one core): ~3 µs a token, ~0.5-0.9 µs a byte of one long string. A 2-page
# OM has ~20 KB and ~500 tokens of content; a ten-page file sharing one 1.95 M-token stream took
# 6 s a page, twice over. So the worst case here is READ_SECONDS plus one stream at ~0.6-1 s.
# The clock is the thread's CPU time: the bound is on the work a file costs, and a busy machine (other requests,
# a test suite beside another) must not refuse an ordinary memo because its turn on the CPU came late.
STREAM_BYTES = 1_500_000
STREAM_TOKENS = 200_000
READ_SECONDS = 2.0
TOO_COMPLEX = "This PDF is too complex to read; print it to PDF again (or scan it) and upload that copy."

_BOUNDS: dict[str, Any] = {
    "maximum_declared_stream_length": STREAM_BYTES,
    "array_based_stream_maximum_output_length": STREAM_BYTES,
    "zlib_maximum_output_length": STREAM_BYTES,
    "lzw_maximum_output_length": STREAM_BYTES,
    "run_length_maximum_output_length": STREAM_BYTES,
    "brotli_maximum_output_length": STREAM_BYTES,
    "stream_parsing_work_maximum_count": STREAM_TOKENS,
}


class _OutOfTime(Exception):
    """The reading's time is up."""


@dataclass
class Pages:
    """What the text layer gives: the page count, and for each of the first pages its text and size."""

    count: int
    texts: list[str]
    sizes: list[tuple[float, float]]  # width and height in points


def read_pages(data: bytes) -> Pages:
    """The PDF's page count and the text and size of its first pages; Invalid if it cannot be read
    within bounds."""
    deadline = time.thread_time() + READ_SECONDS

    def in_time(*_: Any) -> None:
        if time.thread_time() > deadline:
            raise _OutOfTime

    try:
        with pypdf.apply_configuration(**_BOUNDS):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise Invalid("The PDF is password-protected; upload an unprotected copy.", "file")
            pages = Pages(count=len(reader.pages), texts=[], sizes=[])
            for page in reader.pages[:TEXT_PAGES]:
                in_time()
                pages.texts.append(page.extract_text(visitor_operand_before=in_time) or "")
                pages.sizes.append((float(page.mediabox.width), float(page.mediabox.height)))
                if sum(map(len, pages.texts)) >= MAX_TEXT:
                    break
            in_time()  # a form on the last page may have swallowed the visitor's refusal
            return pages
    except Invalid:
        raise
    except (_OutOfTime, LimitReachedError) as exc:
        raise Invalid(TOO_COMPLEX, "file") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files; all mean the same to a clerk
        raise Invalid("The PDF is damaged or unreadable.", "file") from exc


# What can act rather than print: actions of every kind (JavaScript, launch, links out, form
# submission), page/document/field triggers, scripts, embedded and related files, XFA forms.
_ACTIVE_KEYS = {"/A", "/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RF", "/AF", "/XFA", "/URI"}
_ACTIVE_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}


def inert(data: bytes) -> bytes:
    """The PDF with every page as it prints and nothing that can act when opened or clicked.

    The memo travels under the State's letterhead, so nothing of it may run, launch, open a link
    or carry a file. Every object reachable from the document is cleaned, not just known places.
    """
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    for obj in _every_dictionary(writer.root_object):
        for key in _ACTIVE_KEYS.intersection(obj.keys()):
            del obj[key]
        annots = obj.get("/Annots")
        if isinstance(annots, list):
            obj[NameObject("/Annots")] = ArrayObject(a for a in annots if not _plays_or_carries(a))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _plays_or_carries(annot: Any) -> bool:
    """An annotation that plays media or carries a file. A damaged one is left in place: appending
    the memo at upload then refuses the file, as it did before the memo was made inert."""
    annot = annot.get_object()
    return isinstance(annot, DictionaryObject) and annot.get("/Subtype") in _ACTIVE_ANNOTS


def _every_dictionary(root: DictionaryObject) -> list[DictionaryObject]:
    """Every dictionary reachable from `root`, each once (streams included: they are dictionaries too)."""
    found: list[DictionaryObject] = []
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            obj = obj.get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, DictionaryObject):
            found.append(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found
