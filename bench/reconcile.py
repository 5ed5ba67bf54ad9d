"""How fast Pavati reconciles iGOT's "All Reports" export with the roster, and in how much memory.

Run: `.venv/bin/python bench/reconcile.py [OFFICERS] [--rows-per-officer 10] [--database-url URL]`.

Makes a roster of OFFICERS (50,000) officers, and an export as the portal gives it: a user report of as many
users (most with the roster's email, some another email with the same mobile, some the same mailbox at gov.in,
some found only by name and batch, some not on iGOT) and a consumption report of 10 courses each (500,000 rows),
zipped with legacy ZipCrypto (`zip -P`, the bench's own throwaway password). Each database is measured in a
fresh process: reading the export alone, then the whole reconciliation (read, match, write a row per officer),
with the process's peak memory (max RSS) before and after. SQLite always; PostgreSQL when --database-url is
given or a server answers on 127.0.0.1:5432 (a database of its own, dropped after).
"""

import argparse
import contextlib
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import seed  # noqa: E402 (bench/, beside this script)

from tests.igot_exports import CONSUMPTION_HEADER, USER_HEADER  # noqa: E402

PASSWORD = "bench-only-Kb7mQ2xT9"
COURSES = [f"Course {i}: a prescribed course with a long name" for i in range(10)]
STATUSES = ["completed", "completed", "in-progress", "not-started"]


def officer(i: int) -> tuple[str, str, str, int]:
    return f"Officer Number {i:06}", f"officer.{i:06}@nic.in", f"98{i:08}", 1990 + i % 35


def igot_email(i: int) -> str | None:
    """The email iGOT has for officer i: the same (70%), another with the same mobile (10%), the gov.in alias
    (5%), another found by name and batch only (5%), or none (10%: not on iGOT)."""
    _, email, _, _ = officer(i)
    kind = i % 20
    if kind < 14:
        return email.upper() if kind == 0 else email
    if kind < 16:
        return f"personal.{i}@gmail.com"
    if kind == 16:
        return email.replace("@nic.in", "@gov.in")
    if kind == 17:
        return f"by.name.{i}@yahoo.com"
    return None


def write_export(n: int, rows_per_officer: int, folder: Path) -> Path:
    users_path, consumption_path = folder / "UserReport.csv", folder / "ConsumptionReport.csv"
    with users_path.open("w", newline="") as users, consumption_path.open("w", newline="") as consumption:
        user_rows, course_rows = csv.writer(users), csv.writer(consumption)
        user_rows.writerow(USER_HEADER)
        course_rows.writerow(CONSUMPTION_HEADER)
        at = {h: USER_HEADER.index(h) for h in ("Full_Name", "Email", "Phone_Number", "Cadre Batch")}
        course_at = {
            h: CONSUMPTION_HEADER.index(h) for h in ("Email", "Content_Name", "Status", "Live_CBP_Plan_Mandate")
        }
        for i in range(n):
            email = igot_email(i)
            name, _, mobile, batch = officer(i)
            if email is None:  # someone else, not on the roster
                name, email, mobile, batch = f"Stranger {i}", f"stranger.{i}@example.org", f"70{i:08}", 1980
            elif i % 20 == 17:
                mobile = ""
            row = [""] * len(USER_HEADER)
            row[at["Full_Name"]], row[at["Email"]], row[at["Phone_Number"]], row[at["Cadre Batch"]] = (
                name, email, mobile, str(batch),
            )  # fmt: skip
            row[USER_HEADER.index("Report_Last_Generated_On")] = "2026-11-30 06:00:00"
            row[USER_HEADER.index("MDO_Name")] = "Government of Haryana"
            user_rows.writerow(row)
            for c in range(rows_per_officer):
                line = [f"filler {c}"] * len(CONSUMPTION_HEADER)
                line[course_at["Email"]], line[course_at["Content_Name"]] = email, COURSES[c % len(COURSES)]
                # A quarter of the officers have completed everything; the rest, a mix.
                line[course_at["Status"]] = "completed" if i % 4 == 0 else STATUSES[(i + c) % len(STATUSES)]
                line[course_at["Live_CBP_Plan_Mandate"]] = "true" if c < 3 else "false"
                course_rows.writerow(line)
    archive = folder / "igot-all-reports.zip"
    subprocess.run(
        ["zip", "-q", "-P", PASSWORD, archive.name, users_path.name, consumption_path.name], cwd=folder, check=True
    )
    return archive


def one(archive: Path, n: int, database_url: str, folder: Path) -> dict[str, float]:
    """Read, then reconcile, the export against a roster of n officers on a fresh database."""
    import sqlalchemy as sa

    from app import create_app
    from models import Officer, db
    from services import igot_report, jobs, reconciliation

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "FILES_DIR": str(folder / "files"),
            "LOG_LEVEL": "WARNING",
            "IGOT_INLINE_MB": 10**6,  # read here and now, to be timed
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        for start in range(0, n, 5000):
            rows = []
            for i in range(start, min(start + 5000, n)):
                name, email, mobile, batch = officer(i)
                rows.append(
                    {"name": name, "sparrow_email": email, "email_key": email, "mobile": mobile, "batch": batch}
                )
            db.session.execute(sa.insert(Officer), rows)
        db.session.commit()
        before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with archive.open("rb") as upload:
            report = igot_report.read_export([(archive.name, upload)], PASSWORD, reconciliation.limit())
        read_s = time.perf_counter() - started
        users, consumption_rows = len(report.users), sum(len(c) for c in report.courses.values())
        del report
        started = time.perf_counter()
        with archive.open("rb") as upload:
            done = reconciliation.start(db.session, [(archive.name, upload)], PASSWORD, None)
            db.session.commit()
        total_s = time.perf_counter() - started
        counts = done.counts
        jobs.executor().shutdown()
        db.session.remove()  # its open transaction would hold PostgreSQL's drop back
        db.drop_all()
    return {
        "officers": counts["officers"],
        "igot_users": users,
        "user_courses": consumption_rows,
        "read_export_s": round(read_s, 2),
        "reconcile_s": round(total_s, 2),
        "rss_before_mb": round(before_mb),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **{k: counts[k] for k in ("aligned", "mismatch", "alias", "not_on_igot", "ambiguous", "courses_completed")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=50_000)
    parser.add_argument("--rows-per-officer", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    if args.one:
        print(json.dumps(one(Path(args.one), args.n, args.database_url, folder)))
        return
    archive = write_export(args.n, args.rows_per_officer, folder)
    sizes = {
        p.name: p.stat().st_size / 1e6 for p in (folder / "UserReport.csv", folder / "ConsumptionReport.csv", archive)
    }
    print(f"{args.n:,} officers, {args.n * args.rows_per_officer:,} consumption rows: "
          + ", ".join(f"{name} {mb:.1f} MB" for name, mb in sizes.items()))  # fmt: skip
    with contextlib.ExitStack() as stack:
        databases = {"sqlite": f"sqlite:///{folder / 'bench.sqlite'}"}
        if args.database_url or seed.postgres_answers(seed.PG_SERVER):
            databases["postgresql"] = args.database_url or stack.enter_context(
                seed.database("postgresql", seed.PG_SERVER, folder)
            )
        for label, url in databases.items():
            command = [sys.executable, __file__, str(args.n), "--one", str(archive), "--database-url", url]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{label:10} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    print("target (issue 11): 50,000 users and 500,000 consumption rows against 50,000 officers in under 20 s")


if __name__ == "__main__":
    main()
