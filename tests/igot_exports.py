"""iGOT "All Reports" exports made by the tests, in the portal's own column layouts, zipped with `zip -P` as the
portal does (legacy ZipCrypto)."""

import csv
import io
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

# The password of the tests' exports, and of the sample export (samples/igot-all-reports.zip).
PASSWORD = "Kb7mQ2xT9wLp4Rz"
USER_HEADER = [
    "Full_Name", "Designation", "Email", "Phone_Number", "MDO_Name", "Group", "Tag", "Ministry", "Department",
    "Organization", "User_Registration_Date", "Cadre", "Civil Service Type", "Civil Services", "Cadre Batch",
    "Is From Organised Service of Govt", "Roles", "Gender", "Category", "External_System", "External_System_Id",
    "Employee_Id", "MDO_Created_On", "Profile_Status", "Course_Enrolments", "Course_Completions",
    "Report_Last_Generated_On", "mdoid",
]  # fmt: skip
CONSUMPTION_HEADER = [
    "Full_Name", "Designation", "Email", "Phone_Number", "MDO_Name", "Group", "Tag", "Ministry", "Department",
    "Organization", "Cadre", "Civil Service Type", "Civil Services", "Cadre Batch", "Content_Provider", "Content_Name",
    "Content_Type", "Content_Duration", "Batch_Id", "Batch_Name", "Batch_Start_Date", "Batch_End_Date", "Enrolled_On",
    "Status", "Content_Progress_Percentage", "Last_Published_On", "Content_Retired_On", "Completed_On",
    "Certificate_Generated", "User_Rating", "Gender", "Category", "External_System", "External_System_Id", "mdoid",
    "Certificate_ID", "Live_CBP_Plan_Mandate",
]  # fmt: skip
# The assessment report spells its headings its own way, and lacks the Cadre columns.
ASSESSMENT_HEADER = [
    "Full Name", "Designation", "E mail", "Phone Number", "Assessment Name", "Assessment Type", "Overall Status",
    "Percentage Score",
]  # fmt: skip
GENERATED = "2026-11-30 06:00:00"


def table(header: list[str], rows: Iterable[dict[str, object]]) -> bytes:
    """A CSV as the portal writes it: every heading, the values given under theirs, the rest empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(heading, "") for heading in header])
    return out.getvalue().encode()


def user(name: str, email: str, mobile: str = "", batch: int | str = "") -> dict[str, object]:
    return {
        "Full_Name": name,
        "Email": email,
        "Phone_Number": mobile,
        "Cadre Batch": batch,
        "Report_Last_Generated_On": GENERATED,
    }


def course(email: str, name: str, status: str, mandated: bool = True) -> dict[str, object]:
    return {"Email": email, "Content_Name": name, "Status": status, "Live_CBP_Plan_Mandate": str(mandated).lower()}


def zipped(files: dict[str, bytes], password: str | None = PASSWORD) -> bytes:
    """The files in a ZIP, encrypted with legacy ZipCrypto under `password` (by Info-ZIP's zip, as a list of
    arguments: no shell), or plain."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        secret = ["-P", password] if password else []
        subprocess.run(["zip", "-q", *secret, "export.zip", *files], cwd=folder, check=True)
        return (Path(folder) / "export.zip").read_bytes()


def zeros_zip(name: str, megabytes: int) -> bytes:
    """A zip bomb: one member of `megabytes` MB of zeros, deflated ~1000:1."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        block = b"0" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(block)
    return out.getvalue()
