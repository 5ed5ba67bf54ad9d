"""How following an endorsement up scales: its staff page and its API counts at 100,000 recipients against 1,000.

Run: `.venv/bin/python bench/tracking.py [--small 1000] [--large 100000] [--runs 7] [--json]`
(`--sqlite-only`, or `--postgres-url` for the server to make a database on; PostgreSQL is skipped when none answers).

Each database is built in a fresh process: on SQLite a temporary file, on PostgreSQL a database of the
bench's own, created here and dropped at the end. It holds one roster of `--large` officers and two issued
letters, sent to `--small` and to `--large` of them, written by bulk INSERT with a realistic mix: emails sent,
failed and bounced, reminders to some of those who have not answered, officers aligned, mismatched, noted
or pending, answers (some changed once) spread over a month. Timed warm, median of `--runs`: the staff page
GET /endorsements/<id> through a logged-in test client, and GET /api/v1/endorsements/<id> with a bearer
token; beside them each service call the page makes. The issue's target: the large within 2x the small.
"""

import argparse
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import seed  # noqa: E402 (bench/, beside this script)

TARGET = 2.0
CHUNK = 5000


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def seed_letter(circular_id: int, n: int, started: datetime, rng: random.Random) -> int:
    """An issued letter sent to the first `n` officers, with answers and emails in a realistic mix; its id."""
    import sqlalchemy as sa

    from models import Acknowledgement, Delivery, Officer, Recipient, db

    draft = seed.issue_letter(db.session, circular_id)
    officers = db.session.execute(sa.select(Officer.id, Officer.name, Officer.sparrow_email).order_by(Officer.id)).all()
    plan = [_one_officer(rng, started) for _ in range(n)]
    recipient_rows = [
        {
            "endorsement_id": draft.id,
            "officer_id": o.id,
            "name": o.name,
            "email": o.sparrow_email,
            "token_nonce": secrets.token_hex(16),
            "token_hash": secrets.token_hex(32),
            "state": p["state"],
            "response": p["response"],
            "details": {"igot_email": p["igot_email"]} if p["igot_email"] else {},
            "acknowledged_at": p["answers"][-1] if p["answers"] else None,
            "first_answered_at": p["answers"][0] if p["answers"] else None,
            "created_at": started,
        }
        for o, p in zip(officers, plan, strict=False)
    ]
    for part in chunks(recipient_rows):
        db.session.execute(sa.insert(Recipient), part)
    made = dict(
        db.session.execute(sa.select(Recipient.officer_id, Recipient.id).where(Recipient.endorsement_id == draft.id))
        .tuples()
        .all()
    )
    ids = [made[o.id] for o in officers[:n]]
    deliveries, answers = [], []
    for rid, o, p in zip(ids, officers, plan, strict=False):
        for round_, (status, sent_at) in enumerate(p["emails"]):
            deliveries.append(
                {
                    "endorsement_id": draft.id,
                    "recipient_id": rid,
                    "kind": "reminder" if round_ else "letter",
                    "round": round_,
                    "to_name": o.name,
                    "to_email": o.sparrow_email,
                    "status": status,
                    "attempts": 1 if status != "failed" else 8,
                    "last_error": "550 5.1.1 No such user here" if status == "failed" else None,
                    "message_id": f"<{draft.id}.{rid}.{round_}@bench.pavati.local>",
                    "created_at": started + timedelta(days=7 * round_),
                    "sent_at": sent_at if status != "failed" else None,
                }
            )
        for at, response, state in zip(p["answers"], p["responses"], p["states"], strict=True):
            answers.append(
                {
                    "recipient_id": rid,
                    "response": response,
                    "details": {"igot_email": p["igot_email"]} if response == "different" else {},
                    "state": state,
                    "at": at,
                    "remote_addr": "10.0.0.1",
                    "user_agent": "bench",
                }
            )
    for part in chunks(deliveries):
        db.session.execute(sa.insert(Delivery), part)
    for part in chunks(answers):
        db.session.execute(sa.insert(Acknowledgement), part)
    return int(draft.id)


def _one_officer(rng: random.Random, started: datetime) -> dict[str, Any]:
    """One officer's story: their emails (status, sent at) and answers (times, responses, states)."""
    sent_at = started + timedelta(minutes=rng.uniform(0, 90))
    letter = rng.choices(["sent", "failed", "bounced"], [93, 4, 3])[0]
    emails = [(letter, sent_at)]
    story: dict[str, Any] = {"emails": emails, "answers": [], "responses": [], "states": [], "igot_email": None}
    answering = letter == "sent" and rng.random() < 0.65
    if not answering:
        story.update(state="pending", response=None)
        if letter != "bounced" and rng.random() < 0.7:  # a reminder a week on, to most of those pending
            emails.append((rng.choices(["sent", "failed"], [97, 3])[0], started + timedelta(days=7, minutes=5)))
        return story
    state = rng.choices(["aligned", "mismatch", "noted"], [75, 13, 12])[0]
    response = {"aligned": "aligned", "mismatch": "different", "noted": "noted"}[state]
    first = sent_at + timedelta(hours=min(rng.expovariate(1 / 60), 24 * 30))
    story["answers"] = [first]
    story["responses"], story["states"] = [response], [state]
    if rng.random() < 0.1:  # changed their answer later
        story["answers"].append(first + timedelta(hours=rng.uniform(1, 72)))
        story["responses"].insert(0, "different" if response != "different" else "aligned")
        story["states"].insert(0, "mismatch" if state != "mismatch" else "aligned")
    story.update(state=state, response=response, igot_email="someone@gmail.com" if state == "mismatch" else None)
    return story


