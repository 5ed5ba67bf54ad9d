"""The endorsement letter: its words, its PDF, and a renderer that can read nothing but our static files."""

import io
import secrets
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

from models import AuditEvent, Delivery, Endorsement, db
from services import accounts, acknowledgements, intake, letters, office, printing
from services.errors import Conflict, Forbidden, Invalid
from tests.conftest import MEMO_FIELDS, PASSWORD, issued_endorsement, pdf_text, sample, settle


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 3, 11), "11th March, 2026"),
        (date(2026, 3, 1), "1st March, 2026"),
        (date(2026, 3, 22), "22nd March, 2026"),
        (date(2026, 3, 23), "23rd March, 2026"),
        (date(2026, 3, 12), "12th March, 2026"),
    ],
)
def test_long_date(day: date, text: str):
    assert letters.long_date(day) == text


def draft(app: Flask, memo_pdf: bytes | None = None, **overrides: object) -> int:
    memo = intake.read_memo(db.session, memo_pdf or sample("dopt-igot-email-om.pdf"))
    circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
    fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11", **overrides}
    return letters.prepare_endorsement(db.session, circular.id, fields, None).id


def test_issued_pdf_has_the_particulars_and_never_changes(app: Flask):
    with app.app_context():
        endorsement_id = draft(app, file_no="No.30/10/2025-1PAR Cell", copy_to="DoPT\nPS to CM", deadline="2026-03-25")
        preview = pdf_text(letters.preview_pdf(db.session, endorsement_id))
        assert "DRAFT" in preview
        endorsement = letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        issued = letters.issued_pdf(db.session, endorsement_id)
        text = pdf_text(issued)
        for words in [
            "No.30/10/2025-1PAR Cell",
            "T-28/27/2025-iGOT Part(1)",
            "Updation of Email ID on SPARROW",
            "11th March, 2026",
            "Endst. No. 30/10/2025-1PAR Cell",
            "PS to CM",
            "25th March, 2026",
            "All the IAS officers in Haryana",
            "Chandigarh",
            "Sir/Madam,",
            "Yours faithfully,",
        ]:
            assert words in text, words
        assert "DRAFT" not in text
        reader = pypdf.PdfReader(io.BytesIO(issued))
        info = reader.metadata or {}
        assert info["/Title"].startswith("No.30/10/2025-1PAR Cell: Instructions regarding Updation of Email ID")
        assert info["/Author"] == "Chief Secretary's Office (PAR Cell), Government of Haryana"
        assert "T-28/27/2025-iGOT Part(1)" in info["/Subject"] and info["/CreationDate"].startswith("D:20260311")
        # Page numbers from the second page on, as office letters have them.
        assert "Page 1 of" not in reader.pages[0].extract_text() and "Page 2 of" in reader.pages[1].extract_text()
        with pytest.raises(Conflict):
            letters.revise_draft(db.session, endorsement_id, {"file_no": "changed"}, None)
        with pytest.raises(Conflict):
            letters.issue_endorsement(db.session, endorsement_id, None)
        assert letters.issued_pdf(db.session, endorsement_id) == issued
        assert endorsement.pdf_sha256


def test_standard_words_follow_a_changed_kind_and_deadline(app: Flask):
    with app.app_context():
        endorsement_id = draft(app, deadline="2026-03-31")
        assert "31st March, 2026" in pdf_text(letters.preview_pdf(db.session, endorsement_id))
        endorsement = letters.get_endorsement(db.session, endorsement_id)
        given = {
            k: getattr(endorsement, k)
            for k in ("file_no", "dated", "addressee", "signatory_name", "signatory_title", "copy_to")
        }
        letters.revise_draft(
            db.session, endorsement_id, {**given, "body": "", "ack_kind": "read", "deadline": "2026-04-15"}, None
        )
        text = pdf_text(letters.preview_pdf(db.session, endorsement_id))
    assert "acknowledge receipt by 15th April, 2026" in " ".join(text.split())
    assert "iGOT Karmayogi portal is the same" not in " ".join(text.split())


HOSTILE = {
    "addressee": '<img src="file:///etc/passwd"> All officers',
    "body": '<b>bold</b> text <style>@import url("http://169.254.169.254/latest/meta-data/");</style>',
    "signatory_name": '<link rel="attachment" href="file:///etc/passwd">',
    "copy_to": "http://169.254.169.254/latest/meta-data/\n<iframe src=https://example.com>",
}


