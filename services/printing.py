"""Our pages as PDF: WeasyPrint in a process of its own, with a time limit, reading only the app's static files."""

import atexit
import mimetypes
import multiprocessing
import os
import threading
from concurrent.futures import TimeoutError as RenderTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Flask, current_app
from pebble import ProcessExpired, ProcessPool
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from services.errors import Invalid, Unavailable

# A letter (or report) longer than this is refused: no field is that long, so something is wrong.
MAX_PAGES = 40

# Where a letter's HTML finds the office's stored emblem: the fetcher answers it from the store, never a URL.
EMBLEM_URL = "pavati:emblem"

# What is filed is archival PDF (PDF/A-3b: fonts embedded, colours defined, nothing fetched when opened).
PDF_VARIANT = "pdf/a-3b"

# Ready before the first letter: fontconfig reads every font once per process, which otherwise falls on a clerk.
_WARM_UP = (
    '<p style="font-family: DejaVu Serif">Sir/Madam, <b>Subject</b></p>'
    '<p style="font-family: Lohit Devanagari">हरियाणा सरकार</p><p style="font-family: DejaVu Sans">1</p>'
)


class StaticOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read the app's own static files and nothing else: no network, no other files."""

    def __init__(self, static_dir: str, emblem: tuple[bytes, str] | None = None) -> None:
        super().__init__()
        self._root = Path(static_dir).resolve()
        self._emblem = emblem
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.fetched.append(url)
        if url == EMBLEM_URL and self._emblem:
            data, media_type = self._emblem
            return URLFetcherResponse(url, body=data, headers={"Content-Type": media_type})
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"letters may not fetch {url[:80]}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise ValueError("letters may read only the app's static files")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


@dataclass
class Printed:
    """What the renderer made: the PDF (None when past the page cap), its pages, and every address it asked for."""

    pdf: bytes | None
    pages: int
    fetched: list[str] = field(default_factory=list)


def _print(html: str, static_dir: str, emblem: tuple[bytes, str] | None, max_pages: int) -> Printed:
    """Runs in the renderer's process: the HTML as PDF, or only its page count when it is past `max_pages`."""
    fetcher = StaticOnlyFetcher(static_dir, emblem)
    base_url = Path(static_dir).resolve().as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
    pages = len(document.pages)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT) if pages <= max_pages else None
    return Printed(pdf, pages, fetcher.fetched)


def _warm_up() -> None:
    HTML(string=_WARM_UP).render()


_pool: ProcessPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def renderer() -> ProcessPool:
    """The process that renders: one per app process (a forked worker, as Celery's, starts its own, since a fork
    does not copy the threads that drive it), started again if it had to be stopped."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid() or not _pool.active:
            # spawn, not fork: the app's process has threads and open connections that a fork would copy.
            _pool = ProcessPool(max_workers=1, initializer=_warm_up, context=multiprocessing.get_context("spawn"))
            _pool_pid = os.getpid()
            atexit.register(_pool.stop)
        return _pool


def render(html: str, emblem: tuple[bytes, str] | None = None, max_pages: int | None = None) -> Printed:
    """The HTML as PDF, rendered in the renderer's process within RENDER_TIME_LIMIT seconds: a page that takes
    longer is stopped there (the renderer is restarted) and refused here, and the app keeps serving."""
    static = current_app.static_folder
    assert static is not None
    limit = current_app.config["RENDER_TIME_LIMIT"]
    future = renderer().schedule(_print, (html, static, emblem, max_pages or MAX_PAGES), timeout=limit)
    try:
        return future.result()
    except RenderTimeout:
        raise Unavailable(f"The PDF took longer than {limit:g} seconds to make, and was stopped.") from None
    except ProcessExpired:  # the renderer died (out of memory, or killed); the pool starts another
        raise Unavailable("The PDF could not be made just now; please try again.") from None


def html_to_pdf(html: str, emblem: tuple[bytes, str] | None = None) -> bytes:
    """A page of ours as PDF, reading only the app's static files (its stylesheets and fonts) and the office's
    `emblem` (bytes, media type) at EMBLEM_URL; refused past MAX_PAGES or the time limit."""
    printed = render(html, emblem)
    # Every field has its limit, so a letter is a few pages; one past this is refused rather than stored.
    if printed.pdf is None:
        raise Invalid(f"This would make {printed.pages} pages; a letter may have at most {MAX_PAGES}.")
    return printed.pdf


def init_app(app: Flask) -> None:
    """Start the renderer with the app, so that it is warm when the first letter is asked for."""
    renderer()
