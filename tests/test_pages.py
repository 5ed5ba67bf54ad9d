"""The staff pages and the officer's page, driven through their forms as a browser would."""

import io
import re
from pathlib import Path

import pypdf
import pytest
from flask import Flask

from models import AuditEvent, Circular, Officer, Recipient, db
from services import acknowledgements, dispatch, jobs, postbox, reading, roster, roster_file
from tests.conftest import MEMO_FIELDS, Auth, Client, sample, settle, sqlite_only

DRAFT = {
    "file_no": "No.1/2026-PAR",
    "dated": "2026-03-11",
    "addressee": "All officers",
    "body": "",
    "signatory_name": "DS",
    "signatory_title": "for CS",
    "copy_to": "",
    "ack_kind": "email_alignment",
    "deadline": "",
}


def draft_via_pages(app: Flask, client: Client, fields: dict[str, str]) -> str:
    """Prepare a draft endorsement of the registered circular through its form; returns its page."""
    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
    response = client.submit(f"/circulars/{circular_id}/endorsements/new", fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def register_via_pages(client: Client) -> str:
    """Upload the memo, check the pre-filled form, save; returns the circular's page."""
    html, hidden = client.upload_memo(sample("dopt-igot-email-om.pdf"), "dopt om.pdf")
    assert 'value="T-28/27/2025-iGOT Part(1)"' in html
    assert 'value="2026-03-03"' in html
    assert "Department of Personnel and Training" in html
    assert "Updation of Email ID on SPARROW and iGOT Karmayogi Portal" in html
    assert set(hidden) == {"upload", "csrf_token"}
    response = client.post(client.particulars_url, data={**MEMO_FIELDS, **hidden, "filename": "dopt om.pdf"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_staff_flow_through_pages_and_local_mailbox(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    assert "No circulars yet" in client.get("/").get_data(as_text=True)
    circular_page = register_via_pages(client)
    page = client.get(circular_page).get_data(as_text=True)
    assert "registered as diary 253/6" in page and "No endorsement yet" in page

    preview, _ = client.preview_roster(sample("roster-haryana-ias.csv"))
    assert "Import: 40 new, 0 updated" in preview
    assert "Roster imported: 40 new, 0 updated" in client.import_roster(sample("roster-haryana-ias.csv"))

    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
    new_page = f"/circulars/{circular_id}/endorsements/new"
    form = client.get(new_page).get_data(as_text=True)
    assert "All the IAS officers in Haryana" in form and "No.30/10/2025-1PAR Cell" in form
    response = client.submit(
        new_page,
        {
            "file_no": "No.30/10/2025-1PAR Cell",
            "dated": "2026-03-11",
            "addressee": "All the IAS officers in Haryana",
            "body": "",
            "signatory_name": "Deputy Superintendent",
            "signatory_title": "for Chief Secretary",
            "copy_to": "DoPT\nPS to CM",
            "ack_kind": "email_alignment",
            "deadline": "2026-03-25",
        },
    )
    assert response.status_code == 302
    endorsement_page = response.headers["Location"]
    page = client.get(endorsement_page).get_data(as_text=True)
    assert "Draft saved" in page and "Submit for approval" in page and "Approve" not in page
    preview = client.get(f"{endorsement_page}/preview.pdf")
    assert preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF-")

    # The clerk cannot issue; they submit, the approver approves, which issues it.
    assert client.submit(endorsement_page, {}, action=f"{endorsement_page}/issue").status_code == 403
    page = client.submit(endorsement_page, {}, action=f"{endorsement_page}/submit", follow_redirects=True)
    assert "Sent for approval" in page.get_data(as_text=True) and "Awaiting approval." in page.get_data(as_text=True)
    page = auth.approve(endorsement_page)
    assert "Approved and issued" in page.get_data(as_text=True)
    page = client.submit(endorsement_page, {}, action=f"{endorsement_page}/distribute", follow_redirects=True)
    assert "Sending to 40 officers" in page.get_data(as_text=True)
    with app.app_context():
        assert jobs.executor().wait(30)
    page = client.get(endorsement_page).get_data(as_text=True)
    assert "Emails sent: 40 of 40" in page and 'http-equiv="refresh"' not in page

    listing = client.get("/mailbox/").get_data(as_text=True)
    keys = re.findall(r'href="/mailbox/([0-9T]+-[0-9a-f]{8})"', listing)
    assert len(keys) == 40
    message = client.get(f"/mailbox/{keys[0]}").get_data(as_text=True)
    link = re.search(r"https://pavati\.example\.gov\.in(/a/[A-Za-z0-9_\-]+)", message)
    assert link and "Attachment:" in message

    officer_page = client.get(link.group(1)).get_data(as_text=True)
    assert "Your email ID on record is the one on SPARROW" in officer_page
    response = client.submit(
        link.group(1), {"response": "different", "igot_email": "someone.else@gmail.com"}, follow_redirects=True
    )
    assert response.status_code == 200 and "someone.else@gmail.com" in response.get_data(as_text=True)
    page = client.get(f"{endorsement_page}?state=mismatch").get_data(as_text=True)
    assert "someone.else@gmail.com" in page and "Mismatch <b>1</b>" in page

    page = client.submit(endorsement_page, {}, action=f"{endorsement_page}/reminders", follow_redirects=True)
    assert "Reminder sent to 39 officers" in page.get_data(as_text=True)
    with app.app_context():
        jobs.executor().wait(30)
        assert len(postbox.mailbox_items(limit=500)) == 79


def test_edit_draft_and_issued_letter_is_fixed(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    register_via_pages(client)
    fields = {**DRAFT, "ack_kind": "read"}
    page = draft_via_pages(app, client, fields)
    response = client.submit(f"{page}/edit", {**fields, "file_no": "No.2/2026-PAR"}, follow_redirects=True)
    assert "No.2/2026-PAR" in response.get_data(as_text=True)
    auth.approve(page)
    response = client.get(f"{page}/edit", follow_redirects=True)
    assert "can no longer be changed" in response.get_data(as_text=True)
    response = auth.approve(page)
    assert "already been issued" in response.get_data(as_text=True)


def test_bad_endorsement_input_is_shown_on_the_form(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    register_via_pages(client)
    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
    response = client.submit(
        f"/circulars/{circular_id}/endorsements/new",
        {
            "file_no": "No.1",
            "dated": "2026-03-11",
            "addressee": "All",
            "signatory_name": "DS",
            "signatory_title": "CS",
            "ack_kind": "read",
            "deadline": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert "deadline cannot be before" in response.get_data(as_text=True)
    response = client.submit(f"/circulars/{circular_id}/endorsements/new", {"file_no": "", "ack_kind": "nonsense"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        from models import Endorsement

        assert db.session.scalar(db.select(db.func.count()).select_from(Endorsement)) == 0


def test_duplicate_memo_is_caught(client: Client, auth: Auth):
    auth.login("clerk")
    register_via_pages(client)
    _, hidden = client.upload_memo(sample("dopt-igot-email-om.pdf"), "again.pdf")
    response = client.post(client.particulars_url, data={**MEMO_FIELDS, **hidden})
    assert response.status_code == 422 and "already registered" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"hello", "The file is not a PDF"),
        (b"%PDF-1.4 garbage", "damaged or unreadable"),
        (b"\x89PNG\r\n", "The file is not a PDF"),
    ],
)
def test_upload_that_is_not_a_pdf_is_refused(app: Flask, client: Client, auth: Auth, content: bytes, message: str):
    auth.login("clerk")
    response = client.submit(
        "/circulars/new", {"file": (io.BytesIO(content), "memo.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert not (Path(app.config["FILES_DIR"])).exists() or not any(Path(app.config["FILES_DIR"]).rglob("*.pdf"))


def test_a_scan_that_cannot_be_read_is_left_for_hand_entry(
    app: Flask, client: Client, auth: Auth, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reading.shutil, "which", lambda name: None)  # as on a machine without Tesseract
    auth.login("clerk")
    client.upload_memo(sample("dopt-igot-email-om-scanned.pdf"), "scan.pdf")
    settle(app)
    page = client.get(client.particulars_url).get_data(as_text=True)
    assert "could not be read" in page and "fill the particulars in by hand" in page
    assert 'name="reference_no"' in page


def test_staff_pages_need_login_and_viewers_cannot_change(client: Client, auth: Auth):
    for url in ["/", "/officers/", "/circulars/new", "/mailbox/", "/endorsements/1"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("viewer")
    assert "Register a circular" not in client.get("/").get_data(as_text=True)
    assert client.get("/circulars/new").status_code == 403
    assert client.get("/officers/import").status_code == 403
    assert client.get("/mailbox/").status_code == 403
    token = client.csrf_token("/")
    assert client.post("/endorsements/1/issue", data={"csrf_token": token}).status_code == 403


def test_login_rejects_wrong_password_and_unsafe_next(client: Client, auth: Auth, app: Flask):
    auth.login("clerk")
    auth.logout()
    response = client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": "wrong"})
    assert "Wrong email or password" in response.get_data(as_text=True)
    response = client.submit(
        "/login?next=//evil.example.com/x",
        {"email": "clerk@parcell.hry.gov.in", "password": "correct horse battery"},
        action="/login?next=//evil.example.com/x",
    )
    assert response.headers["Location"] == "/"


def test_login_is_refused_after_ten_failures(client: Client, auth: Auth):
    auth.login("clerk")
    auth.logout()
    for _ in range(10):
        client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": "wrong"})
    response = client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": "correct horse battery"})
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_forms_without_csrf_token_are_refused(client: Client, auth: Auth):
    auth.login("clerk")
    response = client.post("/circulars/new", data={"file": (io.BytesIO(b"%PDF-"), "x.pdf")})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.post("/logout").status_code == 400


def test_password_change_ends_other_sessions(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    assert client.get("/").status_code == 200
    with app.app_context():
        from services import accounts

        user = accounts.find_user(db.session, "clerk@parcell.hry.gov.in")
        accounts.set_password(db.session, user.id, "a brand new password")
        db.session.commit()
    assert client.get("/").status_code == 302


def test_officer_link_unknown_or_altered_is_404_and_records_nothing(app: Flask, client: Client):
    assert client.get("/a/not-a-token").status_code == 404
    assert client.post("/a/not-a-token", data={"response": "aligned"}).status_code == 404
    assert client.get("/a/" + "x" * 500).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Recipient)) == 0


def test_empty_states_and_security_headers(client: Client, auth: Auth):
    auth.login("clerk")
    assert "The roster is empty" in client.get("/officers/").get_data(as_text=True)
    assert "The mailbox is empty" in client.get("/mailbox/").get_data(as_text=True)
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/circulars/999").status_code == 404
    assert client.get("/mailbox/../../etc/passwd").status_code == 404


def test_a_page_past_the_end_of_a_list_goes_to_its_last_page(client: Client, auth: Auth):
    auth.login("clerk")
    past = client.get("/officers/?q=kavita&q=garg&page=7")
    assert past.status_code == 302 and past.headers["Location"] == "/officers/?q=kavita&q=garg&page=1"
    assert client.get("/endorsements/?page=2").headers["Location"] == "/endorsements/?page=1"
    assert "No letters sent yet" in client.get("/endorsements/?page=1").get_data(as_text=True)


def test_officers_can_be_deactivated_and_are_then_not_sent(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    register_via_pages(client)
    client.import_roster(sample("roster-haryana-ias.csv"))
    with app.app_context():
        officer_id = db.session.scalar(db.select(Officer.id).where(Officer.sparrow_email == "kavita.garg@nic.in"))
    response = client.submit("/officers/", {}, action=f"/officers/{officer_id}/active", follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    response = client.submit(
        "/officers/", {"active": "0"}, action=f"/officers/{officer_id}/active", follow_redirects=True
    )
    assert "Kavita Garg is now inactive" in response.get_data(as_text=True)

    page = issue_via_pages(app, client, auth)
    client.submit(page, {}, action=f"{page}/distribute")
    with app.app_context():
        assert jobs.executor().wait(30)
        sent_to = set(db.session.scalars(db.select(Recipient.email)))
    assert len(sent_to) == 39 and "kavita.garg@nic.in" not in sent_to


def issue_via_pages(app: Flask, client: Client, auth: Auth) -> str:
    """Prepare an endorsement of the registered circular and have the approver approve (issue) it; its page."""
    page = draft_via_pages(app, client, DRAFT)
    html = client.get(page).get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    response = auth.approve(page, revision=revision)
    assert "Approved and issued" in response.get_data(as_text=True)
    return page


def test_issue_refuses_a_draft_changed_since_it_was_opened(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    register_via_pages(client)
    fields = {**DRAFT, "ack_kind": "read"}
    page = draft_via_pages(app, client, fields)
    seen = re.search(r'name="revision" value="(\d+)"', client.get(page).get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.submit(f"{page}/edit", {**fields, "addressee": "Someone else"})  # another clerk's edit
    response = auth.approve(page, revision=seen)
    assert "changed since you opened it" in response.get_data(as_text=True)
    with app.app_context():
        from models import Endorsement

        assert db.session.scalar(db.select(Endorsement.issued_at)) is None


def held_in_outbox(app: Flask, client: Client, auth: Auth) -> str:
    """A letter issued through the pages and distributed to the sample roster, its emails held in the outbox
    (nothing sent, so the sending controls show); its page."""
    auth.login("clerk")
    register_via_pages(client)
    with app.app_context():
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        db.session.commit()
    page = issue_via_pages(app, client, auth)
    with app.app_context():
        dispatch.distribute(db.session, int(page.rsplit("/", 1)[1]), None)
        db.session.info.pop("pavati.jobs.pending")
        db.session.commit()
    return page


def test_sending_controls_on_the_endorsement_page(app: Flask, client: Client, auth: Auth):
    page = held_in_outbox(app, client, auth)
    html = client.get(page).get_data(as_text=True)
    assert "Pause sending" in html and "Cancel the emails not yet sent" in html
    html = client.submit(page, {}, action=f"{page}/pause", follow_redirects=True).get_data(as_text=True)
    assert "Sending paused" in html and "Resume sending" in html and "40 paused" in html
    html = client.submit(page, {}, action=f"{page}/resume", follow_redirects=True).get_data(as_text=True)
    assert "Sending resumed" in html
    with app.app_context():
        jobs.executor().wait(30)
    html = client.get(page).get_data(as_text=True)
    assert "Remind the officers ticked" in html and "Scheduled reminders" in html
    chosen = re.findall(r'name="recipient_id" value="(\d+)"', html)[:2]
    response = client.submit(page, {"recipient_id": chosen}, action=f"{page}/remind-chosen", follow_redirects=True)
    assert "Reminder sent to 2 of the officers ticked" in response.get_data(as_text=True)
    response = client.submit(
        page, {"every_days": "3", "at_most": "2"}, action=f"{page}/reminder-schedule", follow_redirects=True
    )
    assert "Reminders scheduled every 3 days, at most 2 times" in response.get_data(as_text=True)
    response = client.submit(page, {"every_days": "0"}, action=f"{page}/reminder-schedule", follow_redirects=True)
    assert "Scheduled reminders turned off" in response.get_data(as_text=True)
    with app.app_context():
        officer_id = db.session.scalar(db.select(Officer.id).where(Officer.email_key == "kavita.garg@nic.in"))
    officer_page = client.get(f"/officers/{officer_id}").get_data(as_text=True)
    assert "No.1/2026-PAR" in officer_page and "badge-pending" in officer_page


def test_the_roster_preview_writes_nothing_until_the_clerk_imports(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    client.import_roster(b"Name of Officer,Email ID (SPARROW),Present Posting\nA One,a.one@nic.in,DC Karnal\n")
    changed = b"Name of Officer,Email ID (SPARROW),Present Posting\nA One,a.one@nic.in,DC Rohtak\n,x@nic.in,\n"
    preview, fields = client.preview_roster(changed)
    assert "DC Karnal → DC Rohtak" in preview and "The Name is missing." in preview
    assert fields["col-0"] == "name" and fields["col-1"] == "sparrow_email" and fields["col-2"] == "posting"
    with app.app_context():
        assert db.session.scalar(db.select(Officer.posting)) == "DC Karnal"
    page = client.post("/officers/import/apply", data=fields, follow_redirects=True).get_data(as_text=True)
    assert "Roster imported: 0 new, 1 updated, 0 unchanged, 1 rows left out." in page
    with app.app_context():
        assert db.session.scalar(db.select(Officer.posting)) == "DC Rohtak"


def test_the_clerk_marks_the_columns_the_preview_could_not_guess(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    preview, fields = client.preview_roster(b"Officer,Mail on record\nA One,a.one@nic.in\n")
    assert "No column is marked as the Name;" in preview and "Import:" not in preview
    fields |= {"col-0": "name", "col-1": "sparrow_email"}
    again = client.post("/officers/import/preview", data=fields).get_data(as_text=True)
    assert "Import: 1 new, 0 updated" in again
    client.post("/officers/import/apply", data=fields)
    with app.app_context():
        assert db.session.scalar(db.select(Officer.name)) == "A One"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n\x00\x01", "neither a CSV nor an Excel workbook"),
        (b"", "empty"),
    ],
)
def test_a_file_that_is_no_roster_is_refused_on_the_upload_page(client: Client, auth: Auth, data: bytes, message: str):
    auth.login("clerk")
    page, fields = client.preview_roster(data)
    assert message in page and "ticket" not in fields


@pytest.mark.parametrize("forge", ["altered", "a memo's"])
def test_a_forged_roster_ticket_imports_nothing(app: Flask, client: Client, auth: Auth, forge: str):
    auth.login("clerk")
    _, fields = client.preview_roster(b"Name,Email\nA One,a.one@nic.in\n")
    if forge == "altered":
        ticket = fields["ticket"] + "x"
    else:
        _, memo = client.upload_memo(sample("dopt-igot-email-om.pdf"), "memo.pdf")
        ticket = memo["upload"]
    page = client.post("/officers/import/apply", data={**fields, "ticket": ticket}, follow_redirects=True)
    assert page.status_code == 200 and "uploaded roster has expired or was not found" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Officer)) == 0


@pytest.fixture
def officer_id(app: Flask, client: Client, auth: Auth) -> int:
    """A clerk logged in, and the one officer of the roster they imported."""
    auth.login("clerk")
    client.import_roster(b"Name,Email,Mobile No.\nA One,a.one@nic.in,9876543210\n")
    with app.app_context():
        found = db.session.scalar(db.select(Officer.id))
    assert found is not None
    return found


def test_an_officers_page_masks_the_mobile_until_asked(client: Client, officer_id: int):
    page = f"/officers/{officer_id}"
    html = client.get(page).get_data(as_text=True)
    assert "•••••••210" in html and "9876543210" not in html and "No letters yet" in html
    shown = client.submit(page, {}, action=f"{page}/mobile").get_data(as_text=True)
    assert "9876543210" in shown


def test_editing_an_officer_on_the_page_keeps_the_old_email(client: Client, officer_id: int):
    edit = f"/officers/{officer_id}/edit"
    wrong = client.submit(edit, {"name": "A One", "sparrow_email": "a.one@nic.in", "batch": "19xx"})
    assert wrong.status_code == 422 and "The Batch &#39;19xx&#39; is not a year." in wrong.get_data(as_text=True)
    saved = client.submit(
        edit, {"name": "A One", "sparrow_email": "a.one@gov.in", "batch": "2001"}, follow_redirects=True
    )
    html = saved.get_data(as_text=True)
    assert "A One saved." in html and "a.one@gov.in" in html and "a.one@nic.in" in html  # the earlier email


def test_an_officer_is_added_by_hand(client: Client, auth: Auth):
    auth.login("clerk")
    html = client.submit(
        "/officers/new", {"name": "B Two", "sparrow_email": "b.two@nic.in"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "B Two added to the roster." in html


def test_the_officers_list_is_filtered_and_downloaded(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    client.import_roster(b"Name,Email,Cadre\nA One,a.one@nic.in,HY\nB Two,b.two@nic.in,UP\n")
    html = client.get("/officers/?cadre=UP").get_data(as_text=True)
    assert "B Two" in html and "A One" not in html and 'Officers <span class="muted">(1)' in html
    assert "No officer matches" in client.get("/officers/?q=nobody").get_data(as_text=True)
    sheet = client.get("/officers/export.xlsx?cadre=UP")
    assert sheet.headers["Content-Disposition"] == "attachment; filename=roster.xlsx"
    assert [cells[1] for _, cells in roster_file.read_sheet(sheet.data).rows] == ["B Two"]
    with app.app_context():  # who took a copy of officers' personal data is on the record
        taken = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "roster.exported")).one()
        assert taken.actor is not None and (taken.actor.role, taken.details) == ("clerk", {"format": "xlsx", "rows": 1})


@sqlite_only
def test_the_approvers_queue_and_a_correction_that_officers_links_lead_to(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    assert client.get("/approvals").status_code == 403
    register_via_pages(client)
    page = draft_via_pages(app, client, DRAFT)
    client.submit(page, {}, action=f"{page}/submit")
    auth.logout()
    auth.login("approver")
    queue = client.get("/approvals").get_data(as_text=True)
    assert "No.1/2026-PAR" in queue and "by Clerk" in queue
    assert "Approved and issued" in client.submit(page, {}, action=f"{page}/approve", follow_redirects=True).text
    assert "Nothing to approve" in client.get("/approvals").get_data(as_text=True)
    with app.app_context():
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        db.session.commit()
    client.submit(page, {}, action=f"{page}/distribute")
    with app.app_context():
        assert jobs.executor().wait(30)
        token = acknowledgements.link_token(db.session.scalars(db.select(Recipient.token_nonce)).first() or "")
    auth.logout()
    auth.login("clerk")
    assert "Correct this letter" in client.get(page).text
    corrected = client.submit(page, {}, action=f"{page}/supersede", follow_redirects=True)
    assert "A correction is drafted" in corrected.text
    correction_page = page.rsplit("/", 1)[0] + "/2"
    client.submit(f"{correction_page}/edit", {**DRAFT, "file_no": "No.1/2026-PAR (corrected)"})
    assert "Corrects" in client.get(correction_page).text
    assert "has been corrected" not in client.get(f"/a/{token}").text  # not until the correction is issued
    assert "Approved and issued" in auth.approve(correction_page).text
    officer_page = client.get(f"/a/{token}").text
    assert "has been corrected by letter No.1/2026-PAR (corrected)" in officer_page
    letter = client.get(f"/a/{token}/letter.pdf")
    assert "No.1/2026-PAR (corrected)" in pypdf.PdfReader(io.BytesIO(letter.data)).pages[0].extract_text()
    assert "superseded" in client.get(page).text and "Correct this letter" not in client.get(page).text


def test_an_answer_by_phone_is_recorded_after_sending_was_called_off(app: Flask, client: Client, auth: Auth):
    page = held_in_outbox(app, client, auth)
    html = client.submit(page, {}, action=f"{page}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "Distribution cancelled" in html and "Mark by hand" in html and "Resend" not in html
