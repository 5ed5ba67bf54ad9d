"""Diarising memos: a PDF too costly to read is refused quickly, and an ordinary one is read once."""

import io
import time
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from models import Circular, db
from services import files, intake
from tests.conftest import MEMO_FIELDS, Auth, Client, api_register, sample


def costly_pdf(tokens: int = 1_950_000, pages: int = 10) -> bytes:
    """Ten pages whose /Contents are one shared stream of ~1.95 M tiny tokens (just under pypdf's own
    limit), Flate-compressed to a few KB: before reading was bounded, text was extracted from every
    page, twice, at seconds a page."""
    writer = pypdf.PdfWriter()
    content = StreamObject()
    content.set_data(zlib.compress(b"0 0 m " * (tokens // 3), 9))
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    shared = writer._add_object(content)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Contents")] = shared
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stored_files(app: Flask) -> list[Path]:
    root = Path(app.config["FILES_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_pdf_too_complex_to_read_is_refused_in_seconds(app: Flask, client: Client, auth: Auth, api_token: Any):
    data = costly_pdf()
    assert len(data) < 25_000
    started = time.perf_counter()
    response = api_register(client, api_token(), file=(data, "memo.pdf"))
    assert time.perf_counter() - started < 5
    assert response.status_code == 422 and response.json["field"] == "file"
    assert "too complex to read" in response.json["error"]
    auth.login("clerk")
    started = time.perf_counter()
    html, hidden = client.upload_memo(data, "memo.pdf")
    assert time.perf_counter() - started < 5
    assert "too complex to read" in html and "upload" not in hidden
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 0
    assert stored_files(app) == []


def test_many_pages_each_within_the_token_bound_are_stopped_by_the_clock(app: Flask, client: Client, api_token: Any):
    data = costly_pdf(tokens=190_000, pages=25)  # each page alone is under the per-stream bound
    started = time.perf_counter()
    response = api_register(client, api_token(), file=(data, "memo.pdf"))
    assert time.perf_counter() - started < 5
    assert response.status_code == 422 and "too complex to read" in response.json["error"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 0


def count_text_extractions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    extract = pypdf.PageObject.extract_text

    def counted(self: pypdf.PageObject, *args: Any, **kwargs: Any) -> str:
        calls.append(1)
        return extract(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", counted)
    return calls


def test_sample_memo_registers_with_its_text_read_once(
    app: Flask, client: Client, auth: Auth, monkeypatch: pytest.MonkeyPatch
):
    calls = count_text_extractions(monkeypatch)
    auth.login("clerk")
    html, hidden = client.upload_memo(sample("dopt-igot-email-om.pdf"), "om.pdf")
    assert MEMO_FIELDS["reference_no"] in html and "upload" in hidden
    response = client.post("/circulars/register", data={**MEMO_FIELDS, **hidden, "filename": "om.pdf"})
    assert response.status_code == 302
    assert len(calls) == 2  # two pages, each read once, at upload
    with app.app_context():
        circular = db.session.scalar(db.select(Circular))
        assert circular is not None and circular.pdf_pages == 2
        assert "SPARROW" in circular.text and "Department of Personnel and Training" in circular.text


def test_upload_kept_before_its_reading_was_still_registers(app: Flask, monkeypatch: pytest.MonkeyPatch):
    with app.app_context():
        sha = files.store(sample("dopt-igot-email-om.pdf"))  # as an upload made before readings were kept
        calls = count_text_extractions(monkeypatch)
        circular = intake.diarise(db.session, sha, "om.pdf", MEMO_FIELDS, None)
        assert circular.pdf_pages == 2 and "SPARROW" in circular.text and len(calls) == 2
        db.session.rollback()
        intake.diarise(db.session, sha, "om.pdf", MEMO_FIELDS, None)
        assert len(calls) == 2  # the reading is kept from then on


def test_guess_particulars_from_the_sample_memo():
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(sample("dopt-igot-email-om.pdf"))).pages)
    guess = intake.guess_particulars(text)
    assert guess == {
        "reference_no": "T-28/27/2025-iGOT Part(1)",
        "dated": date(2026, 3, 3),
        "issued_by": "Department of Personnel and Training",
        "subject": "Instructions regarding Updation of Email ID on SPARROW and iGOT Karmayogi Portal – reg.",
    }


def test_reference_key_ignores_prefix_case_and_spaces():
    assert intake.reference_key("No. T-28/27/2025-iGOT Part(1)") == intake.reference_key("t-28/27/2025-igot part(1)")
