"""Reading iGOT's export: the portal's ZIP and CSVs, drifted headings, and every way a file can be wrong."""

import io
import time
from pathlib import Path

import pytest

from services import igot_report
from services.errors import Invalid
from tests.igot_exports import (
    ASSESSMENT_HEADER,
    CONSUMPTION_HEADER,
    PASSWORD,
    USER_HEADER,
    course,
    table,
    user,
    zeros_zip,
    zipped,
)

SAMPLE = Path(__file__).parent / "samples" / "igot-all-reports.zip"
LIMIT = 512 * 1024 * 1024


def read(*files: tuple[str, bytes], password: str | None = PASSWORD, limit: int = LIMIT) -> igot_report.Report:
    return igot_report.read_export([(name, io.BytesIO(data)) for name, data in files], password, limit)


def refusal(*files: tuple[str, bytes], password: str | None = PASSWORD, limit: int = LIMIT) -> Invalid:
    with pytest.raises(Invalid) as caught:
        read(*files, password=password, limit=limit)
    return caught.value


def test_the_portals_sample_export() -> None:
    report = read(("igot-all-reports.zip", SAMPLE.read_bytes()))
    assert len(report.users) == 36 and report.read == ["UserReport.csv", "ConsumptionReport.csv"]
    assert len(report.mandated) == 3 and "Prevention of Sexual Harassment at Workplace" not in report.mandated
    assert report.generated_at() is not None and report.generated_at().year == 2026  # type: ignore[union-attr]
    kavita = next(u for u in report.users if u.email == "kavita.garg@nic.in")
    assert (kavita.mobile, kavita.batch, kavita.name_key) == ("9981836553", 1994, "kavitagarg")


def test_headings_found_by_name_whatever_their_order_case_spacing_and_mark() -> None:
    # Columns reversed, headings in other case and spacing, no Cadre columns, a byte-order mark, CRLF lines.
    header = ["report_last_generated_on", " PHONE NUMBER ", "E mail", "full name"]
    data = (
        "\ufeff"
        + ",".join(header)
        + "\r\n"
        + f"{' 2026-01-05 10:00:00'},+91 99818 36553, Asha.Verma@NIC.in ,Asha Verma\r\n"
    )
    report = read(("UserReport.csv", data.encode()), password=None)
    (asha,) = report.users
    assert (asha.email, asha.shown, asha.mobile, asha.batch) == (
        "asha.verma@nic.in",
        "Asha.Verma@NIC.in",
        "9981836553",
        None,
    )
    assert report.generated == "2026-01-05 10:00:00"


def test_the_assessment_reports_own_spelling() -> None:
    users = table(USER_HEADER, [user("Asha Verma", "asha@nic.in")])
    assessed = table(
        ASSESSMENT_HEADER,
        [
            {"E mail": "ASHA@nic.in", "Assessment Name": "Comprehensive Assessment for AIS", "Overall Status": "Pass"},
            {"E mail": "other@nic.in", "Assessment Name": "Comprehensive Assessment for AIS", "Overall Status": "Fail"},
        ],
    )
    report = read(("export.zip", zipped({"UserReport.csv": users, "UserAssessmentReport.csv": assessed})))
    assert report.assessed == {"asha@nic.in"}


def test_csvs_uploaded_themselves_are_told_apart_by_their_columns() -> None:
    users = table(USER_HEADER, [user("Asha Verma", "asha@nic.in")])
    courses = table(CONSUMPTION_HEADER, [course("asha@nic.in", "Course A", "in-progress")])
    report = read(("download (1).csv", courses), ("download (2).csv", users), password=None)
    assert report.courses == {"asha@nic.in": {"Course A": igot_report.IN_PROGRESS}}
    assert sorted(report.read) == ["ConsumptionReport.csv", "UserReport.csv"]


def test_a_course_in_several_batches_counts_by_the_furthest() -> None:
    users = table(USER_HEADER, [user("A", "a@nic.in")])
    rows = [course("a@nic.in", "X", "completed"), course("a@nic.in", "X", "not-enrolled")]
    report = read(("UserReport.csv", users), ("ConsumptionReport.csv", table(CONSUMPTION_HEADER, rows)), password=None)
    assert report.courses["a@nic.in"]["X"] == igot_report.COMPLETED


def test_a_masked_export_is_refused_with_its_reason() -> None:
    users = table(USER_HEADER, [user("Asha Verma", "asha@nic.in"), user("Ravi Kumar", "ravi@***.***")])
    assert "masks the email domains" in refusal(("export.zip", zipped({"UserReport.csv": users}))).message


def test_a_wrong_or_missing_password() -> None:
    data = SAMPLE.read_bytes()
    wrong = refusal(("export.zip", data), password="not the password")
    assert wrong.message == igot_report.WRONG_PASSWORD and wrong.field == "password"
    assert refusal(("export.zip", data), password=None).message == igot_report.NEEDS_PASSWORD


def test_a_zip_bomb_is_refused_within_seconds() -> None:
    started = time.monotonic()
    assert "zip bomb" in refusal(("bomb.zip", zeros_zip("UserReport.csv", 300)), password=None).message
    assert time.monotonic() - started < 5


def test_the_limit_counts_the_bytes_unpacked_not_what_the_headers_claim() -> None:
    users = table(USER_HEADER, [user(f"Officer {i}", f"officer.{i}@nic.in", batch=2001) for i in range(20_000)])
    assert len(users) > 1024 * 1024
    assert "zip bomb" in refusal(("export.zip", zipped({"UserReport.csv": users})), limit=1024 * 1024).message


@pytest.mark.parametrize(
    "files, words",
    [
        ((("memo.pdf", b"%PDF-1.7 \x00\x01 binary"),), "not one of iGOT's reports"),
        ((("ConsumptionReport.csv", table(CONSUMPTION_HEADER, [])),), "has no UserReport.csv"),
        ((("export.zip", SAMPLE.read_bytes()[:3000]),), "damaged"),
        ((("UserReport.csv", b'Full_Name,Email\n"unterminated,a@nic.in\n' + b"x" * 200_000),), "cannot be read as CSV"),
        ((("UserReport.csv", "Full_Name,Email\nA,\xe9@nic.in\n".encode("latin-1")),), "not text in UTF-8"),
    ],
)
def test_what_is_not_an_export_is_refused_plainly(files: tuple[tuple[str, bytes], ...], words: str) -> None:
    assert words in refusal(*files).message


def test_fifty_thousand_users_are_streamed() -> None:
    users = table(
        USER_HEADER,
        (user(f"Officer {i}", f"officer.{i}@nic.in", f"98{i:08}", 1990 + i % 30) for i in range(50_000)),
    )
    report = read(("export.zip", zipped({"UserReport.csv": users})))
    assert len(report.users) == 50_000 and report.users[-1].mobile == "9800049999"