def build(database_url: str, workdir: Path, sizes: list[int]) -> tuple[Any, dict[int, int], str]:
    """An app on a fresh database with the roster and a letter for each size; (app, size → id, API token)."""
    import sqlalchemy as sa

    from models import db
    from services import accounts

    app = seed.fresh_app(database_url, workdir)
    rng = random.Random(2026)
    started = datetime.now(UTC) - timedelta(days=30)
    with app.app_context():
        circular = seed.register_memo(db.session)
        seed.insert_officers(db.session, max(sizes))
        letters = {n: seed_letter(circular.id, n, started, rng) for n in sizes}
        user = accounts.create_user(db.session, "clerk@parcell.hry.gov.in", "Clerk", "clerk", "bench password 1")
        db.session.flush()
        token = accounts.issue_api_token(db.session, user.id)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would have done by the time anyone looks at a letter sent a month ago.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
    return app, letters, token


def log_in(client: Any) -> None:
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert csrf, "no CSRF token on the login page"
    data = {"email": "clerk@parcell.hry.gov.in", "password": "bench password 1", "csrf_token": csrf.group(1)}
    assert client.post("/login", data=data).status_code == 302, "could not log in"


def median_ms(run: Callable[[], object], runs: int) -> float:
    """The median of `runs` timings in milliseconds, after two warm-up runs."""
    for _ in range(2):
        run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def measure(app: Any, letter_id: int, token: str, runs: int) -> dict[str, float]:
    """The page, the API, and each service call the page makes, for one letter."""
    from zoneinfo import ZoneInfo

    from models import db
    from services import dispatch, tracking

    client = app.test_client()
    log_in(client)
    headers = {"Authorization": f"Bearer {token}"}

    def get(url: str, **kwargs: Any) -> Callable[[], object]:
        def run() -> None:
            response = client.get(url, **kwargs)
            assert response.status_code == 200, (url, response.status_code)

        return run

    with app.app_context():
        last_page = -(-tracking.counts(db.session, letter_id)["recipients"] // 100)
        db.session.remove()
    tz = ZoneInfo(app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    calls: dict[str, Callable[[], object]] = {
        "counts": lambda: tracking.counts(db.session, letter_id),
        "progress": lambda: tracking.sending_progress(db.session, letter_id),
        "list": lambda: tracking.recipients(db.session, letter_id, None, 1, 100),
        "list_mismatch": lambda: tracking.recipients(db.session, letter_id, "mismatch", 1, 100),
        "timeline": lambda: tracking.answers_by_day(db.session, letter_id, tz, today),
        "not_yet_sent": lambda: dispatch.count_not_yet_sent(db.session, letter_id),
    }
    figures = {
        "page_ms": median_ms(get(f"/endorsements/{letter_id}"), runs),
        "page_last_ms": median_ms(get(f"/endorsements/{letter_id}?page={last_page}"), runs),
        "api_ms": median_ms(get(f"/api/v1/endorsements/{letter_id}", headers=headers), runs),
    }
    with app.app_context():
        for name, call in calls.items():
            figures[f"{name}_ms"] = median_ms(lambda call=call: (call(), db.session.rollback()), runs)
        figures["recipients"] = tracking.counts(db.session, letter_id)["recipients"]
        db.session.remove()
    return figures


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build and measure one database (in this process): each size's figures, and the seconds to build."""
    from models import db

    workdir = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    with seed.database(backend, args.postgres_url, workdir) as url:
        started = time.perf_counter()
        app, letters, token = build(url, workdir, [args.small, args.large])
        built = time.perf_counter() - started
        result = {str(n): measure(app, letters[n], token, args.runs) for n in (args.small, args.large)}
        with app.app_context():
            db.engine.dispose()
    return {"build_s": round(built, 1), **result}


def report(results: dict[str, dict[str, Any]], small: int, large: int, load: float) -> None:
    print(f"endorsement page and API: {small:,} recipients against {large:,}, warm, median ms (target: ratio <= 2)")
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs when started; PostgreSQL analysed as autovacuum would)")
    for backend, figures in results.items():
        if "error" in figures:
            print(f"{backend:10} failed: {figures['error']}")
            continue
        a, b = figures[str(small)], figures[str(large)]
        print(f"{backend:10} (built in {figures['build_s']} s)")
        for key, label in (("page_ms", "GET /endorsements/<id>"), ("api_ms", "GET /api/v1/endorsements/<id>")):
            ratio = b[key] / max(a[key], 0.1)
            verdict = "ok" if ratio <= TARGET else "OVER"
            print(f"  {label:32} {a[key]:8.1f} ms  {b[key]:8.1f} ms  {ratio:5.2f}x  {verdict}")
        parts = [k for k in a if k.endswith("_ms") and k not in ("page_ms", "api_ms")]
        print("  of which, " + "  ".join(f"{k[:-3]} {a[k]:.1f}/{b[k]:.1f}" for k in parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_DATABASE_URL", seed.PG_SERVER))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_backend(args.child, args)))
        return
    load = os.getloadavg()[0]
    backends = ["sqlite"]
    if not args.sqlite_only and seed.postgres_answers(args.postgres_url):
        backends.append("postgresql")
    results: dict[str, dict[str, Any]] = {}
    for backend in backends:
        command = [sys.executable, __file__, "--child", backend, *sys.argv[1:]]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            # Benchmarks report, tests assert: a failure is told and the other backend still runs.
            results[backend] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"}
            continue
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    if args.json:
        figures = {"small": args.small, "large": args.large, "target_ratio": TARGET, "load_average": load}
        print(json.dumps({**figures, "results": results}))
    else:
        report(results, args.small, args.large, load)


if __name__ == "__main__":
    main()
