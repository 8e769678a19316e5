"""The accounts the network's journal posts to (French chart of accounts, PCG), and month arithmetic.

Each structure has its own sub-account of 411 "clients" (its accounting code, or its short code), so a
structure's balance is the sum of the lines on its account: debit, it owes the network; credit, it paid
or is owed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

STRUCTURES = "411000"  # what each structure owes (auxiliary account per structure)
BANK = "512000"  # payments received from or paid back to structures
USAGE_REVENUE = "706000"  # usage of pooled resources billed to structures
RECHARGED_COSTS = "791000"  # transferts de charges: shared costs paid by the network, recharged

# Categories of shared charges (the columns of the cost split); "usage" is priced bookings.
CHARGE_CATEGORIES = ("rent", "insurance", "maintenance", "fuel", "cleaning", "energy", "supplies", "services",
                     "other")
USAGE_CATEGORY = "usage"

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: \d also takes "２"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> tuple[date, date] | None:
    """The first and last day of a "YYYY-MM" month (years 2000 to 2200), or None when it is not one."""
    match = _MONTH.fullmatch(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2200 and 1 <= month <= 12):
        return None
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def previous_month(month: str) -> str:
    first, _last = parse_month(month)
    return month_of(first - timedelta(days=1))
