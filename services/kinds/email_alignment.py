"""Email alignment, the founding case: the officer's email ID on iGOT Karmayogi must be the one on SPARROW, so
that the two portals can link their records and iGOT course completion reaches the APAR."""

from typing import Any

from email_validator import EmailNotValidError, validate_email

from models import Officer, normalise_email
from services.errors import Invalid
from services.fields import unprintable
from services.kinds.base import Answer, Carried, Judgement, Kind, State, Words, said

# The same mailbox under the government's two domains (a.b@nic.in and a.b@gov.in, a.b@hry.nic.in and
# a.b@hry.gov.in): the portals compare strings, so it is still a mismatch to fix, but a lighter one.
ALIAS_DOMAINS = ("nic.in", "gov.in")
MAX_EMAIL = 254  # as the message says
ALIGNED, MISMATCH, ALIAS = "aligned", "mismatch", "alias"


def read_email(typed: str) -> dict[str, Any]:
    """The iGOT email as typed and as compared."""
    typed = typed.strip()
    if not typed:
        raise Invalid(said("Please type the email ID you use on iGOT Karmayogi."), "igot_email")
    if len(typed) > MAX_EMAIL:
        raise Invalid(said("An email address has at most 254 characters."), "igot_email")
    try:
        if unprintable(typed):
            raise EmailNotValidError("a control character")
        address = validate_email(typed, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(said("This is not a valid email address."), "igot_email") from None
    return {"igot_email": normalise_email(address), "igot_email_typed": typed}


def _under_alias_domain(domain: str) -> str | None:
    """What is left of `domain` once its nic.in or gov.in is taken off ("hry." for hry.nic.in), or None."""
    for suffix in ALIAS_DOMAINS:
        if domain == suffix or domain.endswith("." + suffix):
            return domain.removesuffix(suffix)
    return None


def alias_of(address: str) -> str | None:
    """The same mailbox at the government's other domain (a.b@hry.gov.in for a.b@hry.nic.in), or None."""
    name, _, domain = address.rpartition("@")
    below = _under_alias_domain(domain)
    if below is None:
        return None
    other = next(suffix for suffix in ALIAS_DOMAINS if below + suffix != domain)
    return f"{name}@{below}{other}"


def aliases(one: str, other: str) -> bool:
    """True if two different addresses are one mailbox at nic.in and gov.in."""
    (name, _, domain), (other_name, _, other_domain) = one.rpartition("@"), other.rpartition("@")
    below = _under_alias_domain(domain)
    return (
        name == other_name
        and domain != other_domain
        and below is not None
        and below == _under_alias_domain(other_domain)
    )


def judge(answer: Answer, values: dict[str, Any], email: str) -> Judgement:
    if answer.name != "different":
        return Judgement(ALIGNED)
    on_record = normalise_email(email)
    if values["igot_email"] == on_record:
        return Judgement(ALIGNED)
    return Judgement(MISMATCH, ALIAS if aliases(values["igot_email"], on_record) else None)


def remember(officer: Officer, answer: str, values: dict[str, Any], email: str) -> None:
    """The roster keeps the officer's iGOT email, so that the work list and iGOT's reports can use it."""
    officer.igot_email = values.get("igot_email") or normalise_email(email)


KIND = Kind(
    name="email_alignment",
    choice="Their iGOT email ID is the same as on SPARROW",
    confirms="their iGOT email ID is the same as on SPARROW",
    asks=lambda by: (
        "to ensure that your email ID on the iGOT Karmayogi portal is the same as on SPARROW, so that the two "
        f"portals can link your records, and to confirm this{by}"
    ),
    answers=(
        Answer(
            "aligned",
            Words(
                "My email ID is the same on iGOT Karmayogi and SPARROW",
                "iGOT कर्मयोगी और SPARROW पर मेरी ईमेल आईडी एक ही है",
            ),
        ),
        Answer(
            "updated",
            Words(
                "I have now updated my iGOT Karmayogi email ID to match SPARROW",
                "मैंने अब iGOT कर्मयोगी पर अपनी ईमेल आईडी SPARROW जैसी कर दी है",
            ),
        ),
        Answer(
            "different",
            Words("My iGOT Karmayogi email ID is different", "iGOT कर्मयोगी पर मेरी ईमेल आईडी अलग है"),
            needs=("igot_email",),
        ),
    ),
    carried=(
        Carried(
            "igot_email",
            Words("Your email ID on iGOT Karmayogi", "iGOT कर्मयोगी पर आपकी ईमेल आईडी"),
            read_email,
            input_type="email",
            max_len=MAX_EMAIL,
        ),
    ),
    states=(
        State(ALIGNED, "Aligned", compliant=True),
        State(MISMATCH, "Mismatch", still="Officers whose email IDs still differ"),
    ),
    flags={ALIAS: "Alias only (nic.in / gov.in)"},
    judge=judge,
    remember=remember,
)
