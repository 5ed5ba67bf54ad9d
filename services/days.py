"""The office's day: what "today" is where the office is (TIMEZONE), not on the server's clock.

A server on UTC is still on yesterday for the first five and a half hours of an Indian day: a link would expire,
a memo's date be refused or a reminder fall due by the wrong calendar."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """The office's date now."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
