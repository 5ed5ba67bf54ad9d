"""A letter's running counts, kept by the database: right after any write (the ORM's or plain SQL), right once
folded, right when counted from what was stored before the triggers, and written without waiting on a shared row."""

import sqlalchemy as sa
from flask import Flask

from models import Delivery, Recipient, Tally, db
from models.tally import FOLD_EVERY, SWEEP_EVERY, counted_from_rows, dropped, statements
from services import tracking
from tests.conftest import postgresql_only
from tests.test_tracking import expected, mixed_letter


def rows_of(endorsement_id: int) -> list[Tally]:
    return list(db.session.scalars(sa.select(Tally).where(Tally.endorsement_id == endorsement_id)))


def test_a_letters_rows_are_folded_into_sums_that_keep_its_counts(app: Flask):
    endorsement_id = mixed_letter(app, 150, seed=7)
    with app.app_context():
        changes = db.session.scalar(sa.select(sa.func.max(Tally.id)))
        rows = rows_of(endorsement_id)
        assert changes > 2 * FOLD_EVERY
        # Folded: the sums, and what came after the last fold (a fold falling on a sum waits for the next).
        assert len(rows) < 2 * FOLD_EVERY + len({(r.counter, r.value) for r in rows if r.folded_upto})
        assert any(r.folded_upto for r in rows)
        assert tracking.counts(db.session, endorsement_id) == expected(endorsement_id)["counts"]


def test_writes_that_bypass_the_orm_are_counted(app: Flask):
    endorsement_id = mixed_letter(app, 20, seed=3)
    with app.app_context():
        db.session.execute(sa.update(Delivery).where(Delivery.recipient_id.is_not(None)).values(status="failed"))
        db.session.execute(sa.update(Recipient).values(state="aligned", recorded_by_id=None))
        db.session.commit()
        counts = tracking.counts(db.session, endorsement_id)
        assert counts == expected(endorsement_id)["counts"]
        assert counts["failed"] == counts["recipients"] == counts["aligned"] == 20
        assert counts["sent"] == counts["queued"] == counts["pending"] == 0


def test_counting_what_was_stored_gives_what_the_triggers_kept(app: Flask):
    """Migration 0017 counts a database's letters once, before its triggers exist."""
    endorsement_id = mixed_letter(app, 30, seed=5)
    with app.app_context():
        want = tracking.counts(db.session, endorsement_id)
        assert want == expected(endorsement_id)["counts"]
        # As before the migration: no triggers, no counts, and nothing added up on the recipients.
        dialect = db.engine.dialect
        for statement in dropped(dialect):
            db.session.execute(sa.text(statement))
        db.session.execute(sa.update(Recipient).values(latest_email=None, reached=False, bounced=False, busy=False))
        db.session.execute(sa.delete(Tally))
        assert tracking.counts(db.session, endorsement_id)["recipients"] == 0
        for statement in counted_from_rows(dialect) + statements(dialect):
            db.session.execute(sa.text(statement))
        db.session.commit()
        assert tracking.counts(db.session, endorsement_id) == want


def _set_state(connection: sa.Connection, recipient_id: int, state: str) -> None:
    connection.execute(sa.update(Recipient).where(Recipient.id == recipient_id).values(state=state))


def two_recipients(endorsement_id: int) -> list[int]:
    """The letter's first two recipients; the session is let go, so that the test's connections hold their own."""
    ids = db.session.scalars(
        sa.select(Recipient.id).where(Recipient.endorsement_id == endorsement_id).order_by(Recipient.id).limit(2)
    ).all()
    db.session.remove()
    return list(ids)


@postgresql_only
def test_answers_to_one_letter_at_once_do_not_wait_on_each_other(app: Flask):
    """Each change adds rows: two transactions changing one letter's counts take no lock the other needs."""
    endorsement_id = mixed_letter(app, 4, seed=1)
    with app.app_context():
        first, second = two_recipients(endorsement_id)
        with db.engine.connect() as one, db.engine.connect() as other:
            _set_state(one, first, "mismatch")
            other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            _set_state(other, second, "mismatch")
            other.commit()
            one.commit()
        assert tracking.counts(db.session, endorsement_id) == expected(endorsement_id)["counts"]


@postgresql_only
def test_a_change_not_yet_committed_when_a_fold_ran_is_counted_and_folded_by_the_next_sweep(app: Flask):
    endorsement_id = mixed_letter(app, 4, seed=2)
    with app.app_context():
        first, second = two_recipients(endorsement_id)
        next_id = "SELECT setval('tally_id_seq', :last)"
        with db.engine.connect() as late, db.engine.connect() as other:
            _set_state(late, first, "aligned")  # rows written, not committed
            last = other.scalar(sa.text("SELECT last_value FROM tally_id_seq"))
            other.execute(sa.text(next_id), {"last": (last // FOLD_EVERY + 1) * FOLD_EVERY - 1})
            _set_state(other, second, "mismatch")  # its first row sets off a fold, which cannot see `late`'s
            other.commit()
            late.commit()
        assert tracking.counts(db.session, endorsement_id) == expected(endorsement_id)["counts"]
        behind = [r for r in rows_of(endorsement_id) if r.folded_upto is None]
        assert behind and max(r.folded_upto or 0 for r in rows_of(endorsement_id)) > min(r.id for r in behind)
        db.session.remove()
        with db.engine.begin() as sweep:
            sweep.execute(sa.text(next_id), {"last": FOLD_EVERY * SWEEP_EVERY * 2 - 1})
            _set_state(sweep, first, "mismatch")
        assert tracking.counts(db.session, endorsement_id) == expected(endorsement_id)["counts"]
        assert all(r.folded_upto for r in rows_of(endorsement_id) if r.id < FOLD_EVERY * SWEEP_EVERY * 2)
