"""The office's settings: first made from the environment, changed by admins (audited, checked), and what every
letter, email and officer's page is headed with: the bilingual letterhead shaped in Devanagari, the emblem."""

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from models import AuditEvent, Office, db
from services import intake, letters, office
from services.errors import Invalid
from tests.conftest import MEMO_FIELDS, Auth, Client, issue_letter, issued_endorsement, pdf_text, sample, sqlite_only

ARTIFACTS = Path(__file__).parent / "artifacts"
HINDI = {"government_hi": "हरियाणा सरकार", "office_hi": "मुख्य सचिव कार्यालय"}


def png(width: int = 60, height: int = 60) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 20, 20)).save(out, "PNG")
    return out.getvalue()


def set_office(app: Flask, **given: str) -> None:
    with app.app_context():
        office.save(db.session, given, None)
        db.session.commit()


def issued_pdf(app: Flask) -> bytes:
    endorsement_id = issue_letter(app)
    with app.app_context():
        return letters.issued_pdf(db.session, endorsement_id)


def test_the_first_settings_come_from_the_environment_and_letters_start_from_them(app: Flask):
    with app.app_context():
        kept = office.particulars(db.session)
        assert kept["government"] == app.config["LETTER_GOVERNMENT"]
        assert kept["copy_to"] == app.config["LETTER_COPY_TO"] and kept["government_hi"] == ""
        assert db.session.get(Office, 1) is None  # reading writes nothing: officers' pages read it at once
    set_office(app, signatory_name="Under Secretary", addressee="All the HCS officers")
    issue_letter(app)
    with app.app_context():
        defaults = letters.draft_defaults(db.session, 1)
        assert (defaults["signatory_name"], defaults["addressee"]) == ("Under Secretary", "All the HCS officers")


def test_a_change_is_audited_and_a_wrong_value_changes_nothing(app: Flask):
    set_office(app, place="Panchkula", government_hi="हरियाणा सरकार", unknown="ignored")
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "office.updated")).one()
        assert event.details["changes"] == {
            "place": ["Chandigarh", "Panchkula"],
            "government_hi": ["", "हरियाणा सरकार"],
        }
        for wrong, field in (
            ({"place": ""}, "place"),
            ({"branch": "x" * 201}, "branch"),
            ({"office": "a\x00b"}, "office"),
        ):
            with pytest.raises(Invalid) as refused:
                office.save(db.session, {"department": "GAD", **wrong}, None)
            assert refused.value.field == field
            db.session.rollback()
        assert office.particulars(db.session)["department"] == ""
        assert office.particulars(db.session)["place"] == "Panchkula"


@sqlite_only
def test_the_letter_is_headed_in_hindi_and_english_with_devanagari_shaped(app: Flask):
    set_office(app, **HINDI, department="General Administration Department", place="Panchkula")
    pdf = issued_pdf(app)
    first = PdfReader(io.BytesIO(pdf)).pages[0]
    text = first.extract_text()
    assert "Government of Haryana" in text and "General Administration Department" in text
    assert "Dated Panchkula the 11th March, 2026" in " ".join(text.split())
    fonts = {str(f["/BaseFont"]) for f in first["/Resources"]["/Font"].values()}
    assert any("Lohit-Devanagari" in f for f in fonts), fonts
    # Shaped, not drawn letter by letter: words with a pre-base matra and a conjunct come back as typed. (Not every
    # word does: a glyph HarfBuzz reuses keeps one ToUnicode text, so "सरकार" reads back "सरिकारि" though it is
    # drawn right; the picture saved below is where the shaping is seen.)
    assert "हरियाणा" in text and "मुख्य सचिव" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "letter-bilingual.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(ARTIFACTS / "letter-bilingual")],
        input=pdf,
        check=True,
    )
    assert (ARTIFACTS / "letter-bilingual.png").stat().st_size > 10_000


