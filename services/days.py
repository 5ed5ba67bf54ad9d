"""The office's day and clock: dates and times where the office is (TIMEZONE), not on the server's clock.

A server on UTC is still on yesterday for the first five and a half hours of an Indian day: a link would expire,
a memo's date be refused or a reminder fall due by the wrong calendar."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    """The office's time zone (the TIMEZONE setting)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    """The office's date now."""
    return datetime.now(zone()).date()
