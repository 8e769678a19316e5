"""Helpers shared by the API tests of bookings, quotas and closures."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def monday(hour: int = 10, minute: int = 0, weeks: int = 0) -> datetime:
    """A Monday at least eight days ahead (HTTP runs on the real clock), `weeks` later, at hour:minute
    in Paris."""
    first = datetime.now(PARIS).date() + timedelta(days=8)
    first += timedelta(days=(7 - first.weekday()) % 7 + 7 * weeks)
    return datetime.combine(first, time(hour, minute), PARIS)


def api_error(response, status: int, code: str) -> dict:
    """The error body of a response that must have this status and API.md code."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code, error
    return error
