"""Kinds of acknowledgement: each judges its answers into its states, reads what an answer carries, and words
its request; every officer-facing message has its Hindi."""

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from services import days, kinds
from services.errors import Invalid
from services.kinds import course_completion, email_alignment

ROOT = Path(__file__).resolve().parent.parent


def judge(kind: kinds.Kind, response: str, email: str = "a.one@nic.in", **typed: str) -> kinds.Judgement:
    answer = kind.answer(response)
    assert answer is not None
    values: dict = {}
    for carried in kind.carried_by(answer):
        if typed.get(carried.name) or carried.name in answer.needs:
            values.update(carried.read(typed.get(carried.name, "")))
    return kind.judge(answer, values, email)


def test_there_are_three_kinds_each_with_hindi_for_every_answer():
    assert set(kinds.KINDS) == {"read", "email_alignment", "course_completion"}
    for kind in kinds.KINDS.values():
        assert kind.states and kind.compliant
        assert all(s.still for s in kind.not_compliant)  # the compliance report's heading of each list
        assert all(a.words.en and a.words.hi for a in kind.answers)
        assert all(c.label.hi for c in kind.carried)
        assert kind.asks(" by 1st April, 2026").endswith("by 1st April, 2026")


def test_an_unknown_kind_names_the_ones_there_are():
    with pytest.raises(Invalid, match="read") as refused:
        kinds.kind_of("phone_call")
    assert refused.value.field == "ack_kind"


def test_email_alignment_compares_as_the_portals_do():
    kind = kinds.KINDS["email_alignment"]
    assert judge(kind, "aligned") == kinds.Judgement("aligned")
    assert judge(kind, "updated") == kinds.Judgement("aligned")
    assert judge(kind, "different", igot_email=" A.One@NIC.in ") == kinds.Judgement("aligned")
    assert judge(kind, "different", igot_email="a.one@gmail.com") == kinds.Judgement("mismatch")
    # One mailbox under both government domains: still a mismatch, but a lighter one.
    assert judge(kind, "different", igot_email="a.one@gov.in") == kinds.Judgement("mismatch", "alias")
    assert judge(kind, "different", igot_email="b.one@gov.in") == kinds.Judgement("mismatch")
    state = "a.one@hry.nic.in"
    assert judge(kind, "different", state, igot_email="a.one@hry.gov.in") == kinds.Judgement("mismatch", "alias")
    assert judge(kind, "different", state, igot_email="a.one@pb.gov.in") == kinds.Judgement("mismatch")
    assert judge(kind, "different", state, igot_email="a.one@hrynic.in") == kinds.Judgement("mismatch")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type the email ID"),
        ("not an email", "not a valid email address"),
        ("a@b.c\r\nBcc: x@y.z", "not a valid email address"),
        ("a@b.c\x00", "not a valid email address"),
        ("a" * 250 + "@b.in", "at most 254 characters"),
    ],
)
def test_a_typed_email_is_checked(typed: str, message: str):
    with pytest.raises(Invalid, match=message):
        email_alignment.read_email(typed)


def test_a_typed_email_is_kept_as_typed_and_as_compared():
    assert email_alignment.read_email(" A.One@NIC.in ") == {
        "igot_email": "a.one@nic.in",
        "igot_email_typed": "A.One@NIC.in",
    }


@pytest.fixture
def office_day(app: Flask) -> Iterator[date]:
    """The office's today, with the app's context the course dates are read in (services.days)."""
    with app.app_context():
        yield days.today()


def test_course_completion_states_and_what_answers_carry(office_day: date):
    kind = kinds.KINDS["course_completion"]
    soon = (office_day + timedelta(days=30)).isoformat()
    assert judge(kind, "completed", certificate_id="IGOT-123") == kinds.Judgement("completed")
    assert judge(kind, "in_progress", expected_by=soon) == kinds.Judgement("in_progress")
    assert judge(kind, "not_started") == kinds.Judgement("not_started")
    assert kind.compliant == ["completed"]
    assert course_completion.read_expected_by(soon) == {"expected_by": soon}
    assert course_completion.read_certificate("  ") == {}
    for bad in ("", "31.12.2026", (office_day - timedelta(days=1)).isoformat(), "2999-01-01"):
        with pytest.raises(Invalid):
            course_completion.read_expected_by(bad)
    with pytest.raises(Invalid, match="at most 100"):
        course_completion.read_certificate("x" * 101)


@pytest.mark.parametrize(
    "typed", ["IGOT-123", " KB/2025/0042 ", "do_1138.x:9#2", "https://portal.igotkarmayogi.gov.in/cert/4f6b-9a1c"]
)
def test_a_certificate_id_is_kept_as_typed(typed: str):
    assert course_completion.read_certificate(typed) == {"certificate_id": typed.strip()}


@pytest.mark.parametrize(
    "typed",
    [
        "KB-42\u202e",  # right-to-left override: shows the ID reversed
        "KB\u200b42",  # zero-width space: looks like KB42
        "KB\u200d42",  # zero-width joiner: Hindi words need it, an ID does not
        "KB\ufeff42",  # byte order mark
        "KB 42",
        "KB\u00a042",  # no-break space
        "KB\t42",
        "KB-४२",  # Devanagari digits
        "КВ-42",  # Cyrillic letters that look Latin
    ],
)
def test_a_certificate_id_with_spaces_hidden_or_lookalike_characters_is_refused(typed: str):
    with pytest.raises(Invalid, match="English letters, digits and signs") as refused:
        course_completion.read_certificate(typed)
    assert refused.value.field == "certificate_id"


def test_what_an_answer_carried_is_shown_as_typed_and_dates_day_first(office_day: date):
    expected_by, _ = kinds.KINDS["course_completion"].carried
    assert expected_by.shown(course_completion.read_expected_by(f"{office_day:%Y-%m-%d}")) == f"{office_day:%d.%m.%Y}"
    (igot_email,) = kinds.KINDS["email_alignment"].carried
    assert igot_email.shown(email_alignment.read_email(" A.One@NIC.in ")) == "A.One@NIC.in"


def test_every_officer_facing_message_has_its_hindi(tmp_path: Path):
    """The catalogue is complete: what `pybabel extract` finds today is all translated in hi's messages.po."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "said",
            "-k",
            "_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as template, (ROOT / "translations/hi/LC_MESSAGES/messages.po").open("rb") as hindi:
        extracted = [m for m in read_po(template) if m.id]
        translated = {m.id: m.string for m in read_po(hindi) if m.id}
    wanted = {m.id for m in extracted}
    # The officer's pages are made of these templates too: a babel.cfg that missed one would pass unnoticed.
    places = {path for m in extracted for path, _ in m.locations}
    assert {"templates/base.html", "templates/acknowledge/error.html"} <= places
    assert wanted - translated.keys() == set()
    assert [m for m in wanted if not translated[m]] == []
