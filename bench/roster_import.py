"""How fast Pavati imports a roster of N officers (CSV and XLSX): preview, apply, and re-import unchanged.

Run: `.venv/bin/python bench/roster_import.py [N] [--database-url URL]` (N defaults to 50,000).

Each format is measured in a fresh process on a fresh SQLite database (or --database-url): the preview
(read the file, match every row, say what would change), the apply (write the officers), and a re-import
of the same file, which changes nothing; with the process's peak memory (max RSS). Beside them, in the same
run, the reference the issue names for reading a sheet: openpyxl's read-only mode over the same workbook,
against python-calamine as services.roster_file uses it.
"""

import argparse
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

HEADER = ["S.No.", "Identity No.", "Name of Officer", "Email ID (SPARROW)", "Batch", "Cadre", "Present Posting"]


def rows(n: int) -> list[list[object]]:
    return [
        [i + 1, f"01XX{i:06}", f"Officer Number {i:06}", f"Officer.{i:06}@nic.in", 1990 + i % 35, "HY", f"Post {i}"]
        for i in range(n)
    ]


def write_files(n: int, folder: Path) -> dict[str, Path]:
    import openpyxl

    data = rows(n)
    csv_path = folder / "roster.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(data)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    xlsx_path = folder / "roster.xlsx"
    book.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def one(path: Path, database_url: str, folder: Path) -> dict[str, float]:
    """Preview, apply and re-import one file on a fresh database; the seconds of each and peak memory."""
    from app import create_app
    from models import db
    from services import roster, roster_file

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "FILES_DIR": str(folder / "files"),
            "LOG_LEVEL": "WARNING",
        }
    )
    data = path.read_bytes()
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        plan = roster.plan_import(db.session, roster_file.read_sheet(data))
        previewed = time.perf_counter()
        result = roster.apply_import(db.session, plan, None)
        db.session.commit()
        applied = time.perf_counter()
        db.session.expunge_all()
        again = roster.import_roster(db.session, data, None)
        db.session.commit()
        reimported = time.perf_counter()
        assert result.created == len(plan.create) and not result.errors, result.errors[:3]
        assert again.unchanged == result.created and not again.created and not again.updated
        db.drop_all()
    return {
        "officers": result.created,
        "preview_s": round(previewed - started, 2),
        "apply_s": round(applied - previewed, 2),
        "preview_and_apply_s": round(applied - started, 2),
        "reimport_unchanged_s": round(reimported - applied, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def read_only(path: Path) -> dict[str, float]:
    """Seconds to read every cell of the workbook: openpyxl (read-only) against python-calamine."""
    import openpyxl

    from services import roster_file

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(row) for row in book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    book.close()
    middle = time.perf_counter()
    sheet = roster_file.read_sheet(path.read_bytes())
    done = time.perf_counter()
    assert (len(sheet.rows) + 1) * len(HEADER) == cells  # the header row too
    return {"openpyxl_s": round(middle - started, 2), "calamine_s": round(done - middle, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=50_000)
    parser.add_argument("--database-url")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--read", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one or args.read:
        folder = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        print(json.dumps(one(Path(args.one), url, folder) if args.one else read_only(Path(args.read))))
        return
    folder = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    paths = write_files(args.n, folder)
    print(
        f"roster of {args.n:,} officers: {', '.join(f'{k} {p.stat().st_size / 1e6:.1f} MB' for k, p in paths.items())}"
    )
    extra = ["--database-url", args.database_url] if args.database_url else []
    for kind, path in paths.items():
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(path), *extra], capture_output=True, text=True, check=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{kind:5} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    done = subprocess.run(
        [sys.executable, __file__, "--read", str(paths["xlsx"])], capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = figures["openpyxl_s"] / max(figures["calamine_s"], 0.01)
    print(f"reading the xlsx: openpyxl {figures['openpyxl_s']} s, calamine {figures['calamine_s']} s ({ratio:.1f}x)")
    print("targets (issue 8): preview and apply each under 10 s, re-import unchanged under 5 s")


if __name__ == "__main__":
    main()
