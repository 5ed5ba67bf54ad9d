"""How well Pavati reads a memo's particulars: exact-match accuracy per field, for text PDFs and scans, and OCR time.

Run: `.venv/bin/python bench/corpus.py /tmp/corpus && .venv/bin/python bench/extraction.py /tmp/corpus [...] [--json]`
(several corpora, say of seeds not tuned to, are pooled, with the scans' accuracy of each shown beside).

Every DIR/*.pdf with an entry in DIR/memos.json (NAME.pdf and NAME-scan.pdf share the entry NAME) is read with
services.reading.read_pdf (OCR where a page has no text) and its particulars suggested with
services.particulars.suggest, then compared with the truth: dates as ISO strings, the rest exactly once runs of
whitespace are made one space. Prints the accuracy of each field (reference_no, dated, issued_by, subject) by kind,
overall and in whole memos, the OCR seconds per page of the scans (a scan's OCR time over its OCR'd pages; mean and
max over the scans) and a 2-page scan's whole reading time, the time to read a 2-page text PDF, and every miss with
what was expected, what was got and how sure the suggestion was. --json prints the figures as JSON too. Always exits
0: a benchmark reports, it doesn't fail.
"""

import argparse
import hashlib
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.particulars import suggest  # noqa: E402
from services.reading import read_pdf  # noqa: E402

FIELDS = ("reference_no", "dated", "issued_by", "subject")
KINDS = ("text", "scan")


