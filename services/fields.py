"""Reading typed values out of what a form or an API call sent, with messages a clerk understands."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.errors import Invalid


def text(fields: Mapping[str, Any], name: str, label: str, max_len: int, required: bool = True) -> str:
    """A trimmed single-line string; control characters are refused (they end up in headers and PDFs)."""
    value = fields.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise Invalid(f"{label} is required.", name)
    if len(value) > max_len:
        raise Invalid(f"{label} must be at most {max_len} characters.", name)
    if any(ord(c) < 32 for c in value):
        raise Invalid(f"{label} must be on one line.", name)
    return value


def long_text(fields: Mapping[str, Any], name: str, label: str, max_len: int, required: bool = True) -> str:
    """A trimmed string that may span lines (tabs and newlines allowed, other control characters not)."""
    value = fields.get(name)
    value = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if required and not value:
        raise Invalid(f"{label} is required.", name)
    if len(value) > max_len:
        raise Invalid(f"{label} must be at most {max_len} characters.", name)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise Invalid(f"{label} contains characters that cannot be printed.", name)
    return value


def a_date(fields: Mapping[str, Any], name: str, label: str, required: bool = True) -> date | None:
    """A date, given as a date or as ISO text (YYYY-MM-DD)."""
    value = fields.get(name)
    if isinstance(value, date):
        return value
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise Invalid(f"{label} is required.", name)
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{label} must be a date written YYYY-MM-DD.", name) from None
    if not 1950 <= parsed.year <= 2200:
        raise Invalid(f"{label} is not a plausible date.", name)
    return parsed


def required_date(fields: Mapping[str, Any], name: str, label: str) -> date:
    """A date that must be given."""
    value = a_date(fields, name, label)
    assert value is not None
    return value