def test_what_staff_type_is_escaped_not_markup_and_nothing_is_fetched(app: Flask):
    with app.app_context():
        office.save(
            db.session, {"office": '<img src="http://169.254.169.254/">', "branch": "@import url(x.css);"}, None
        )
        endorsement_id = draft(app, **HOSTILE)
        printed = printing.render(*letters.letter_html(letters.get_endorsement(db.session, endorsement_id), True))
    assert printed.pdf is not None
    text = pdf_text(printed.pdf)
    assert '<img src="file:///etc/passwd">' in text and "<b>bold</b>" in text and "169.254.169.254" in text
    assert '<link rel="attachment"' in text and '<img src="http://169.254.169.254/">' in text
    # The letter asked for its own stylesheet (and the fonts it names) and nothing typed: no file, no address.
    static = Path(app.static_folder or "").resolve().as_uri()
    assert printed.fetched and all(url.startswith(static) for url in printed.fetched), printed.fetched
    assert b"/EmbeddedFile" not in printed.pdf and b"/URI" not in printed.pdf


def test_a_letter_is_rendered_once_however_many_officers_it_goes_to(app: Flask, monkeypatch: pytest.MonkeyPatch):
    rendered: list[str] = []
    render = printing.render

    def render_and_count(html: str, *args: Any, **kwargs: Any) -> printing.Printed:
        rendered.append(html)
        return render(html, *args, **kwargs)

    monkeypatch.setattr(printing, "render", render_and_count)
    tokens = issued_endorsement(app)  # the sample roster: issued, then distributed to every officer
    settle(app)
    with app.app_context():
        assert len(tokens) > 1 and db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) >= len(tokens)
    assert len(rendered) == 1


def test_a_letter_past_the_page_cap_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(printing, "MAX_PAGES", 1)
    with app.app_context():
        endorsement_id = draft(app)
        with pytest.raises(Invalid, match="at most 1"):
            letters.preview_pdf(db.session, endorsement_id)


def _dict(**entries: Any) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})


def _script(code: str) -> DictionaryObject:
    return _dict(S=NameObject("/JavaScript"), JS=TextStringObject(code))


def memo_with_active_content() -> bytes:
    """A one-page memo that acts when opened or clicked, in every way a PDF reader allows."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = _dict(Type=NameObject("/Font"), Subtype=NameObject("/Type1"), BaseFont=NameObject("/Helvetica"))
    page[NameObject("/Resources")] = _dict(Font=_dict(F1=writer._add_object(font)))
    content = StreamObject()
    content.set_data(b"BT /F1 12 Tf 72 760 Td (Office Memorandum of the crafted kind) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/AA")] = _dict(O=_script("app.alert('page opened')"))
    rect = ArrayObject(NumberObject(n) for n in (72, 700, 300, 720))
    actions = [
        _script("app.alert('clicked')"),
        _dict(S=NameObject("/Launch"), F=TextStringObject("cmd.exe")),
        _dict(S=NameObject("/URI"), URI=TextStringObject("https://evil.example/"), Next=_script("1")),
    ]
    links = [_dict(Type=NameObject("/Annot"), Subtype=NameObject("/Link"), Rect=rect, A=a) for a in actions]
    payload = StreamObject()
    payload.set_data(b"MZ payload")
    payload[NameObject("/Type")] = NameObject("/EmbeddedFile")
    filespec = writer._add_object(
        _dict(Type=NameObject("/Filespec"), F=TextStringObject("payload.exe"), EF=_dict(F=writer._add_object(payload)))
    )
    attachment = _dict(Type=NameObject("/Annot"), Subtype=NameObject("/FileAttachment"), Rect=rect, FS=filespec)
    field = writer._add_object(
        _dict(
            Type=NameObject("/Annot"),
            Subtype=NameObject("/Widget"),
            FT=NameObject("/Tx"),
            T=TextStringObject("name"),
            Rect=rect,
            AA=_dict(K=_script("app.launchURL('https://evil.example/')")),
        )
    )
    page[NameObject("/Annots")] = ArrayObject([*(writer._add_object(a) for a in [*links, attachment]), field])
    root = writer.root_object
    root[NameObject("/OpenAction")] = _script("app.alert('document opened')")
    root[NameObject("/Names")] = _dict(
        JavaScript=_dict(Names=ArrayObject([TextStringObject("run"), writer._add_object(_script("1"))])),
        EmbeddedFiles=_dict(Names=ArrayObject([TextStringObject("payload.exe"), filespec])),
    )
    root[NameObject("/AcroForm")] = _dict(Fields=ArrayObject([field]), XFA=TextStringObject("<xdp/>"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ACTIVE_KEYS = {"/A", "/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/URI"}
ACTIVE_VALUES = {"/JavaScript", "/Launch", "/URI", "/FileAttachment", "/EmbeddedFile"}


def active_content(data: bytes) -> set[str]:
    """Every active key or action name in the file: each numbered object (unreferenced ones too), and
    every dictionary and array inside it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found: set[str] = set()
    stack: list[Any] = [reader.trailer]
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            stack.append(reader.get_object(number))
        except Exception:  # a free entry in the table: nothing there
            continue
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            found |= ACTIVE_KEYS.intersection(obj)
            found |= {str(v) for v in obj.values() if isinstance(v, NameObject) and v in ACTIVE_VALUES}
            stack.extend(v for v in obj.values() if isinstance(v, dict | list))
        elif isinstance(obj, list):
            stack.extend(v for v in obj if isinstance(v, dict | list))
    return found


