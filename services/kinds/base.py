"""What every kind of acknowledgement is made of: its answers, the values an answer may carry, its states."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import Officer


def said(message: str) -> str:
    """Marks a message an officer may read, so that `pybabel extract -k said` puts it in the Hindi catalogue;
    the officer's page translates it when shown."""
    return message


@dataclass(frozen=True)
class Words:
    """Officer-facing words in English and Hindi."""

    en: str
    hi: str

    def in_(self, lang: str) -> str:
        return self.hi if lang == "hi" else self.en


@dataclass(frozen=True)
class Carried:
    """A value an officer types with an answer (an email, a date, a certificate ID).

    `read` turns what was typed into what is stored (a dict of JSON values, usually one key) or raises
    Invalid; the field's `name` is what the form and the API send. `show` words a stored value for people.
    """

    name: str
    label: Words
    read: Callable[[str], dict[str, Any]]
    input_type: str = "text"
    max_len: int = 254
    show: Callable[[Any], str] = str

    def shown(self, details: dict[str, Any]) -> str:
        """The value an answer carried, as the officer typed it where that was kept, else as `show` words it."""
        return details.get(self.name + "_typed") or self.show(details[self.name])


@dataclass(frozen=True)
class Answer:
    """One answer an officer may give, and which carried values it needs or may have."""

    name: str
    words: Words
    needs: tuple[str, ...] = ()
    may: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    """Where an answer leaves an officer. `compliant` states are what the memo asked for, done; the others
    are `still`: how the compliance report heads the list of officers left in them."""

    name: str
    label: str
    compliant: bool = False
    still: str = ""


@dataclass(frozen=True)
class Judgement:
    """The state an answer puts an officer in, and a lighter variant of it worth counting apart (or None)."""

    state: str
    flag: str | None = None


def plainly(answer: Answer, values: dict[str, Any], email: str) -> Judgement:
    """The judgement of kinds whose every answer names its own state."""
    return Judgement(answer.name)


def remember_nothing(officer: Officer, answer: str, values: dict[str, Any], email: str) -> None:
    """Kinds whose answers teach the roster nothing."""


@dataclass(frozen=True)
class Kind:
    """One kind of acknowledgement, defined once: the rest of Pavati asks it.

    `asks(by)` is the request in the letter's and the email's standard words ("… by 11th March, 2026" as
    `by`, or ""), worded to follow "You are requested "; `confirms` is how staff pages say what officers
    confirm; `flags` are the lighter variants a judgement may mark, counted apart.
    """

    name: str
    choice: str
    confirms: str
    asks: Callable[[str], str]
    answers: tuple[Answer, ...]
    states: tuple[State, ...]
    carried: tuple[Carried, ...] = ()
    flags: dict[str, str] = field(default_factory=dict)
    judge: Callable[[Answer, dict[str, Any], str], Judgement] = plainly
    remember: Callable[[Officer, str, dict[str, Any], str], None] = remember_nothing

    def answer(self, name: str) -> Answer | None:
        return next((a for a in self.answers if a.name == name), None)

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name == name), None)

    @property
    def labels(self) -> list[tuple[str, str]]:
        """(state, label) for staff pages."""
        return [(s.name, s.label) for s in self.states]

    @property
    def compliant(self) -> list[str]:
        return [s.name for s in self.states if s.compliant]

    @property
    def not_compliant(self) -> list[State]:
        """The states of officers who answered but have not yet done what was asked: the Cell chases them."""
        return [s for s in self.states if not s.compliant]

    def needing(self, carried: str) -> Answer | None:
        """The answer that needs the carried value named `carried`, if one does."""
        return next((a for a in self.answers if carried in a.needs), None)

    def carried_by(self, answer: Answer) -> list[Carried]:
        return [c for c in self.carried if c.name in answer.needs + answer.may]
