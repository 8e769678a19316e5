"""Forms of the booking pages: book, change, cancel, decide, check a vehicle out and in, list filters.

Dates and times are typed on the network's wall clock; the forms turn them into aware datetimes (a
time skipped by the spring clock change is refused here, since it names no instant) and the repetition
choices into an RRULE. The services check everything else and give the messages; their field names map
to the form's fields through SERVICE_FIELDS.
"""

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mutualise.domain.recurrence import MAX_OCCURRENCES
from mutualise.forms import attach_errors
from mutualise.models import Resource, Structure
from mutualise.services.booking_actions import MAX_ODOMETER
from mutualise.services.bookings import BookingInput
from mutualise.services.checks import FIRST_YEAR, LAST_YEAR, UNSET
from mutualise.services.errors import ValidationError

REPEAT_LABELS = {"none": _l("Does not repeat"), "daily": _l("Every day"), "weekly": _l("Every week"),
                 "monthly": _l("Every month")}
_FREQ = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
WEEKDAY_LABELS = {"MO": _l("Monday"), "TU": _l("Tuesday"), "WE": _l("Wednesday"), "TH": _l("Thursday"),
                  "FR": _l("Friday"), "SA": _l("Saturday"), "SU": _l("Sunday")}
ENDS_LABELS = {"count": _l("After a number of times"), "until": _l("On a date")}
SCOPE_LABELS = {"this": _l("This booking only"), "following": _l("This one and the following ones"),
                "all": _l("Every booking of the series still to come")}
WHEN_LABELS = {"upcoming": _l("Current and upcoming"), "past": _l("Past")}
MAX_INTERVAL = 99

# Service field -> form field; `start` errors go beside the date, `end` ones beside the end time.
SERVICE_FIELDS = {"start": "date", "end": "end_time", "recurrence": "repeat", "on_conflict": "skip_conflicts"}

_REQUIRED = _l("This field is required.")


