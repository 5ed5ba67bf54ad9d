"""Course completion (DoPT OM of 04.07.2025): the officer says whether the prescribed iGOT courses and the
Comprehensive Assessment are done, in progress (expected by a date) or not started."""

import re
from datetime import date, timedelta
from typing import Any

from services import days
from services.errors import Invalid
from services.kinds.base import Answer, Carried, Kind, State, Words, said

CERTIFICATE_CHARS = 100  # as the message says
# What an ID is written with: the visible ASCII characters (letters, digits and signs such as - / .). No spaces, and
# none of the invisible ones (U+200B zero-width space, U+202E right-to-left override) that make one ID look like
# another; names keep theirs (Hindi needs U+200C and U+200D), but an ID has no use for them.
CERTIFICATE_ID = re.compile(r"[!-~]+")
# A promise further off than this is no promise: the courses are meant for this appraisal year.
FURTHEST_DAYS = 730


def read_expected_by(typed: str) -> dict[str, Any]:
    try:
        when = date.fromisoformat(typed.strip())
    except ValueError:
        raise Invalid(said("Please give the date by which you expect to finish, as a date."), "expected_by") from None
    if not days.today() <= when <= days.today() + timedelta(days=FURTHEST_DAYS):
        raise Invalid(said("The date you expect to finish by must be from today and within two years."), "expected_by")
    return {"expected_by": when.isoformat()}


def day_first(iso: str) -> str:
    """A stored date as every page writes one: 31.12.2026."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def read_certificate(typed: str) -> dict[str, Any]:
    typed = typed.strip()
    if not typed:
        return {}
    if len(typed) > CERTIFICATE_CHARS:
        raise Invalid(said("A certificate ID is one line of at most 100 characters."), "certificate_id")
    if not CERTIFICATE_ID.fullmatch(typed):
        raise Invalid(
            said(
                "A certificate ID is written with English letters, digits and signs such as - / . only: "
                "no spaces or hidden characters."
            ),
            "certificate_id",
        )
    return {"certificate_id": typed}


KIND = Kind(
    name="course_completion",
    choice="They have completed the prescribed iGOT courses and the Comprehensive Assessment",
    confirms="whether they have completed the prescribed iGOT courses and the Comprehensive Assessment",
    asks=lambda by: (
        "to complete the courses prescribed on the iGOT Karmayogi portal and the Comprehensive Assessment, and "
        f"to report their status{by}"
    ),
    answers=(
        Answer(
            "completed",
            Words(
                "I have completed the prescribed courses and the Comprehensive Assessment",
                "मैंने निर्धारित पाठ्यक्रम और व्यापक मूल्यांकन पूरे कर लिए हैं",
            ),
            may=("certificate_id",),
        ),
        Answer(
            "in_progress",
            Words("I am doing them and expect to finish by a date", "मैं इन्हें कर रहा/रही हूँ और एक तिथि तक पूरा कर लूँगा/लूँगी"),
            needs=("expected_by",),
        ),
        Answer("not_started", Words("I have not started them yet", "मैंने अभी शुरू नहीं किया है")),
    ),
    carried=(
        Carried(
            "expected_by",
            Words("Expected to finish by", "पूरा करने की अपेक्षित तिथि"),
            read_expected_by,
            "date",
            show=day_first,
        ),
        Carried(
            "certificate_id",
            Words("Certificate ID (optional)", "प्रमाणपत्र आईडी (वैकल्पिक)"),
            read_certificate,
            max_len=CERTIFICATE_CHARS,
        ),
    ),
    states=(
        State("completed", "Completed", compliant=True),
        State("in_progress", "In progress", still="Officers still doing the courses"),
        State("not_started", "Not started", still="Officers who have not started the courses"),
    ),
)
