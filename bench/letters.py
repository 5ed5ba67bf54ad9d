"""How fast a letter is made: rendering against WeasyPrint bare, a process's first render, signing, issuing.

Run: `.venv/bin/python bench/letters.py [--runs 9] [--json]`.

Each figure is taken in a fresh process on its own SQLite file (with the founding memo registered and a letter
prepared with the office's defaults), timed with the same letter in the same run:
- render: services.letters.render_letter (our template, the static-only fetcher, the page cap) against
  WeasyPrint rendering the very same HTML bare (its own fetcher, no cap), both warm, median of --runs.
  The issue's target: within 1.1x.
- first: the app's first letter, once its renderer (a process the app starts, which loads the fonts once) is ready,
  against the warm median. Target: within 2x. Also reported: how long after the app's start the renderer is ready.
- sign: services.signing.sign on the issued bundle with a PKCS#12 key (the tests' EC P-256 certificate), median.
- issue: services.letters.issue_endorsement end to end for a 2-page letter with the 2-page memo: render,
  bundle, sign, store, lock; median over fresh drafts. Target: under 1 s.
"""

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import seed  # noqa: E402 (bench/, beside this script)

TARGETS = {"render_ratio": 1.1, "first_ratio": 2.0, "issue_s": 1.0}


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def measure(runs: int) -> dict[str, Any]:
    """Every figure, in this (fresh) process."""
    from weasyprint import HTML

    from models import Endorsement, db
    from services import files, letters, printing, signing
    from tests.conftest import make_office_certificate

    workdir = Path(tempfile.mkdtemp(prefix="pavati-letters-"))
    certificate = make_office_certificate(workdir)
    started = time.perf_counter()
    app = seed.fresh_app(f"sqlite:///{workdir / 'bench.sqlite'}", workdir, **certificate.settings)
    figures: dict[str, Any] = {}
    # The app starts its renderer (a process of its own, fonts loaded); a letter asked for before it is ready waits.
    printing.renderer().schedule(abs, (0,)).result()
    figures["renderer_ready_s"] = time.perf_counter() - started
    with app.app_context():
        circular = seed.register_memo(db.session)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
        draft = letters.prepare_endorsement(db.session, circular.id, fields, None)
        db.session.commit()
        figures["first_s"] = timed(lambda: letters.render_letter(draft, draft=False, verify_code="B3nchC0de00"))
        html, _ = letters.letter_html(draft, False, "B3nchC0de00")
        base = Path(app.static_folder or "").resolve().as_uri() + "/"
        ours, bare = [], []
        for _ in range(runs):  # taken in turns, so that the machine's drift falls on both alike
            ours.append(timed(lambda: letters.render_letter(draft, False, "B3nchC0de00")))
            bare.append(timed(lambda: HTML(string=html, base_url=base).write_pdf(pdf_variant=printing.PDF_VARIANT)))
        figures["render_s"], figures["bare_s"] = statistics.median(ours), statistics.median(bare)
        figures["letter_pages"] = pages(letters.render_letter(draft, False, "B3nchC0de00"))
        bundle = letters.letter_with_memo(draft, draft=False, verify_code="B3nchC0de00")
        figures["bundle_pages"] = pages(bundle)
        figures["sign_s"] = statistics.median(timed(lambda: signing.sign(bundle)) for _ in range(runs))
        issue_times = []
        for _ in range(runs):
            fresh = letters.prepare_endorsement(db.session, circular.id, fields, None)
            db.session.commit()
            issue_times.append(timed(lambda fresh=fresh: letters.issue_endorsement(db.session, fresh.id, None)))
            db.session.commit()
        figures["issue_s"] = statistics.median(issue_times)
        last = db.session.get(Endorsement, fresh.id)
        assert last is not None and last.signed_by and files.load(last.pdf_sha256 or "")
        db.engine.dispose()
    figures["render_ratio"] = figures["render_s"] / figures["bare_s"]
    figures["first_ratio"] = figures["first_s"] / figures["render_s"]
    return figures


def report(f: dict[str, Any]) -> None:
    def verdict(key: str) -> str:
        return "ok" if f[key] <= TARGETS[key] else "OVER"

    print(f"a {f['letter_pages']}-page letter ({f['bundle_pages']} pages with the memo), SQLite, warm medians")
    print(f"  render, ours               {f['render_s'] * 1000:7.1f} ms")
    print(
        f"  render, WeasyPrint bare    {f['bare_s'] * 1000:7.1f} ms   ratio {f['render_ratio']:.2f}x"
        f" (target <= 1.1x) {verdict('render_ratio')}"
    )
    print(
        f"  first render of a process  {f['first_s'] * 1000:7.1f} ms   ratio {f['first_ratio']:.2f}x"
        f" (target <= 2x) {verdict('first_ratio')}"
    )
    print(f"  renderer ready after start {f['renderer_ready_s'] * 1000:7.1f} ms   (a process of its own, fonts loaded)")
    print(f"  signing the bundle         {f['sign_s'] * 1000:7.1f} ms   (PKCS#12, EC P-256)")
    print(f"  issuing: render, bundle, sign, store  {f['issue_s'] * 1000:7.1f} ms (target < 1 s) {verdict('issue_s')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.runs)))
        return
    # A fresh process, so that "first render" is a process's first.
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--runs", str(args.runs)], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit(1)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    report(figures)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