def _optional_int(value: Any) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        # an id that is not a number is an unknown one: the service says so beside the field
        return 0


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def local_moment(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The wall time `day clock` in `zone`, aware; None when the clocks skip it (spring change).

    An autumn time that happens twice is read as its first occurrence (fold=0)."""
    wall = datetime.combine(day, clock)
    moment = wall.replace(tzinfo=zone)
    try:
        round_trip = moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the first or last day datetime can hold; refused by the year check anyway
        return None
    return moment if round_trip == wall else None


def parse_local(text: str | None, zone: ZoneInfo) -> datetime | None:
    """A link's "2026-03-10T10:00" (local wall time, as the calendar writes it) as a naive local
    datetime; one with an offset is moved to the network's clock. None when it cannot be read."""
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment


def _check_year(field: DateField) -> None:
    """Dates far off are typos; the year 1 would even overflow when moved to UTC."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        field.errors.append(_l("Must be between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                               last=LAST_YEAR))
        field.data = None


class _PeriodForm(FlaskForm):
    """A date, a start and an end time, and an end date for a booking over several days."""

    date = DateField(_l("Date"), validators=[Optional()])
    start_time = TimeField(_l("From"), validators=[Optional()])
    end_time = TimeField(_l("To"), validators=[Optional()])
    end_date = DateField(_l("Until the day"), validators=[Optional()],
                         description=_l("Only for a booking over several days; empty: the same day."))

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.start: datetime | None = None
        self.end: datetime | None = None

    def set_step(self, minutes: int) -> None:
        """Time inputs move by the resource's step (browsers count it in seconds from midnight)."""
        for name in ("start_time", "end_time"):
            getattr(self, name).render_kw = {"step": max(minutes, 1) * 60}

    def fill_period(self, start: datetime | None, end: datetime | None) -> None:
        """Show naive local datetimes (GET: a link's prefill, or a booking's current times)."""
        if start is not None:
            self.date.data, self.start_time.data = start.date(), start.time().replace(second=0, microsecond=0)
        if end is not None:
            self.end_time.data = end.time().replace(second=0, microsecond=0)
            if start is None or end.date() != start.date():
                self.end_date.data = end.date()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in ("date", "start_time", "end_time"):
            field = getattr(self, name)
            if field.data is None and not field.errors:
                field.errors.append(_REQUIRED)
        _check_year(self.date)
        _check_year(self.end_date)
        if self.date.data and self.start_time.data:
            self.start = self._moment(self.date, self.date.data, self.start_time.data)
        if self.date.data and self.end_time.data and not self.end_date.errors:
            self.end = self._moment(self.end_time, self.end_date.data or self.date.data, self.end_time.data)
        return valid and not self.errors

    def _moment(self, field, day: date, clock: time) -> datetime | None:
        moment = local_moment(day, clock, self.zone)
        if moment is None:
            field.errors.append(_l("This time does not exist on that day: the clocks go forward then."))
        return moment


class BookingForm(_PeriodForm):
    resource_id = SelectField(_l("Resource"), coerce=_optional_int, validate_choice=False)
    structure_id = SelectField(_l("For the structure"), coerce=_optional_int, validate_choice=False)
    title = StringField(_l("Title"), description=_l("Shown in the calendars; empty: the structure's name."))
    quantity = IntegerField(_l("Quantity"), validators=[Optional()], default=1)

    repeat = SelectField(_l("Repeat"), choices=_choices(REPEAT_LABELS), default="none")
    interval = IntegerField(_l("Every how many days, weeks or months"), default=1,
                            validators=[Optional(), NumberRange(1, MAX_INTERVAL)],
                            description=_l("1: every week (with “Every week”); 2: every other week…"))
    weekdays = SelectMultipleField(_l("On these days (weekly)"), choices=_choices(WEEKDAY_LABELS),
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                   description=_l("None ticked: the day of the first booking."))
    ends = RadioField(_l("Ends"), choices=_choices(ENDS_LABELS), default="count")
    count = IntegerField(_l("Number of times"), validators=[Optional(), NumberRange(1, MAX_OCCURRENCES)],
                         default=10)
    until = DateField(_l("Last date"), validators=[Optional()])
    skip_conflicts = BooleanField(_l("Skip the dates that cannot be booked (otherwise book none of them)"))

    override_quota = BooleanField(_l("Book beyond the quota"))
    override_reason = StringField(_l("Why"), description=_l("Kept with the booking."))

    def __init__(self, *args, zone: ZoneInfo, admin: bool, **kwargs):
        super().__init__(*args, zone=zone, **kwargs)
        if not admin:
            # only administrators may book beyond a quota: the fields do not exist for the others
            del self.override_quota
            del self.override_reason
        self.rrule: str | None = None

    def set_choices(self, resources: list[Resource], structures: list[Structure]) -> None:
        self.resource_id.choices = [SelectChoice(r.id, _resource_label(r)) for r in resources]
        self.structure_id.choices = [SelectChoice(s.id, s.name) for s in structures]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.repeat.data in _FREQ and not self.repeat.errors:
            self.rrule = self._rrule()
        return valid and not self.errors

    def _rrule(self) -> str | None:
        parts = [f"FREQ={_FREQ[self.repeat.data]}", f"INTERVAL={self.interval.data or 1}"]
        if self.repeat.data == "weekly" and self.weekdays.data:
            parts.append("BYDAY=" + ",".join(day for day in WEEKDAY_LABELS if day in self.weekdays.data))
        if self.ends.data == "until":
            _check_year(self.until)
            if self.until.data is None:
                if not self.until.errors:
                    self.until.errors.append(_l("Give the last date of the repetition."))
                return None
            parts.append(f"UNTIL={self.until.data:%Y%m%d}")
        else:
            if self.count.data is None:
                if not self.count.errors:
                    self.count.errors.append(_l("Give the number of times."))
                return None
            parts.append(f"COUNT={self.count.data}")
        return ";".join(parts)

    def to_input(self) -> BookingInput:
        override = getattr(self, "override_quota", None)
        return BookingInput(
            resource_id=self.resource_id.data, structure_id=self.structure_id.data, start=self.start,
            end=self.end, title=self.title.data or None,
            quantity=1 if self.quantity.data is None else self.quantity.data, rrule=self.rrule,
            on_conflict="skip" if self.skip_conflicts.data else "fail",
            override_quota=bool(override.data) if override is not None else UNSET,
            override_reason=self.override_reason.data if override is not None and override.data else UNSET)


def _resource_label(resource: Resource) -> str:
    if resource.quantity > 1:
        return _l("%(name)s (%(num)d in stock)", name=resource.name, num=resource.quantity)
    return resource.name


class EditBookingForm(_PeriodForm):
    title = StringField(_l("Title"))
    quantity = IntegerField(_l("Quantity"), validators=[Optional()])

    def to_input(self) -> BookingInput:
        return BookingInput(start=self.start, end=self.end, title=self.title.data,
                            quantity=self.quantity.data if self.quantity.data is not None else UNSET)


def attach_booking_errors(form: FlaskForm, error: ValidationError) -> None:
    """The service's field errors beside the form's fields (`start` beside the date...), as plain str so
    the page escapes them (a lazy string counts as safe HTML, and messages may quote typed names)."""
    attach_errors(form, ValidationError({SERVICE_FIELDS.get(key, key): str(message)
                                         for key, message in error.fields.items()}))


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"))
    # the service checks the scope and says which ones exist
    scope = RadioField(_l("Cancel"), choices=_choices(SCOPE_LABELS), default="this",
                       validate_choice=False)


class RejectForm(FlaskForm):
    reason = StringField(_l("Why it is refused (optional)"))


class DecisionForm(FlaskForm):
    """Approve: nothing to type, the CSRF token only."""


class OdometerForm(FlaskForm):
    odometer = IntegerField(_l("Odometer (km)"), validators=[Optional(), NumberRange(0, MAX_ODOMETER)])


class BookingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    when = SelectField(_l("Period"), choices=_choices(WHEN_LABELS), default="upcoming")
    resource_id = SelectField(_l("Resource"), coerce=_optional_int, validate_choice=False)

    def set_resources(self, resources: list[Resource]) -> None:
        self.resource_id.choices = [SelectChoice("", _l("All resources")),
                                    *(SelectChoice(r.id, r.name) for r in resources)]


class MyBookingsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    when = SelectField(_l("Period"), choices=_choices(WHEN_LABELS), default="upcoming")
