"""Calendar pages: one resource's week, the day planning across resources, a month of bookings.

Server-rendered grids that work without JavaScript and on a phone. Every time is shown on the network's
wall clock; the grids are laid out in Python (here; the day planning's rows in calendar_planning) so that
the templates only show.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, has_request_context, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mutualise import clock
from mutualise.blueprints.calendar_grid import (
    DAY,
    hhmm,
    instant,
    opening_hours_of,
    skipped,
    slot_entry,
    wall,
    wall_minutes,
)
from mutualise.blueprints.calendar_planning import day_grid
from mutualise.domain.booking_rules import check_rules
from mutualise.domain.intervals import peak_load
from mutualise.domain.opening_hours import is_open
from mutualise.extensions import db
from mutualise.forms.resources import KIND_CHOICES
from mutualise.models import ACTIVE_STATUSES
from mutualise.models.resource import resource_referents
from mutualise.services import permissions
from mutualise.services import resources as resource_service
from mutualise.services import sites as site_service
from mutualise.services.availability import Slot, day_planning, local_day_bounds, planning
from mutualise.services.booking_checks import rules_of
from mutualise.services.bookings import list_bookings
from mutualise.services.errors import BadRequest
from mutualise.services.settings import network_zone

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

_ALWAYS_OPEN_ROWS = (7 * 60, 21 * 60)  # week rows of a resource open at all times
# Far enough for any real booking, near enough that the week and month arithmetic never overflows.
_FIRST_DAY, _LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_ID = re.compile(r"[0-9]{1,12}")


@bp.app_context_processor
def _navigation() -> dict:
    """Whether the layout shows the approvals link: to admins and to the referents of some resource."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"sees_approvals": False}
    if "sees_approvals" not in g:
        # one indexed lookup per request, only for signed-in people who are not admins
        g.sees_approvals = current_user.is_admin or db.session.scalar(
            select(resource_referents.c.resource_id)
            .where(resource_referents.c.user_id == current_user.id).limit(1)) is not None
    return {"sees_approvals": g.sees_approvals}


class PlanningFilters(FlaskForm):
    class Meta:
        csrf = False

    date = DateField(_l("Day"), validators=[Optional()])
    site_id = SelectField(_l("Site"), coerce=lambda value: None if value in ("", None) else int(value))
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES], default="")


# Query values

def _actor():
    return current_user._get_current_object()


def _bad_date() -> BadRequest:
    return BadRequest(_("Give a date written YYYY-MM-DD, between %(first)s and %(last)s.",
                        first=_FIRST_DAY.isoformat(), last=_LAST_DAY.isoformat()))


def _day_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw) if _DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None or not _FIRST_DAY <= day <= _LAST_DAY:
        raise _bad_date()
    return day


def _month_arg(default: date) -> date:
    raw = request.args.get("month", "").strip()
    if not raw:
        return default.replace(day=1)
    match = _MONTH.fullmatch(raw)
    if match is None or not 1 <= int(match[2]) <= 12 or not _FIRST_DAY.year <= int(match[1]) < _LAST_DAY.year:
        raise BadRequest(_("Give a month written YYYY-MM, e.g. %(example)s.",
                           example=default.strftime("%Y-%m")))
    return date(int(match[1]), int(match[2]), 1)


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not _ID.fullmatch(raw):
        raise BadRequest(_("This resource number cannot be read."))
    return int(raw)


# Week of one resource

