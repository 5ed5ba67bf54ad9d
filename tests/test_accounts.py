"""Staff accounts: failed logins slow guessing without telling emails apart or locking owners out."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from models import ApiToken, LoginThrottle, User, db, utcnow
from services import accounts
from services.errors import Invalid
from tests.conftest import PASSWORD, make_user

OWNER = "clerk@parcell.hry.gov.in"
ATTACKER = "203.0.113.66"
HOME = "10.1.1.7"


@pytest.fixture
def clerk(app: Flask) -> Any:
    make_user(app, OWNER, "clerk")
    with app.app_context():
        yield accounts.find_user(db.session, OWNER).id


def attempt(email: str, password: str, address: str, now: datetime) -> str:
    """Try to log in; "ok", or the message of the refusal. Commits like the login page does."""
    try:
        accounts.log_in(db.session, email, password, address, now=now)
    except Invalid as exc:
        db.session.commit()
        return exc.message
    db.session.commit()
    return "ok"


def not_before(email: str, address: str) -> dict[str, datetime | None]:
    """The three counts' "not before" times for this email and address."""
    values = {"account": email, "address": address, "pair": f"{email}\n{address}"}
    return {
        scope: db.session.scalar(
            db.select(LoginThrottle.not_before).where(
                LoginThrottle.digest == accounts.tokens.digest(f"{scope}:{value}")
            )
        )
        for scope, value in values.items()
    }


def test_waits_grow_after_the_free_failures_up_to_a_cap(clerk: int):
    start = utcnow()
    waits = []
    now = start
    for _ in range(16):
        assert attempt(OWNER, "wrong", ATTACKER, now) == accounts.REFUSED
        after = not_before(OWNER, ATTACKER)["pair"]
        waits.append(int((after - now).total_seconds()) if after else 0)
        now = (after or now) + timedelta(seconds=1)  # the guesser waits each wait out
    assert waits == [0] * 5 + [4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


def test_a_try_during_the_wait_is_refused_even_with_the_right_password_and_not_counted(clerk: int):
    now = utcnow()
    for _ in range(6):
        attempt(OWNER, "wrong", ATTACKER, now)
    assert attempt(OWNER, PASSWORD, ATTACKER, now + timedelta(seconds=3)) == accounts.REFUSED
    assert not_before(OWNER, ATTACKER)["pair"] == now + timedelta(seconds=4)
    assert attempt(OWNER, PASSWORD, ATTACKER, now + timedelta(seconds=5)) == "ok"


def test_success_resets_the_counts(clerk: int):
    now = utcnow()
    for _ in range(6):
        attempt(OWNER, "wrong", HOME, now)
    assert attempt(OWNER, PASSWORD, HOME, now + timedelta(seconds=5)) == "ok"
    assert set(db.session.scalars(db.select(LoginThrottle.failures))) == {0}
    # Free failures again, rather than the next wait of a count that went on.
    for _ in range(5):
        assert attempt(OWNER, "wrong", HOME, now + timedelta(seconds=6)) == accounts.REFUSED
    assert attempt(OWNER, PASSWORD, HOME, now + timedelta(seconds=6)) == "ok"


def test_known_and_unknown_emails_are_refused_alike(clerk: int, monkeypatch: pytest.MonkeyPatch):
    checks: list[str] = []
    real_check = accounts.check_password_hash

    def counted_check(pwhash: str, password: str) -> bool:
        checks.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted_check)
    now = utcnow()
    for email, address in [(OWNER, "198.51.100.1"), ("nobody@parcell.hry.gov.in", "198.51.100.2")]:
        checks.clear()
        said = [attempt(email, "wrong", address, now) for _ in range(12)]
        assert said == [accounts.REFUSED] * 12
        assert len(checks) == 12  # one password check each, waiting or not: the same time taken
        assert not_before(email, address)["pair"] == now + timedelta(seconds=4)
    # Three counts each: an unknown email is counted just as a known one is.
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginThrottle)) == 6


