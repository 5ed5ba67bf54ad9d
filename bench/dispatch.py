"""How fast Pavati sends a letter to N officers, beside raw smtplib pushing the same N messages, in one run.

Run: `make bench`, or `.venv/bin/python bench/dispatch.py N [--celery] [--memory]`.

The mail server is Postfix's smtp-sink (started and stopped here): it takes mail as fast as a client
can send it, so the figures are the sender's own. Each measured run is a fresh process on a fresh
SQLite database (or --database-url): the queueing time, the sending time, emails a second, and the
process's peak memory (max RSS).
"""

import argparse
import json
import os
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import seed  # noqa: E402 (bench/, beside this script)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink() -> tuple[subprocess.Popen[bytes], int]:
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not Path(sink).exists():
        raise SystemExit("smtp-sink not found: `make bench` installs Debian's postfix, which has it.")
    port = free_port()
    process = subprocess.Popen([sink, "-u", "nobody", f"127.0.0.1:{port}", "1000"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("smtp-sink did not start")


def setup(n: int, database_url: str, workdir: Path, extra: dict[str, object]) -> tuple[object, int]:
    """An app with N officers and an issued letter, ready to distribute."""

    from models import db

    app = seed.fresh_app(database_url, workdir, **extra)
    with app.app_context():
        circular = seed.register_memo(db.session)
        # With each officer's email key, which the roster has required since migration 0005.
        seed.insert_officers(db.session, n)
        draft = seed.issue_letter(db.session, circular.id)
        db.session.commit()
        return app, draft.id


def wait_sent(app: object, n: int, timeout: float) -> None:
    import sqlalchemy as sa

    from models import Delivery, db

    deadline = time.monotonic() + timeout
    with app.app_context():  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            done = db.session.scalar(sa.select(sa.func.count()).where(Delivery.status.in_(["sent", "failed"])))
            db.session.commit()
            if done >= n:
                return
            time.sleep(0.2)
    raise SystemExit(f"not all sent within {timeout}s")


def run_pavati(n: int, port: int, database_url: str | None, celery_workers: int) -> dict[str, float]:
    """One measured run, in this process: distribute, then wait until every email is sent."""
    from models import db
    from services import dispatch, jobs

    workdir = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    extra: dict[str, object] = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    workers: list[subprocess.Popen[bytes]] = []
    if celery_workers:
        queue = f"pavati-bench-{os.getpid()}"
        extra.update(CELERY_BROKER_URL="redis://127.0.0.1:6379/14", CELERY_QUEUE=queue)
    app, endorsement_id = setup(n, url, workdir, extra)
    if celery_workers:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "FILES_DIR": str(workdir / "files"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
            "CELERY_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
        }
        for i in range(celery_workers):
            command = [sys.executable, "-m", "celery", "-A", "make_celery", "worker", "-P", "threads", "-c", "4"]
            workers.append(subprocess.Popen([*command, "-n", f"bench{i}@%h", "-l", "WARNING"], cwd=ROOT, env=env))
        time.sleep(4)  # let them connect
    started = time.monotonic()
    with app.app_context():  # type: ignore[attr-defined]
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
        queued = time.monotonic()
        if not celery_workers:
            jobs.executor().wait(3600)
    wait_sent(app, n, 3600)
    done = time.monotonic()
    for worker in workers:
        worker.terminate()
        worker.wait(30)
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "queue_seconds": queued - started,
        "send_seconds": done - queued,
        "per_second": n / (done - queued),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_raw(n: int, port: int) -> dict[str, float]:
    """The reference: N messages of the same size as Pavati's (the same issued letter attached, a
    similar text), built beforehand, pushed over one smtplib connection."""
    from datetime import UTC, datetime

    from models import Endorsement, db
    from services import emails, files

    workdir = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    app, endorsement_id = setup(1, f"sqlite:///{workdir / 'raw.sqlite'}", workdir, {})
    with app.app_context():  # type: ignore[attr-defined]
        endorsement = db.session.get(Endorsement, endorsement_id)
        attachment = emails.attachment("letter.pdf", "application/pdf", files.load(endorsement.pdf_sha256))
    text = (ROOT / "templates/email/endorsement.txt").read_text()
    html = (ROOT / "templates/email/endorsement.html").read_text()
    messages = [
        emails.Email(
            sender=("PAR Cell", "parcell@hry.gov.in"),
            to=(f"Officer Number {i:06}", f"officer{i:06}@nic.in"),
            subject="Instructions regarding Updation of Email ID on SPARROW and iGOT Karmayogi Portal – reg.",
            message_id=f"<{i}.raw@pavati.local>",
            sent_at=datetime.now(UTC),
            text=text,
            html=html,
            attachments=(attachment,),
        ).as_bytes()
        for i in range(n)
    ]
    started = time.monotonic()
    connection = smtplib.SMTP("127.0.0.1", port)
    for i, message in enumerate(messages):
        connection.sendmail("parcell@hry.gov.in", [f"officer{i:06}@nic.in"], message)
    connection.quit()
    elapsed = time.monotonic() - started
    shutil.rmtree(workdir, ignore_errors=True)
    return {"send_seconds": elapsed, "per_second": n / elapsed, "message_kb": len(messages[0]) / 1024}


def child(args: argparse.Namespace, what: str, n: int) -> dict[str, float]:
    """Run one measurement in a fresh process, so that each peak memory figure is its own."""
    command = [sys.executable, __file__, str(n), "--child", what, "--port", str(args.port)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=5000)
    parser.add_argument("--database-url")
    parser.add_argument("--celery", action="store_true", help="also two Celery workers on Redis")
    parser.add_argument("--memory", action="store_true", help="also N x 10 officers, for the peak memory ratio")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "raw":
            result = run_raw(args.n, args.port)
        else:
            result = run_pavati(args.n, args.port, args.database_url, 2 if args.child == "celery" else 0)
        print(json.dumps(result))
        return

    sink, args.port = start_sink()
    try:
        results = {"raw smtplib, 1 connection": child(args, "raw", args.n)}
        results["Pavati, thread executor"] = child(args, "threads", args.n)
        if args.celery:
            results["Pavati, Celery x2 workers"] = child(args, "celery", args.n)
        if args.memory:
            results[f"Pavati, thread executor, N={args.n * 10}"] = child(args, "threads", args.n * 10)
    finally:
        sink.terminate()
        sink.wait()
    raw = results["raw smtplib, 1 connection"]["per_second"]
    print(f"N = {args.n}, smtp-sink on loopback, {results['raw smtplib, 1 connection']['message_kb']:.0f} KB messages")
    for name, r in results.items():
        # Time per email against raw smtplib's (so rows of another N compare too).
        ratio = raw / r["per_second"]
        line = f"{name:42} send {r['send_seconds']:7.2f} s  {r['per_second']:6.0f}/s  ({ratio:.2f}x raw's time)"
        if "queue_seconds" in r:
            line += f"  queue {r['queue_seconds']:.2f} s  peak RSS {r['peak_rss_mb']:.0f} MB"
        print(line)
    if args.memory:
        small = results["Pavati, thread executor"]["peak_rss_mb"]
        large = results[f"Pavati, thread executor, N={args.n * 10}"]["peak_rss_mb"]
        print(f"peak memory N={args.n * 10} / N={args.n}: {large / small:.2f}x")


if __name__ == "__main__":
    main()