def _row_minutes(step: int) -> int:
    """Half an hour at least and a whole number of steps (so each row can be booked), an hour at most."""
    if step >= 60:
        return 60
    step = max(step, 1)
    return -(-max(step, 30) // step) * step


def _link_minutes(resource, row: int) -> int:
    """Length of the booking a "Book" link proposes: the row, lengthened to the minimum duration and to
    whole steps."""
    step = max(resource.step_minutes or 1, 1)
    wanted = max(row, resource.min_duration_minutes or 0)
    return -(-wanted // step) * step


def _row_span(hours: dict | None, slots: list[Slot], bounds: list[tuple[datetime, datetime]],
              monday: date, tz: ZoneInfo, row: int) -> tuple[int, int]:
    """First and last wall minute of the week's rows, in whole rows: the opening hours (07:00-21:00 when
    always open), widened where a booking would otherwise fall outside every row."""
    if hours is None:
        first, last = _ALWAYS_OPEN_ROWS
    elif hours:
        first = min(start for intervals in hours.values() for start, _end in intervals)
        last = max(end for intervals in hours.values() for _start, end in intervals)
    else:
        first, last = DAY, 0  # closed every day: only bookings give rows
    for slot in slots:
        if slot.closure is not None:
            continue
        for offset, (day_start, day_end) in enumerate(bounds):
            if slot.start < day_end and slot.end > day_start:
                start, end = wall_minutes(max(slot.start, day_start), min(slot.end, day_end),
                                           monday + timedelta(days=offset), tz)
                if not (start < last and end > first):
                    first, last = min(first, start), max(last, end)
    if first >= last:
        return 0, 0
    return first // row * row, min(-(-last // row) * row, DAY)


def _week_days(resource, slots: list[Slot], monday: date, tz: ZoneInfo, now: datetime) -> tuple[list, list]:
    """The row labels and, for each of the 7 days, its cells: state, entries, units taken, "Book" link."""
    hours, readable = opening_hours_of(resource)
    rules = rules_of(resource) if readable and resource.active else None  # archived: nothing to book
    row = _row_minutes(resource.step_minutes)
    link = _link_minutes(resource, row)
    bounds = [local_day_bounds(monday + timedelta(days=offset), tz) for offset in range(7)]
    first, last = _row_span(hours, slots, bounds, monday, tz, row)
    # a booking holds its slot until its buffer ends; so would the one a "Book" link proposes
    loads = [(slot.start, slot.blocked_until, slot.quantity) for slot in slots]
    buffer = timedelta(minutes=resource.buffer_minutes)
    busy, stocked = _("Busy"), resource.quantity > 1
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        title = format_date(day, "EEEE d MMMM")
        cells = []
        for minute in range(first, last, row):
            end_minute = min(minute + row, last)
            cell = {"time": hhmm(minute), "classes": [], "entries": [], "taken": None, "book": None,
                    "label": None}
            cells.append(cell)
            if skipped(day, minute, tz):
                cell["classes"].append("gap")
                continue
            start, end = instant(day, minute, tz), instant(day, end_minute, tz)
            here = [slot for slot in slots if slot.start < end and slot.end > start]
            if hours is not None and not is_open(hours, offset, minute, end_minute):
                cell["classes"].append("closed")
            if end <= now:
                cell["classes"].append("past")
            taken = peak_load([(s.start, s.end, s.quantity) for s in here], start, end)
            if taken:
                cell["classes"].append("full" if taken >= resource.quantity else "busy")
            if any(slot.closure for slot in here):
                cell["classes"].append("closure")
            elif stocked and taken:
                cell["taken"] = _("%(taken)d/%(stock)d taken", taken=taken, stock=resource.quantity)
            cell["entries"] = [slot_entry(slot, busy) for slot in here
                               if not stocked or slot.closure is not None or slot.booking is not None]
            if rules is not None and start >= now and minute + link <= DAY:
                link_end = instant(day, minute + link, tz)
                if (check_rules(rules, start, link_end, now, tz) is None
                        and peak_load(loads, start, link_end + buffer) < resource.quantity):
                    cell["book"] = url_for("bookings.new", resource_id=resource.id, start=wall(day, minute),
                                           end=wall(day, minute + link))
                    cell["label"] = _("Book %(day)s at %(time)s", day=title, time=cell["time"])
            cell["classes"] = " ".join(cell["classes"])
        days.append({"date": day, "title": title, "cells": cells})
    return [hhmm(minute) for minute in range(first, last, row)], days


@bp.get("/resources/<int:resource_id>")
@login_required
def week(resource_id: int):
    tz = network_zone(db.session)
    now = clock.utcnow()
    today = now.astimezone(tz).date()
    picked = _day_arg("week", today)
    monday = picked - timedelta(days=picked.weekday())
    found = planning(db.session, _actor(), monday, tz, days=7, resource_id=resource_id)
    resource = found.resources[0]
    times, days = _week_days(resource, found.slots[resource.id], monday, tz, now)
    return render_template("calendar/week.html", resource=resource, monday=monday, today=today,
                           times=times, days=days, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7))


# Day planning across resources

@bp.get("/day")
@login_required
def day():
    actor = _actor()
    tz = network_zone(db.session)
    today = clock.utcnow().astimezone(tz).date()
    filters = PlanningFilters(formdata=request.args)
    everywhere = SelectChoice("", _("All sites"))
    filters.site_id.choices = [everywhere, *(SelectChoice(s.id, s.name)
                                             for s in site_service.list_sites(db.session, actor))]
    valid = filters.validate()
    the_day = filters.date.data or today
    if valid and not _FIRST_DAY <= the_day <= _LAST_DAY:
        filters.date.errors.append(str(_bad_date().message))
        valid = False
    if not valid:
        return render_template("calendar/day.html", filters=filters, day=None, grid=None), 400
    found = day_planning(db.session, actor, the_day, tz, site_id=filters.site_id.data,
                         kind=filters.kind.data or None)
    kept = {"site_id": filters.site_id.data or None, "kind": filters.kind.data or None}
    return render_template(
        "calendar/day.html", filters=filters, day=the_day, today=today, grid=day_grid(found, the_day, tz),
        kept=kept, previous=the_day - timedelta(days=1), following=the_day + timedelta(days=1))


# Month

def _month_items(actor, resource_id: int | None, start_day: date, days: int, tz: ZoneInfo):
    """The resource and its bookings and closures over the days; or no resource and the bookings of the
    actor's structures. Items are (start, end, entry)."""
    if resource_id is not None:
        found = planning(db.session, actor, start_day, tz, days=days, resource_id=resource_id)
        resource, busy = found.resources[0], _("Busy")
        return resource, [(slot.start, slot.end, slot_entry(slot, busy)) for slot in found.slots[resource.id]]
    start, end = local_day_bounds(start_day, tz, days)
    items = []
    for structure_id in sorted(permissions.structure_ids_of(actor)):
        for booking in list_bookings(db.session, actor, structure_id=structure_id, start=start, end=end,
                                     statuses=ACTIVE_STATUSES):
            entry = {"text": f"{booking.resource.name} · {booking.title} ({booking.structure.short_code})",
                     "kind": "mine", "pending": booking.status == "pending", "id": booking.id}
            items.append((booking.start_at, booking.end_at, entry))
    items.sort(key=lambda item: (item[0], item[1], item[2]["id"]))
    return None, items


def _month_cells(items: list, grid_start: date, size: int, tz: ZoneInfo) -> list[dict]:
    """One cell per day of the grid, each listing what falls on it with its local times that day."""
    cells = [{"date": grid_start + timedelta(days=n), "entries": []} for n in range(size)]
    for start, end, entry in items:
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        start_text, end_text = hhmm(local_start.hour * 60 + local_start.minute), \
            hhmm(local_end.hour * 60 + local_end.minute)
        # a booking ending at midnight does not show on the next day
        last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
        first_index = max((local_start.date() - grid_start).days, 0)
        for n in range(first_index, min((last_day - grid_start).days + 1, size)):
            on = cells[n]["date"]
            begins = start_text if on == local_start.date() else "00:00"
            ends = end_text if on == local_end.date() else "24:00"
            cells[n]["entries"].append({**entry, "time": f"{begins}–{ends}"})
    return cells


@bp.get("/month")
@login_required
def month():
    actor = _actor()
    tz = network_zone(db.session)
    today = clock.utcnow().astimezone(tz).date()
    first = _month_arg(today)
    resource_id = _id_arg("resource_id")
    following = (first + timedelta(days=32)).replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    last = following - timedelta(days=1)
    size = (last + timedelta(days=6 - last.weekday()) - grid_start).days + 1
    resource, items = _month_items(actor, resource_id, grid_start, size, tz)
    cells = _month_cells(items, grid_start, size, tz)
    return render_template(
        "calendar/month.html", resource=resource, month=first, today=today,
        resources=resource_service.list_resources(db.session, actor, active=True),
        weeks=[cells[n:n + 7] for n in range(0, size, 7)],
        previous=(first - timedelta(days=1)).replace(day=1), following=following,
        no_structure=resource is None and not permissions.structure_ids_of(actor))
