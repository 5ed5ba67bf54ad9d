"""The office's day: "today" where the office is, whatever the server's clock says."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from services import days


def test_today_is_the_offices_date_not_the_servers(app: Flask):
    # Kiritimati is fourteen hours ahead of UTC and Baker Island twelve behind: their dates always differ.
    found = {}
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        app.config["TIMEZONE"] = zone
        with app.app_context():
            before, today, after = (
                datetime.now(ZoneInfo(zone)).date(),
                days.today(),
                datetime.now(ZoneInfo(zone)).date(),
            )
        assert today in (before, after)
        found[zone] = today
    assert found["Pacific/Kiritimati"] > found["Etc/GMT+12"]
    assert found["Etc/GMT+12"] <= datetime.now(UTC).date() <= found["Pacific/Kiritimati"]
