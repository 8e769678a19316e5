"""The day planning's rows: one per resource, its bookings and closures as blocks on quarter-hour columns.

The planning shows every resource the filters select (issue 3: 1,000 resources and 8,000 blocks in under
300 ms), so a row's blocks are written here as one escaped string: a template loop paid attribute
lookups and an escape per value, and inline styles and titles made 190 bytes a block. A block is placed
by two short classes (`c<column> s<span>`, generated once in calendar.css) and writes its times once, as
text that screen readers read and that hovering or focusing the block shows.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from markupsafe import Markup, escape

from mutualise.blueprints.calendar_grid import DAY, hhmm, links, opening_hours_of, slot_entry, wall_minute
from mutualise.domain.opening_hours import WEEKDAYS
from mutualise.services.availability import Planning

QUARTER = 15  # minutes a grid column stands for
_HOURS = (7 * 60, 22 * 60)  # columns shown at least, widened to fit openings and bookings
# Someone else's booking shown as busy is the common block: it needs no class of its own.
_KIND_CLASS = {"busy": "", "mine": " mine", "seen": " seen", "closure": " closure"}


class PlanningRow(NamedTuple):
    id: int
    name: str
    week: str  # the resource's week, where each free slot links to a prefilled booking form
    off: str  # custom property greying its closed hours ("" when open all day), see DayGrid.off_hours
    blocks: Markup  # its <li> blocks, every text escaped


class DayGrid(NamedTuple):
    first: int  # wall minute of the first column (a whole hour)
    last: int
    rows: list[PlanningRow]
    off_hours: dict[str, str]  # custom property -> CSS gradient, one per distinct opening of the rows

    @property
    def columns(self) -> int:
        return (self.last - self.first) // QUARTER

    @property
    def hours(self) -> list[tuple[int, str]]:
        """(first column, "HH:MM") of each hour heading."""
        return [(1 + (minute - self.first) // QUARTER, hhmm(minute))
                for minute in range(self.first, self.last, 60)]


@lru_cache(maxsize=512)
def _off_hours(intervals: tuple[tuple[int, int], ...], first: int, last: int) -> str:
    """A CSS gradient greying the closed parts of a planning row ("" when open throughout). Most rows
    share their hours, so the result is cached."""
    def at(minute: int) -> str:
        return f"{100 * (minute - first) / (last - first):.2f}%"

    stops, cursor, closed = [], first, False
    for start, end in intervals:
        start, end = max(start, cursor), min(end, last)
        if start >= end:
            continue
        if start > cursor:
            stops.append(f"var(--closed) {at(cursor)} {at(start)}")
            closed = True
        stops.append(f"transparent {at(start)} {at(end)}")
        cursor = end
    if cursor < last:
        stops.append(f"var(--closed) {at(cursor)} {at(last)}")
        closed = True
    return f"linear-gradient(to right, {', '.join(stops)})" if closed else ""


def day_grid(found: Planning, day: date, tz: ZoneInfo) -> DayGrid:
    """The planning's hours (whole hours from 07:00 to 22:00 at least, widened to fit the day's openings
    and bookings) and one row per resource."""
    weekday = WEEKDAYS[day.weekday()]
    first, last = _HOURS
    minute_of: dict[datetime, int] = {}  # the day's slots share a few dozen instants

    def minute(moment: datetime) -> int:
        found_minute = minute_of.get(moment)
        if found_minute is None:
            found_minute = minute_of[moment] = wall_minute(moment, day, tz)
        return found_minute

    # slots are clipped to the day in wall minutes (cheaper than comparing aware datetimes)
    day_start, day_end = minute(found.start), minute(found.end)
    opening, spans = {}, {}
    for resource in found.resources:
        hours, _readable = opening_hours_of(resource)
        opening[resource.id] = None if hours is None else tuple(hours.get(weekday, ()))
        for start, end in opening[resource.id] or ():
            first, last = min(first, start), max(last, end)
        for slot in found.slots[resource.id]:
            start, end = max(minute(slot.start), day_start), min(minute(slot.end), day_end)
            spans[id(slot)] = start, end
            if slot.closure is None:
                first, last = min(first, start), max(last, end)
    first, last = max(first, 0) // 60 * 60, min(-(-last // 60) * 60, DAY)

    week_of = links("calendar.week", "resource_id", week=day.isoformat())
    write = _BlockWriter(first, last, _("Busy"), _("pending"))
    rows, off_hours = [], {}
    for resource in found.resources:
        blocks = "".join([write(resource, slot, *spans[id(slot)]) for slot in found.slots[resource.id]])
        hours = opening[resource.id]
        gradient = "" if hours is None else _off_hours(hours, first, last)
        off = off_hours.setdefault(gradient, f"off-{len(off_hours)}") if gradient else ""
        rows.append(PlanningRow(resource.id, resource.name, week_of(resource.id), off, Markup(blocks)))
    return DayGrid(first, last, rows, {name: gradient for gradient, name in off_hours.items()})


class _BlockWriter:
    """Writes a slot as a planning block: its times, the closure's reason, the booking's title (a link
    to it) when the viewer may see it or "Busy", units taken of a stocked resource, pending marked."""

    def __init__(self, first: int, last: int, busy: str, pending: str):
        self.first, self.last, self.busy = first, last, busy
        self.pending = f" <em>{escape(pending)}</em>"
        self.booking_at = links("bookings.show", "booking_id")
        self.escaped: dict[str, str] = {}  # "Busy" and recurring titles are escaped once

    def __call__(self, resource, slot, start: int, end: int) -> str:
        start, end = max(start, self.first), min(end, self.last)
        if start >= end:
            return ""
        column = (start - self.first) // QUARTER + 1
        span = max(1, -(-(end - self.first) // QUARTER) - column + 1)
        entry = slot_entry(slot, self.busy)
        text = entry["text"]
        if resource.quantity > 1 and slot.closure is None:
            text += f" · {slot.quantity}/{resource.quantity}"
        shown = self.escaped.get(text)
        if shown is None:
            shown = self.escaped[text] = str(escape(text))
        if entry["id"]:
            shown = f'<a href="{escape(self.booking_at(entry["id"]))}">{shown}</a>'
        pending = entry["pending"]
        return (f'<li class="c{column} s{span}{_KIND_CLASS[entry["kind"]]}{" pending" if pending else ""}">'
                f'<span>{hhmm(start)}–{hhmm(end)}</span> {shown}{self.pending if pending else ""}</li>')
