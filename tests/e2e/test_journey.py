"""The whole journey in Chromium: a scanned memo read by OCR, an Excel roster, approval, real email, officers on
phones (one in Hindi), and what the Cell then reports — a screenshot of every page under tests/artifacts/."""

import csv
import io
import re
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests import igot_exports as igot
from tests.conftest import SAMPLES, Inbox, needs_ocr, pdf_text
from tests.e2e.conftest import PHONE, Pages, link_in, register_founding_memo, shot
from tests.e2e.test_browser import Login, no_horizontal_overflow


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    """Mail goes to a real SMTP server on loopback, and the test reads it there."""
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


def excel_roster(folder: Path) -> Path:
    """The sample roster as the Cell keeps it: an Excel workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    with (SAMPLES / "roster-haryana-ias.csv").open(newline="") as rows:
        for row in csv.reader(rows):
            sheet.append(row)
    path = folder / "IAS officers.xlsx"
    book.save(path)
    return path


def import_the_roster(page: Page, workbook: Path) -> None:
    page.goto("/officers/import")
    page.get_by_label("Roster (Excel or CSV)").set_input_files(workbook)
    page.get_by_role("button", name="Check before importing").click()
    expect(page.get_by_role("heading", name="Check before importing")).to_be_visible()
    shot(page, "j03-roster-preview")
    page.get_by_role("button", name=re.compile(r"^Import: 40 new, 0 updated")).click()
    expect(page.get_by_role("heading", name="Officers (40)")).to_be_visible()


def prepare_and_submit(page: Page) -> str:
    """The clerk prepares the letter, looks at its PDF, and submits it; the letter's page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Circulars").click()
    page.get_by_role("link", name="T-28/27/2025-iGOT Part(1)").click()
    page.get_by_role("link", name="Prepare endorsement").click()
    page.get_by_label("Deadline").fill(f"{date.today() + timedelta(days=21):%Y-%m-%d}")
    shot(page, "j04-prepare")
    page.get_by_role("button", name="Save draft").click()
    preview = page.request.get(page.get_by_role("link", name="Preview PDF").get_attribute("href") or "")
    assert preview.headers["content-type"] == "application/pdf"
    text = pdf_text(preview.body())
    # The letter (two pages), then the two pages of the scanned memo it forwards.
    assert (
        "DRAFT" in text and "Yours faithfully" in text and len(pypdf.PdfReader(io.BytesIO(preview.body())).pages) == 4
    )
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Sent for approval.")).to_be_visible()
    shot(page, "j05-awaiting-approval")
    return page.url


def reconcile(page: Page, folder: Path, igot_emails: dict[str, str]) -> None:
    """Upload iGOT's "All Reports" export (password-protected, as the portal gives it) of every officer on the roster,
    each under their SPARROW email except those named in `igot_emails` (SPARROW email → the email iGOT shows)."""
    with (SAMPLES / "roster-haryana-ias.csv").open(newline="") as rows:
        roster = list(csv.DictReader(rows))
    users = [
        igot.user(o["name"], igot_emails.get(o["sparrow_email"], o["sparrow_email"]), o["mobile"], o["batch"])
        for o in roster
    ]
    export = folder / "all-reports.zip"
    export.write_bytes(igot.zipped({"UserReport.csv": igot.table(igot.USER_HEADER, users)}))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="iGOT reports").click()
    page.get_by_label("iGOT's All Reports ZIP, or its CSV files").set_input_files(export)
    page.get_by_label("Password shown at the download (for the ZIP)").fill(igot.PASSWORD)
    shot(page, "j11-igot-upload")
    page.get_by_role("button", name="Reconcile with the roster").click()
    expect(page.get_by_role("heading", name="What iGOT says of the 40 active officers")).to_be_visible(timeout=30_000)
    expect(page.locator(".tally").get_by_role("link", name=re.compile(r"^Aligned"))).to_have_text(re.compile("38"))
    shot(page, "j12-igot-reconciled")