def test_an_attackers_wait_does_not_hold_up_another_address_or_account(app: Flask, clerk: int):
    make_user(app, "viewer@parcell.hry.gov.in", "viewer")
    now = utcnow()
    for n in range(21):  # one password tried on many emails: the address's own count
        attempt(f"staff{n}@parcell.hry.gov.in", "wrong", ATTACKER, now)
    assert not_before("staff0@parcell.hry.gov.in", ATTACKER)["address"] == now + timedelta(seconds=4)
    assert attempt(OWNER, PASSWORD, ATTACKER, now) == accounts.REFUSED
    assert attempt("viewer@parcell.hry.gov.in", PASSWORD, "10.9.9.9", now) == "ok"
    assert attempt(OWNER, PASSWORD, HOME, now) == "ok"


def test_guessing_from_many_addresses_cannot_lock_the_owner_out(clerk: int):
    now = utcnow()
    assert attempt(OWNER, PASSWORD, HOME, now) == "ok"  # the owner's usual address
    waits = []
    for n in range(20):  # each guess from a new address, each after the account's wait is over
        attempt(OWNER, "wrong", f"192.0.2.{n}", now)
        after = not_before(OWNER, f"192.0.2.{n}")["account"]
        waits.append(after - now if after else timedelta(0))
        now = after or now
    # The account's own wait is short (anyone can provoke it)...
    assert max(waits) == waits[-1] == accounts.ACCOUNT.cap
    assert attempt(OWNER, PASSWORD, "198.51.100.9", now - timedelta(seconds=1)) == accounts.REFUSED
    # ...and the address the owner logs in from is spared it.
    assert attempt(OWNER, PASSWORD, HOME, now - timedelta(seconds=1)) == "ok"


def test_old_failures_are_forgotten(clerk: int):
    now = utcnow()
    for _ in range(8):
        attempt(OWNER, "wrong", ATTACKER, now)
        now = not_before(OWNER, ATTACKER)["pair"] or now
    later = now + accounts.FORGET_AFTER + timedelta(seconds=1)
    assert attempt(OWNER, "wrong", ATTACKER, later) == accounts.REFUSED
    assert not_before(OWNER, ATTACKER)["pair"] is None


def test_housekeeping_deletes_old_counts_but_keeps_where_the_owner_logs_in(clerk: int):
    now = utcnow()
    attempt(OWNER, PASSWORD, HOME, now)  # the owner's pair row remembers this address
    attempt(OWNER, "wrong", HOME, now)
    attempt("stranger@example.com", "wrong", ATTACKER, now)
    before = db.session.scalar(db.select(db.func.count()).select_from(LoginThrottle))
    later = now + accounts.FORGET_AFTER + timedelta(seconds=1)
    assert accounts.forget_old_failures(db.session, later) == before - 1
    db.session.commit()
    kept = db.session.scalars(db.select(LoginThrottle)).all()
    assert len(kept) == 1 and kept[0].logged_in_at is not None


def test_unreadable_email_is_refused_with_the_same_words(clerk: int):
    assert attempt(OWNER + "\x00", PASSWORD, HOME, utcnow()) == accounts.REFUSED
    assert attempt("a" * 300, PASSWORD, HOME, utcnow()) == accounts.REFUSED


def test_password_change_ends_api_tokens(clerk: int):
    token = accounts.issue_api_token(db.session, clerk)
    db.session.commit()
    assert accounts.user_for_api_token(db.session, token) is not None
    accounts.set_password(db.session, clerk, "a brand new password")
    db.session.commit()
    assert accounts.user_for_api_token(db.session, token) is None
    assert db.session.scalar(db.select(ApiToken.revoked)) is True
    assert db.session.get(User, clerk) is not None


def test_a_login_is_remembered_as_the_last_one(clerk: int):
    assert db.session.get(User, clerk).last_login_at is None  # type: ignore[union-attr]
    now = utcnow()
    assert attempt(OWNER, "wrong", HOME, now) == accounts.REFUSED
    assert db.session.get(User, clerk).last_login_at is None  # type: ignore[union-attr]
    assert attempt(OWNER, PASSWORD, HOME, now) == "ok"
    assert db.session.get(User, clerk).last_login_at == now  # type: ignore[union-attr]


def test_an_inactive_account_is_refused_like_an_unknown_one_at_the_same_cost(
    clerk: int, monkeypatch: pytest.MonkeyPatch
):
    checks: list[str] = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checks.append(h) or real_check(h, p))
    accounts.deactivate_user(db.session, clerk)
    db.session.commit()
    assert attempt(OWNER, PASSWORD, HOME, utcnow()) == accounts.REFUSED
    assert checks == [accounts._DUMMY_HASH]