def test_issued_letter_carries_none_of_the_memos_active_content(app: Flask):
    memo = memo_with_active_content()
    assert active_content(memo) == ACTIVE_KEYS | ACTIVE_VALUES  # the crafted memo has them all
    with app.app_context():
        endorsement_id = draft(app, memo)
        letters.issue_endorsement(db.session, endorsement_id, None)
        db.session.commit()
        issued = letters.issued_pdf(db.session, endorsement_id)
    assert active_content(issued) == set()
    assert "Office Memorandum of the crafted kind" in pdf_text(issued)
    assert len(pypdf.PdfReader(io.BytesIO(issued)).pages) >= 2


def staff(role: str) -> int:
    """A member of staff of `role`; their id."""
    user = accounts.create_user(db.session, f"{role}-{secrets.token_hex(3)}@hry.gov.in", role.title(), role, PASSWORD)
    db.session.flush()
    return user.id


def test_a_clerk_prepares_and_submits_and_someone_else_approves(app: Flask):
    with app.app_context():
        clerk, approver = staff("clerk"), staff("approver")
        endorsement_id = draft(app)
        db.session.get(Endorsement, endorsement_id).created_by_id = clerk  # type: ignore[union-attr]
        submitted = letters.submit_for_approval(db.session, endorsement_id, clerk, seen_revision=1)
        assert submitted.status == "awaiting_approval" and letters.awaiting_approval(db.session) == [submitted]
        with pytest.raises(Conflict, match="already awaiting"):
            letters.submit_for_approval(db.session, endorsement_id, clerk)
        with pytest.raises(Forbidden, match="approver or an admin"):
            letters.approve(db.session, endorsement_id, clerk)
        # Changed words go back to the clerk: the approver never approves what they were not shown.
        letters.revise_draft(db.session, endorsement_id, {"addressee": "All the HCS officers"}, clerk)
        assert submitted.status == "draft" and letters.awaiting_approval(db.session) == []
        with pytest.raises(Conflict, match="changed since"):
            letters.approve(db.session, endorsement_id, approver, seen_revision=1)
        issued = letters.approve(db.session, endorsement_id, approver, seen_revision=2)
        assert (
            issued.status == "issued" and issued.issued_by_id == approver and issued.addressee == "All the HCS officers"
        )
        actions = db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.entity == "endorsement", AuditEvent.entity_id == endorsement_id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions == [
            "endorsement.prepared",
            "endorsement.submitted",
            "endorsement.revised",
            "endorsement.issued",
            "endorsement.approved",
        ]


def test_whoever_prepared_a_letter_approves_it_only_in_a_one_person_office(app: Flask):
    with app.app_context():
        admin = staff("admin")
        endorsement_id = draft(app)
        db.session.get(Endorsement, endorsement_id).created_by_id = admin  # type: ignore[union-attr]
        with pytest.raises(Forbidden, match="someone else must approve"):
            letters.approve(db.session, endorsement_id, admin)
        assert db.session.get(Endorsement, endorsement_id).issued_at is None  # type: ignore[union-attr]
        office.save(db.session, {"one_person_office": "yes"}, admin)
        assert letters.approve(db.session, endorsement_id, admin).is_issued


def test_a_correction_supersedes_an_issued_letter_and_its_links_lead_to_it(app: Flask):
    with app.app_context():
        approver = staff("approver")
        old_id = draft(app, file_no="No.1/2026")
        with pytest.raises(Conflict, match="change this draft instead"):
            letters.supersede(db.session, old_id, {}, None)
        old = letters.approve(db.session, old_id, approver)
        correction = letters.supersede(db.session, old_id, {"file_no": "No.1/2026 (corrected)"}, None)
        assert (correction.supersedes_id, correction.file_no, correction.addressee) == (
            old_id,
            "No.1/2026 (corrected)",
            old.addressee,
        )
        with pytest.raises(Conflict, match="already being corrected") as again:
            letters.supersede(db.session, old_id, {}, None)
        assert again.value.details == {"superseded_by": correction.id}
        assert old.status == "issued" and acknowledgements.current_letter(old) is old  # not until it is issued
        letters.approve(db.session, correction.id, approver)
        assert old.status == "superseded" and acknowledgements.current_letter(old) is correction
        with pytest.raises(Conflict, match="already being corrected"):
            letters.supersede(db.session, old_id, {}, None)
