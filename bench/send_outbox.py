"""How fast the in-process outbox sends: N officers, one endorsement, a real SMTP server on loopback.

Run: `make bench` or `.venv/bin/python bench/send_outbox.py --officers 2000 [--database-url URL]`.
Prints figures; asserts nothing.
"""

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from models import db  # noqa: E402
from services import dispatch, intake, letters, outbox, roster, tracking  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "samples" / "dopt-igot-email-om.pdf"


class Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    handler, port = Count(), free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="pavati-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder / 'b.sqlite'}",
            "FILES_DIR": str(folder / "files"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "OUTBOX_WORKERS": args.workers,
            "OUTBOX_SWEEP_SECONDS": 0,
        }
    )
    csv = "name,service,batch,designation,sparrow_email,mobile\n" + "".join(
        f"Officer {i},IAS,2001,DC,officer{i}@nic.in,\n" for i in range(args.officers)
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        memo = intake.read_memo(SAMPLE.read_bytes())
        circular = intake.diarise(
            db.session,
            memo.sha256,
            "om.pdf",
            {
                "reference_no": "T-1",
                "dated": "2026-03-03",
                "issued_by": "DoPT",
                "subject": "Bench",
                "diary_no": "1",
                "received_on": "2026-03-05",
            },
            None,
        )
        roster.import_roster(db.session, csv.encode(), None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
        endorsement = letters.prepare_endorsement(db.session, circular.id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        db.session.commit()

        started = time.perf_counter()
        dispatch.distribute(db.session, endorsement.id, None)
        db.session.commit()
        queued = time.perf_counter() - started
        outbox.executor().wait(3600)
        elapsed = time.perf_counter() - started
        counts = tracking.counts(db.session, endorsement.id)
        db.session.remove()  # end the read, so that dropping the tables does not wait on it
        db.drop_all()
    smtp.stop()
    backend = (args.database_url or "sqlite").split(":")[0]
    print(f"backend={backend} officers={args.officers} workers={args.workers}")
    print(f"queue (distribute + commit): {queued * 1000:.0f} ms")
    print(
        f"all sent: {elapsed:.1f} s, {counts['sent'] / elapsed:.0f} emails/s; sent={counts['sent']} "
        f"failed={counts['failed']} received by SMTP={handler.received}"
    )


if __name__ == "__main__":
    main()