@needs_ocr
def test_the_whole_journey(
    app: Flask, pages: Pages, staff: Login, smtp: tuple[Inbox, int], live_server: str, tmp_path: Path
):
    inbox, _ = smtp
    clerk = pages.new()
    staff(clerk, "clerk")
    register_founding_memo(
        clerk, SAMPLES / "dopt-igot-email-om-scanned.pdf", ("j01-reading-the-scan", "j02-particulars-from-ocr"), 60
    )
    import_the_roster(clerk, excel_roster(tmp_path))
    letter = prepare_and_submit(clerk)

    approver = pages.new()
    staff(approver, "approver")
    approver.get_by_role("navigation", name="Main").get_by_role("link", name="To approve").click()
    shot(approver, "j06-approvals-queue")
    approver.get_by_role("link", name="No.30/10/2025-1PAR Cell").click()
    approver.get_by_role("button", name="Approve and issue").click()
    expect(approver.get_by_text("Approved and issued.")).to_be_visible()

    clerk.goto(letter)
    clerk.get_by_role("button", name="Send to all active officers").click()
    inbox.wait_for(40)
    expect(clerk.get_by_text("Emails sent: 40 of 40", exact=True)).to_be_visible(timeout=15_000)
    shot(clerk, "j07-sent")

    # Two officers open the link in their email on a phone: one in English says their iGOT email differs, the
    # other, in Hindi, that it is the same.
    first, second = sorted(inbox.messages, key=lambda m: str(m["To"]))[:2]
    assert first.get_content_type() == "multipart/mixed" and any(
        part.get_content_type() == "application/pdf" for part in first.iter_attachments()
    )
    english = pages.new(**PHONE)
    english.goto(link_in(first.get_body(("plain",)).get_content(), live_server))  # type: ignore[union-attr]
    no_horizontal_overflow(english, 390)
    shot(english, "j08-officer-phone")
    english.get_by_label("My iGOT Karmayogi email ID is different").check()
    english.get_by_label("Your email ID on iGOT Karmayogi").fill("first.officer@karmayogi.gov.in")
    english.get_by_role("button", name="Submit").click()
    expect(english.get_by_role("heading", name=re.compile("^Thank you, "))).to_be_visible()
    shot(english, "j09-officer-thanks")

    hindi = pages.new(**PHONE, locale="hi-IN", extra_http_headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    hindi.goto(link_in(second.get_body(("plain",)).get_content(), live_server))  # type: ignore[union-attr]
    hindi.get_by_label("iGOT कर्मयोगी और SPARROW पर मेरी ईमेल आईडी एक ही है").check()
    shot(hindi, "j10-officer-hindi")
    hindi.get_by_role("button", name="भेजें").click()
    expect(hindi.get_by_role("heading", name=re.compile("^धन्यवाद, "))).to_be_visible()

    # iGOT's own report: the first officer's iGOT email is the one they gave; the second, who answered "the same",
    # is on iGOT under another email (found by their mobile), which the Cell must now chase.
    first_email, second_email = (parseaddr(str(m["To"]))[1] for m in (first, second))
    reconcile(clerk, tmp_path, {first_email: "first.officer@karmayogi.gov.in", second_email: "x@gmail.com"})

    # What the Cell sees: the letter's counts, the overview, the work list, the report for DoPT.
    clerk.goto(letter)
    expect(clerk.get_by_text("Answered: 2 of 40")).to_be_visible()
    expect(clerk.get_by_text("Answered aligned; iGOT shows another email")).to_be_visible()
    expect(clerk.get_by_role("link", name="Mismatch 1")).to_be_visible()
    shot(clerk, "j13-letter-tracked")
    clerk.goto("/endorsements/")
    expect(clerk.locator("table.overview tbody tr").first).to_contain_text("5 %")  # 2 of 40 answered
    shot(clerk, "j14-overview")
    clerk.goto("/mismatches/")
    expect(clerk.get_by_text("first.officer@karmayogi.gov.in")).to_be_visible()
    shot(clerk, "j15-work-list")
    report = clerk.request.get(letter.rstrip("/") + "/report.pdf")
    assert report.ok and "Compliance" in pdf_text(report.body())
    assert pages.errors == []
