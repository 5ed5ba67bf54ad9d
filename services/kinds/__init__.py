"""Kinds of acknowledgement: what officers are asked to confirm, each defined once in its own module.

Adding a kind is a module here (its answers in English and Hindi, the values they carry, how an answer is
judged into a state, the letter's standard words) and, if its page needs more than the answers, a template
`templates/kinds/<name>.html`.
"""

from models import PENDING
from services.errors import Invalid
from services.kinds import course_completion, email_alignment, read
from services.kinds.base import Answer, Carried, Judgement, Kind, State, Words

KINDS: dict[str, Kind] = {kind.name: kind for kind in (email_alignment.KIND, read.KIND, course_completion.KIND)}
DEFAULT = email_alignment.KIND.name


__all__ = ["Answer", "Carried", "Judgement", "Kind", "State", "Words", "DEFAULT", "KINDS", "PENDING", "kind_of"]


def kind_of(name: str) -> Kind:
    """The kind called `name`, or Invalid naming the ones there are."""
    try:
        return KINDS[name]
    except KeyError:
        raise Invalid(f"The acknowledgement asked for must be one of: {', '.join(KINDS)}.", "ack_kind") from None
