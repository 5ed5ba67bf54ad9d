"""The renderer: static files only, archival PDF, and a time limit that stops a page without stopping the app."""

import io
from pathlib import Path

import pypdf
import pytest
from flask import Flask

from services import printing
from services.errors import Unavailable


def test_renderer_fetches_only_static_files(app: Flask, tmp_path: Path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    fetcher = printing.StaticOnlyFetcher(app.static_folder or "")
    assert fetcher.fetch(Path(app.static_folder or "", "letters/letter.css").as_uri()).read()
    for url in [
        secret.as_uri(),
        "file:///etc/passwd",
        "http://127.0.0.1:5432/",
        "https://example.com/x.css",
        "data:text/css,body{}",
        Path(app.static_folder or "", "../app.py").as_uri(),
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_what_is_printed_is_archival_pdf(app: Flask):
    with app.app_context():
        pdf = printing.html_to_pdf('<html lang="en"><title>A letter</title><p>Sir/Madam, हरियाणा सरकार</p></html>')
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in root and root["/Lang"] == "en"
    # Every font embedded, as PDF/A asks: nothing depends on the reader's machine.
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in f["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts)


def test_a_page_past_the_time_limit_is_stopped_and_the_next_one_is_made(app: Flask):
    # A long page, and a limit no page can meet: the render is stopped in the renderer's process.
    long_page = "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 3000 + "</table>"
    with app.app_context():
        app.config["RENDER_TIME_LIMIT"] = 0.01
        with pytest.raises(Unavailable, match="longer than 0.01 seconds"):
            printing.html_to_pdf(long_page)
        app.config["RENDER_TIME_LIMIT"] = 30
        assert printing.html_to_pdf("<p>after</p>").startswith(b"%PDF")