@sqlite_only
def test_the_emblem_heads_the_letter_and_only_an_image_is_taken(app: Flask):
    with app.app_context():
        for bad, message in (
            (b"%PDF-1.7 not an image", "PNG or JPEG"),
            (b"GIF89a" + b"\x00" * 100, "PNG or JPEG"),
            (png(3000, 10), "at most 2000 pixels"),
            (b"\x89PNG" + b"\x00" * (600 * 1024), "at most 512 KB"),
        ):
            with pytest.raises(Invalid, match=message):
                office.set_emblem(db.session, bad, None)
        office.set_emblem(db.session, png(), None)
        db.session.commit()
        assert office.emblem(db.session) == (png(), "image/png")
    page = PdfReader(io.BytesIO(issued_pdf(app))).pages[0]
    images = [x for x in page["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 1


@sqlite_only
def test_emails_officers_pages_and_reports_name_the_office_as_set(app: Flask, client: Client):
    set_office(app, office="PAR Cell, General Administration", contact="Call 0172-2740000")
    tokens = issued_endorsement(app)
    page = client.get(f"/a/{next(iter(tokens.values()))}").get_data(as_text=True)
    assert "PAR Cell, General Administration" in page
    with app.app_context():
        from models import Delivery
        from services import letter_mail

        delivery = db.session.scalars(db.select(Delivery).where(Delivery.recipient_id.is_not(None))).first()
        assert delivery is not None
        email = letter_mail.compose(delivery, letter_mail.LetterParts())
        assert "PAR Cell, General Administration" in email.text


def test_the_offices_standard_words_for_a_kind_are_the_body_of_its_letters(app: Flask):
    words = (
        "Kindly see O.M. No. {reference_no} dated {memo_dated} of the {issued_by}.\n\n"
        "Please confirm your iGOT email{by_deadline} through the link sent to you."
    )
    set_office(app, body_email_alignment=words)
    with app.app_context():
        with pytest.raises(Invalid, match="may use only"):
            office.save(db.session, {"body_read": "Read {memo}"}, None)
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11", "deadline": "2026-03-25"}
        aligned = letters.prepare_endorsement(db.session, circular.id, {**fields, "ack_kind": "email_alignment"}, None)
        read = letters.prepare_endorsement(db.session, circular.id, {**fields, "ack_kind": "read"}, None)
        body = letters.letter_body(aligned)
        # The office's words kept as the default: the draft holds none of its own, and follows the settings.
        again = letters.revise_draft(db.session, aligned.id, {"body": body}, None)
        text = " ".join(pdf_text(letters.preview_pdf(db.session, aligned.id)).split())
        assert again.body == "" and letters.letter_body(read).startswith("I am directed to forward")
    assert body == (
        "Kindly see O.M. No. T-28/27/2025-iGOT Part(1) dated 03.03.2026 of the Department of Personnel and "
        "Training.\n\nPlease confirm your iGOT email by 25th March, 2026 through the link sent to you."
    )
    assert "Please confirm your iGOT email by 25th March, 2026" in text


@sqlite_only
def test_only_admins_change_the_settings(app: Flask, client: Client, auth: Auth):
    assert client.get("/office").status_code == 302  # to the login page
    for role in ("viewer", "clerk"):
        auth.login(role)
        assert client.get("/office").status_code == 403
        assert client.post("/office/emblem/remove").status_code in (400, 403)
        auth.logout()
    auth.login("admin")
    assert "The office's settings" in client.get("/office").get_data(as_text=True)
    values: dict[str, Any] = {p.name: "" for p in office.PARTICULARS}
    with app.app_context():
        values.update(office.particulars(db.session))
    refused = client.submit("/office", {**values, "place": ""})
    assert refused.status_code == 422 and "Place is required." in refused.get_data(as_text=True)
    saved = client.submit("/office", {**values, **HINDI}, follow_redirects=True)
    assert "हरियाणा सरकार" in saved.get_data(as_text=True)
    assert client.post("/office", data={**values, "place": "Nowhere"}).status_code == 400  # no CSRF token
    token = client.csrf_token("/office")
    upload = {"file": (io.BytesIO(png()), "emblem.png"), "csrf_token": token}
    assert client.post("/office/emblem", data=upload, follow_redirects=True).status_code == 200
    shown = client.get("/office/emblem")
    assert shown.mimetype == "image/png" and shown.headers["X-Content-Type-Options"] == "nosniff"
    fake = {"file": (io.BytesIO(b"<svg onload=alert(1)>"), "emblem.png"), "csrf_token": token}
    assert "PNG or JPEG" in client.post("/office/emblem", data=fake, follow_redirects=True).get_data(as_text=True)
    assert client.get("/office/emblem").data == png()  # the refused file changed nothing
