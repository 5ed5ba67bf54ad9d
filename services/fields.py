"""Reading typed values out of what a form or an API call sent, with messages a clerk understands."""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.errors import Invalid

# Control characters, lone surrogates and line/paragraph separators: they end up in email
# headers, PDFs and databases that refuse them.
_UNPRINTABLE = {"Cc", "Cs", "Zl", "Zp"}
_POSITIVE = re.compile(r"[1-9][0-9]{0,5}")
# The years an office deals with: a date outside them is a typing mistake.
YEARS = range(1950, 2201)


def unprintable(value: str, allow: str = "") -> bool:
    """True if `value` holds a character that has no place in a record (other than those in `allow`)."""
    return any(unicodedata.category(c) in _UNPRINTABLE and c not in allow for c in value)


def printable(value: str | None, max_len: int) -> str | None:
    """`value` with unprintable characters dropped and cut to `max_len`: for what browsers send us."""
    if not value:
        return None
    return "".join(c for c in value if unicodedata.category(c) not in _UNPRINTABLE)[:max_len] or None


def _string(fields: Mapping[str, Any], name: str, label: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"{label} must be text.", name)
    return str(value)


def text(
    fields: Mapping[str, Any], name: str, label: str, max_len: int, required: bool = True, fold: bool = False
) -> str:
    """A trimmed single-line string. With `fold`, line breaks become spaces (a subject pasted from a PDF)."""
    value = _string(fields, name, label)
    value = " ".join(value.split()) if fold else value.strip()
    if required and not value:
        raise Invalid(f"{label} is required.", name)
    if len(value) > max_len:
        raise Invalid(f"{label} must be at most {max_len} characters.", name)
    if unprintable(value):
        raise Invalid(f"{label} must be on one line, without control characters.", name)
    return value


def long_text(fields: Mapping[str, Any], name: str, label: str, max_len: int, required: bool = True) -> str:
    """A trimmed string that may span lines; Word's line and paragraph separators become newlines."""
    value = _string(fields, name, label).replace("\r\n", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{label} is required.", name)
    if len(value) > max_len:
        raise Invalid(f"{label} must be at most {max_len} characters.", name)
    if unprintable(value, allow="\n\t"):
        raise Invalid(f"{label} contains characters that cannot be printed.", name)
    return value


def a_date(fields: Mapping[str, Any], name: str, label: str, required: bool = True) -> date | None:
    """A date, given as a date or as ISO text (YYYY-MM-DD), within the years an office deals with."""
    value = fields.get(name)
    if isinstance(value, date):
        parsed = value
    else:
        if value is not None and not isinstance(value, str):
            raise Invalid(f"{label} must be a date written YYYY-MM-DD.", name)
        value = (value or "").strip()
        if not value:
            if required:
                raise Invalid(f"{label} is required.", name)
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{label} must be a date written YYYY-MM-DD.", name) from None
    if parsed.year not in YEARS:
        raise Invalid(f"{label} is not a plausible date.", name)
    return parsed


def required_date(fields: Mapping[str, Any], name: str, label: str) -> date:
    """A date that must be given."""
    value = a_date(fields, name, label)
    assert value is not None
    return value


def positive_int(value: str | None) -> int | None:
    """A whole number as typed in a form or query string (1 to 999999), or None if it is not one."""
    return int(value) if value is not None and _POSITIVE.fullmatch(value) else None
