"""Identifiers calendars keep for our bookings: one UID per booking, the same in every feed and every
invitation, stable across edits (clients match updates and cancellations by it)."""

from urllib.parse import urlsplit

from flask import current_app


def calendar_host() -> str:
    """The host of the platform's public address (BASE_URL), the right-hand side of every UID."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "mutualise.localhost"


def booking_uid(booking_id: int, host: str | None = None) -> str:
    return f"booking-{booking_id}@{host or calendar_host()}"
