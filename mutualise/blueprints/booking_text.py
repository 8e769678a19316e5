"""Bookings in words for the booking pages: a slot on the network's clock, the structure's remaining
allowance under each quota rule."""

from datetime import datetime, timedelta
from decimal import Decimal

from babel.dates import format_interval
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale, ngettext
from flask_babel import gettext as _

from mutualise.extensions import db
from mutualise.services.quota_rules import describe_rule
from mutualise.services.quota_usage import quota_status


def slot_text(start: datetime, end: datetime) -> str:
    """"Tuesday 10 March 2026, 10:00–11:00" on the network's clock; both dates when it spans days."""
    if format_date(start, "yyyy-MM-dd") == format_date(end, "yyyy-MM-dd"):
        return _("%(day)s, %(start)s–%(end)s", day=format_date(start, "full"),
                 start=format_time(start, "short"), end=format_time(end, "short"))
    return _("%(start)s – %(end)s", start=format_datetime(start, "short"), end=format_datetime(end, "short"))


def quota_lines(structure, resource, at: datetime, zone) -> list[dict]:
    """Each quota rule applying here, in words: the rule, what remains in its window, the open-booking cap."""
    lines = []
    for entry in quota_status(db.session, structure, at, zone, resource):
        unit = entry["unit"]
        line = {"rule_id": entry["rule_id"], "unit": unit, "rule": describe_rule(entry["rule"]),
                "remaining": entry["remaining"], "text": None, "open_text": None, "minutes": None}
        if entry["remaining"] is not None:
            if unit == "hours":
                line["minutes"] = int(Decimal(entry["remaining"]) * 60)
            line["text"] = _("Remaining for %(structure)s: %(remaining)s of %(limit)s (%(period)s).",
                             structure=structure.name, remaining=_amount(unit, entry["remaining"]),
                             limit=_amount(unit, entry["limit"]),
                             period=_window_text(entry["rule"].window, entry["window_start"],
                                                 entry["window_end"], zone))
        if "max_open_future" in entry:
            line["open_text"] = ngettext(
                "%(num)d upcoming booking of the %(max)d allowed at once.",
                "%(num)d upcoming bookings of the %(max)d allowed at once.",
                entry["open_future"], max=entry["max_open_future"])
        lines.append(line)
    return lines


def _amount(unit: str, value) -> str:
    if unit == "hours":
        return _("%(hours)s h", hours=format_decimal(value))
    return ngettext("%(num)d booking", "%(num)d bookings", int(value))


def _window_text(window: str, start: datetime, end: datetime, zone) -> str:
    first = start.astimezone(zone).date()
    last = (end.astimezone(zone) - timedelta(days=1)).date()  # windows end at a local midnight
    if window == "year":
        return str(first.year)
    return format_interval(first, last, "MMMMd", locale=get_locale())
