"""A resource's rules and tariff in plain words, in the reader's language (presentation only).

Each sentence is one msgid with placeholders so translators can reorder it; money goes through the same
`money` filter as the templates, weekday names and lists come from Babel's locale data.
"""

from typing import Any

from babel.dates import get_day_names
from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from mutualise.domain.opening_hours import WEEKDAYS, OpeningHoursError, parse_opening_hours
from mutualise.models import Resource
from mutualise.web import money

_HOUR = 60
_DAY = 24 * 60


def duration(minutes: int) -> str:
    """90 -> "1 hour 30 minutes", 2880 -> "2 days"."""
    days, rest = divmod(minutes, _DAY)
    hours, mins = divmod(rest, _HOUR)
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if mins or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", mins))
    return " ".join(parts)


def _list(items: list[str]) -> str:
    return format_list(items, locale=str(get_locale()))


def rule_sentences(resource: Resource) -> list[str]:
    """Step, durations, buffer, notice and advance, cancellation and approval, one sentence each."""
    step = duration(resource.step_minutes)
    low, high = resource.min_duration_minutes, resource.max_duration_minutes
    if low and high:
        sentences = [_("Bookable by steps of %(step)s, from %(min)s to %(max)s.", step=step,
                       min=duration(low), max=duration(high))]
    elif low:
        sentences = [_("Bookable by steps of %(step)s, for at least %(min)s.", step=step, min=duration(low))]
    elif high:
        sentences = [_("Bookable by steps of %(step)s, for up to %(max)s.", step=step, max=duration(high))]
    else:
        sentences = [_("Bookable by steps of %(step)s.", step=step)]
    if resource.buffer_minutes:
        sentences.append(_("%(duration)s kept free between two bookings.",
                           duration=duration(resource.buffer_minutes)))
    if resource.min_notice_minutes:
        sentences.append(_("Book at least %(duration)s in advance.",
                           duration=duration(resource.min_notice_minutes)))
    if resource.max_advance_days:
        sentences.append(ngettext("Up to %(num)d day ahead.", "Up to %(num)d days ahead.",
                                  resource.max_advance_days))
    sentences.extend(_cancellation(resource))
    if resource.requires_approval:
        sentences.append(_("Needs a referent's approval."))
        if resource.referents:
            sentences.append(_("Referents: %(names)s.", names=_list([p.name for p in resource.referents])))
    return sentences


def _cancellation(resource: Resource) -> list[str]:
    if not resource.cancel_deadline_minutes:
        return [_("Cancel free of charge until the start.")]
    sentences = [_("Cancel free of charge until %(duration)s before the start.",
                   duration=duration(resource.cancel_deadline_minutes))]
    if resource.late_cancel_fee_cents:
        fee = money(resource.late_cancel_fee_cents)
        sentences.append(_("After that, cancelling costs %(fee)s.", fee=fee))
    return sentences


def opening_hours_sentences(resource: Resource) -> list[str]:
    """"Open Monday to Friday 08:00–12:00 and 14:00–18:00." per run of days with the same hours."""
    try:
        parsed = parse_opening_hours(resource.opening_hours)
    except OpeningHoursError:
        return []  # stored hours are canonical; a hand-edited row must not break the page
    if parsed is None:
        return [_("Open at all times.")]
    if not parsed:
        return [_("Closed every day.")]
    names = get_day_names("wide", locale=str(get_locale()))  # 0 is Monday, as in WEEKDAYS
    week = [tuple(parsed.get(day, ())) for day in WEEKDAYS]
    sentences = []
    first = 0
    while first < 7:
        last = first
        while last + 1 < 7 and week[last + 1] == week[first]:
            last += 1
        if week[first]:
            hours = _list([f"{_clock(start)}–{_clock(end)}" for start, end in week[first]])
            sentences.append(_("Open %(days)s %(hours)s.", days=_day_span(names, first, last), hours=hours))
        first = last + 1
    if not all(week):
        sentences.append(_("Closed on other days."))
    return sentences


def _day_span(names: Any, first: int, last: int) -> str:
    if first == last:
        return names[first]
    if last == first + 1:
        return _list([names[first], names[last]])
    return _("%(first)s to %(last)s", first=names[first], last=names[last])


def _clock(minutes: int) -> str:
    return f"{minutes // _HOUR:02d}:{minutes % _HOUR:02d}"


def tariff_sentences(resource: Resource) -> list[str]:
    """"12,00 € per hour, billed by 30 minutes, capped at 60,00 € per day.", "0,25 € per km."..."""
    sentences = []
    if resource.hourly_cents:
        price, cap = money(resource.hourly_cents), resource.daily_cap_cents
        step = duration(resource.tariff_step_minutes)
        by_the_hour = resource.tariff_step_minutes == _HOUR
        if cap is not None and by_the_hour:
            sentences.append(_("%(price)s per hour, capped at %(cap)s per day.", price=price, cap=money(cap)))
        elif cap is not None:
            sentences.append(_("%(price)s per hour, billed by %(step)s, capped at %(cap)s per day.",
                               price=price, step=step, cap=money(cap)))
        elif by_the_hour:
            sentences.append(_("%(price)s per hour.", price=price))
        else:
            sentences.append(_("%(price)s per hour, billed by %(step)s.", price=price, step=step))
    if resource.per_km_cents:
        sentences.append(_("%(price)s per km.", price=money(resource.per_km_cents)))
    if resource.booking_fee_cents:
        sentences.append(_("%(price)s per booking.", price=money(resource.booking_fee_cents)))
    if not sentences:
        sentences.append(_("Free of charge."))
    return sentences


def attribute_text(name: str, value: Any) -> str:
    """"accessible", "fuel: electric", "projector: no"."""
    if value is True:
        return name
    if value is False:
        return _("%(name)s: no", name=name)
    return _("%(name)s: %(value)s", name=name, value=value)
