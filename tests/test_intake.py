"""Diarising memos: a PDF too costly to read is refused quickly, and an ordinary one is read once."""

import io
import re
import time
import zlib
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from models import AuditEvent, Circular, MemoReading, db
from services import files, intake
from services.errors import Invalid
from tests.conftest import MEMO_FIELDS, Auth, Client, api_register, needs_ocr, sample, settle


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
    response = client.post(client.particulars_url, data={**MEMO_FIELDS, **hidden, "filename": "om.pdf"})
    assert response.status_code == 302
    assert len(calls) == 2  # two pages, each read once, at upload
    with app.app_context():
        circular = db.session.scalar(db.select(Circular))
        assert circular is not None and circular.pdf_pages == 2
        assert "SPARROW" in circular.text and "Department of Personnel and Training" in circular.text


def test_a_file_never_uploaded_here_cannot_be_registered(app: Flask):
    with app.app_context():
        sha = files.store(sample("dopt-igot-email-om.pdf"))  # in the store, but never read as an upload
        with pytest.raises(Invalid, match="upload it again"):
            intake.diarise(db.session, sha, "om.pdf", MEMO_FIELDS, None)


def test_reference_key_ignores_prefix_case_and_spaces():
    assert intake.reference_key("No. T-28/27/2025-iGOT Part(1)") == intake.reference_key("t-28/27/2025-igot part(1)")


@needs_ocr
def test_a_scan_is_read_in_the_background_with_progress_then_the_form_is_filled(app: Flask, client: Client, auth: Auth):
    app.config["OUTBOX_SWEEP_SECONDS"] = 0
    auth.login("clerk")
    response = client.submit(
        "/circulars/new",
        {"file": (io.BytesIO(sample("dopt-igot-email-om-scanned.pdf")), "scan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    first = client.get(url).get_data(as_text=True)
    assert "Reading the scan" in first or "Particulars of the circular" in first
    settle(app)
    page = client.get(url).get_data(as_text=True)
    assert "2 read by OCR" in page
    for value in ("T-28/27/2025-iGOT Part(1)", "2026-03-03", "Department of Personnel and Training"):
        assert value in page
    with app.app_context():
        kept = db.session.scalar(db.select(MemoReading))
        assert kept is not None and kept.status == "done" and kept.ocr_done == 2 and "SPARROW" in kept.text


@needs_ocr
def test_extract_suggests_without_saving_anything(app: Flask, client: Client, api_token: Any):
    response = client.post(
        "/api/v1/extract",
        data={"file": (io.BytesIO(sample("dopt-igot-email-om-scanned.pdf")), "scan.pdf")},
        headers=api_token(),
    )
    assert response.status_code == 200, response.json
    found = response.json["suggestions"]
    assert found["reference_no"]["value"] == "T-28/27/2025-iGOT Part(1)" and found["dated"]["value"] == "2026-03-03"
    assert 0 < found["reference_no"]["confidence"] <= 1 and response.json["ocr_pages"] == [1, 2]
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MemoReading)) == 0


def test_a_file_alone_registers_with_its_particulars_read_and_twice_is_409_with_the_id(
    app: Flask, client: Client, api_token: Any
):
    headers = api_token()
    data = {"file": (io.BytesIO(sample("dopt-igot-email-om.pdf")), "om.pdf")}
    response = client.post("/api/v1/circulars", data=data, headers=headers)
    assert response.status_code == 201, response.json
    circular = response.json
    assert (circular["reference_no"], circular["dated"]) == ("T-28/27/2025-iGOT Part(1)", "2026-03-03")
    assert circular["diary_no"] == "1" and circular["confidence"]["reference_no"] >= 0.8
    again = client.post(
        "/api/v1/circulars", data={"file": (io.BytesIO(sample("dopt-igot-email-om.pdf")), "om.pdf")}, headers=headers
    )
    assert again.status_code == 409 and again.json["circular_id"] == circular["id"]


def test_an_upload_over_the_cap_is_413_and_nothing_is_stored(app: Flask, client: Client, api_token: Any):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post(
        "/api/v1/extract", data={"file": (io.BytesIO(b"%PDF-1.7\n" + b"0" * 20_000), "big.pdf")}, headers=api_token()
    )
    assert response.status_code == 413 and stored_files(app) == []


def test_correcting_particulars_is_audited_with_before_and_after(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    client.upload_memo(sample("dopt-igot-email-om.pdf"), "om.pdf")
    assert client.post(client.particulars_url, data={**MEMO_FIELDS, **client_hidden(client)}).status_code == 302
    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
    page = f"/circulars/{circular_id}/edit"
    response = client.submit(page, {**MEMO_FIELDS, "diary_no": "254/6"}, follow_redirects=True)
    assert "Particulars corrected" in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "circular.revised"))
        assert event is not None and event.details["changed"] == {"diary_no": {"from": "253/6", "to": "254/6"}}


def client_hidden(client: Client) -> dict[str, str]:
    html = client.get(client.particulars_url).get_data(as_text=True)
    return {name: value for name, value in re.findall(r'name="(upload|csrf_token)"[^>]*value="([^"]+)"', html)}
