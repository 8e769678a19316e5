"""The clock, read only at the edges (requests, CLI) and handed to services as `now`."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