def normal(value: object) -> str | None:
    """A value as compared: a date as ISO, a string with its whitespace collapsed."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


# OCR cannot tell an en dash from a hyphen, or a curly quote from a straight one: the second measure
# forgives those forms (and only those).
_TYPOGRAPHIC = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


def loose(value: str | None) -> str | None:
    return value.translate(_TYPOGRAPHIC) if value is not None else None


def measure(path: Path, truth: dict) -> dict:
    """Read one PDF and compare its suggested particulars with the truth."""
    started = time.monotonic()
    try:
        reading = read_pdf(path.read_bytes())
        seconds = time.monotonic() - started
        found = suggest(reading.pages, reading.ocr_pages)
    except Exception as exc:  # a benchmark records a failure and goes on
        none = dict.fromkeys(FIELDS, False)
        return {"file": path.name, "error": f"{type(exc).__name__}: {exc}", "fields": none, "loose": none}
    result: dict = {
        "file": path.name,
        "pages": len(reading.pages),
        "seconds": seconds,
        "fields": {},
        "loose": {},
        "misses": [],
    }
    if reading.ocr_pages:
        result["ocr_seconds_per_page"] = reading.ocr_seconds / len(reading.ocr_pages)
    for field in FIELDS:
        suggestion = found.get(field)
        got = normal(suggestion.value) if suggestion else None
        expected = normal(truth[field])
        result["fields"][field] = got == expected
        result["loose"][field] = loose(got) == loose(expected)
        if got != expected:
            confidence = round(suggestion.confidence, 2) if suggestion else None
            result["misses"].append({"field": field, "expected": expected, "got": got, "confidence": confidence})
    return result


def registration_seconds(paths: list[Path]) -> list[float]:
    """Server time of registering each 2-page text PDF from the file alone (POST /api/v1/circulars: check,
    store, read, suggest, diarise), on a fresh SQLite database, measured around the request."""
    import tempfile

    from app import create_app
    from models import db
    from services import accounts

    folder = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "SECRET_KEY": "bench-" + "x" * 40,
            "FILES_DIR": str(folder / "files"),
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        db.create_all()
        user = accounts.create_user(db.session, "bench@pavati.in", "Bench", "clerk", "a long password")
        headers = {"Authorization": f"Bearer {accounts.issue_api_token(db.session, user.id)}"}
        db.session.commit()
    client = app.test_client()
    seconds = []
    for path in paths:
        started = time.monotonic()
        response = client.post("/api/v1/circulars", data={"file": (path.open("rb"), path.name)}, headers=headers)
        seconds.append(time.monotonic() - started)
        if response.status_code != 201:
            print(f"registering {path.name}: {response.status_code} {response.json}", file=sys.stderr)
    return seconds


def corpus(folder: Path) -> list[tuple[str, Path, dict]]:
    """The PDFs in `folder` that memos.json has particulars for, with their kind."""
    truths = json.loads((folder / "memos.json").read_text())
    found = []
    for path in sorted(folder.glob("*.pdf")):
        name = path.stem.removesuffix("-scan")
        if name in truths:
            found.append(("scan" if path.stem.endswith("-scan") else "text", path, truths[name]))
    return found


def share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 3) if hits else None


def figures(results: dict[str, list[dict]]) -> dict:
    """Accuracy by kind and field, OCR time per page, and reading time of 2-page text PDFs."""
    out: dict = {"accuracy": {}, "accuracy_typographic": {}, "files": {kind: len(results[kind]) for kind in KINDS}}
    for kind in KINDS:
        rows = results[kind]
        for key, measure_ in (("accuracy", "fields"), ("accuracy_typographic", "loose")):
            by_field = {field: share([row[measure_][field] for row in rows]) for field in FIELDS}
            by_field["overall"] = share([row[measure_][field] for row in rows for field in FIELDS])
            by_field["whole memo"] = share([all(row[measure_].values()) for row in rows])
            out[key][kind] = by_field
    ocr = [row["ocr_seconds_per_page"] for row in results["scan"] if "ocr_seconds_per_page" in row]
    out["ocr_seconds_per_page"] = {"mean": _round(ocr, statistics.mean), "max": _round(ocr, max), "scans": len(ocr)}
    two = [row["seconds"] for row in results["text"] if row.get("pages") == 2]
    out["text_2_pages_seconds"] = {"mean": _round(two, statistics.mean), "max": _round(two, max), "files": len(two)}
    scans = [row["seconds"] for row in results["scan"] if row.get("pages") == 2]
    out["scan_2_pages_seconds"] = {
        "mean": _round(scans, statistics.mean),
        "max": _round(scans, max),
        "files": len(scans),
    }
    out["misses"] = [
        {"file": row["file"], **miss} for kind in KINDS for row in results[kind] for miss in row.get("misses", [])
    ]
    out["errors"] = [
        {"file": row["file"], "error": row["error"]} for kind in KINDS for row in results[kind] if "error" in row
    ]
    return out


def _round(values: list[float], how) -> float | None:
    return round(how(values), 3) if values else None


def report(out: dict) -> None:
    """The figures as a table, then every miss."""
    heads = [f"{kind} ({out['files'][kind]})" for kind in KINDS]
    for key, title in (("accuracy", "exact"), ("accuracy_typographic", "exact but for dash and quote forms")):
        print(f"\n{title}\n{'field':<14}" + "".join(f"{head:>14}" for head in heads))
        for field in (*FIELDS, "overall", "whole memo"):
            cells = [out[key][kind][field] for kind in KINDS]
            print(f"{field:<14}" + "".join(f"{'-' if c is None else f'{c:.1%}':>14}" for c in cells))
    ocr, two = out["ocr_seconds_per_page"], out["text_2_pages_seconds"]
    print(f"\nOCR seconds per page (scans, n={ocr['scans']}): mean {ocr['mean']}, max {ocr['max']}")
    print(f"reading a 2-page text PDF (n={two['files']}): mean {two['mean']}s, max {two['max']}s")
    scan = out["scan_2_pages_seconds"]
    print(f"reading a 2-page scan, OCR and all (n={scan['files']}): mean {scan['mean']}s, max {scan['max']}s")
    for name, by_field in out.get("scan_accuracy_by_corpus", {}).items():
        print(f"scans of {name}: " + ", ".join(f"{field} {share:.1%}" for field, share in by_field.items()))
    for error in out["errors"]:
        print(f"ERROR {error['file']}: {error['error']}")
    if out["misses"]:
        print(f"\n{len(out['misses'])} misses:")
    for miss in out["misses"]:
        print(f"- {miss['file']} {miss['field']} (confidence {miss['confidence']})")
        print(f"    expected: {miss['expected']!r}\n    got:      {miss['got']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="corpora made by bench/corpus.py (figures pooled)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    seen: set[str] = set()  # each corpus carries the founding samples: pooled, they are measured once
    for folder in args.folders:
        for kind, path, truth in corpus(folder):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            row = {**measure(path, truth), "path": str(path), "corpus": folder.name}
            row["file"] = f"{folder.name}/{path.name}" if len(args.folders) > 1 else path.name
            results[kind].append(row)
            state = row.get("error") or f"{sum(row['fields'].values())}/{len(FIELDS)} in {row['seconds']:.2f}s"
            print(f"{row['file']}: {state}", file=sys.stderr, flush=True)
    out = figures(results)
    if len(args.folders) > 1:
        out["scan_accuracy_by_corpus"] = {
            folder.name: {
                field: share([row["fields"][field] for row in results["scan"] if row["corpus"] == folder.name])
                for field in FIELDS
            }
            for folder in args.folders
        }
    two_pages = [Path(row["path"]) for row in results["text"] if row.get("pages") == 2]
    registered = registration_seconds(two_pages)
    out["register_2_pages_seconds"] = {
        "mean": _round(registered, statistics.mean),
        "max": _round(registered, max),
        "files": len(registered),
    }
    report(out)
    reg = out["register_2_pages_seconds"]
    print(f"registering a 2-page text PDF from the file alone (n={reg['files']}): mean {reg['mean']}s, ", end="")
    print(f"max {reg['max']}s")
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
