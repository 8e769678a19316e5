"""Forms of the admin pages for quota rules and closures.

They parse types only (ids, whole numbers, local dates and times); the services check the rules and give
the messages, so selects do not check their choices (validate_choice=False) and field names match the
services' field names.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mutualise.forms import attach_errors
from mutualise.forms.resources import KIND_CHOICES
from mutualise.models import QuotaRule, Resource, Site, Structure
from mutualise.services.closures import ClosureInput
from mutualise.services.errors import ValidationError
from mutualise.services.quota_rules import QuotaRuleInput

UNIT_LABELS = {"hours": _l("Hours"), "bookings": _l("Bookings")}
WINDOW_LABELS = {"day": _l("Per day"), "week": _l("Per week (Monday to Sunday)"), "month": _l("Per month"),
                 "year": _l("Per year"), "rolling": _l("Over a rolling number of days")}
WHEN_LABELS = {"upcoming": _l("Current and upcoming"), "past": _l("Past")}


def _optional_int(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _resource_label(resource: Resource) -> str:
    return resource.name if resource.active else f"{resource.name} ({_l('archived')})"


class QuotaRuleForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("Optional, for your own reference."))
    structure_id = SelectField(_l("Structure"), coerce=_optional_int, validate_choice=False)
    resource_ids = SelectMultipleField(_l("Resources"), coerce=int, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False,
                       choices=[SelectChoice("", _l("Any kind")), *KIND_CHOICES], default="")
    site_id = SelectField(_l("Site"), coerce=_optional_int, validate_choice=False)
    unit = SelectField(_l("Counted in"), choices=_choices(UNIT_LABELS), default="hours",
                       validate_choice=False)
    window = SelectField(_l("Window"), choices=_choices(WINDOW_LABELS), default="week",
                         validate_choice=False)
    rolling_days = IntegerField(_l("Rolling window (days)"), validators=[Optional()])
    limit = IntegerField(_l("Limit per window"), validators=[Optional()])
    max_open_future = IntegerField(_l("Upcoming bookings at once"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)

    def set_choices(self, structures: list[Structure], resources: list[Resource], sites: list[Site]) -> None:
        self.structure_id.choices = [SelectChoice("", _l("Every structure, each on its own")),
                                     *(SelectChoice(s.id, s.name) for s in structures)]
        self.resource_ids.choices = [SelectChoice(r.id, _resource_label(r)) for r in resources]
        self.site_id.choices = [SelectChoice("", _l("Any site")),
                                *(SelectChoice(s.id, s.name) for s in sites)]

    def fill_from(self, rule: QuotaRule) -> None:
        """Show a rule's current values (GET of the edit page)."""
        for name in ("name", "structure_id", "kind", "site_id", "unit", "window", "rolling_days", "limit",
                     "max_open_future", "active"):
            getattr(self, name).data = getattr(rule, name)
        self.kind.data = rule.kind or ""
        self.resource_ids.data = [r.id for r in rule.resources]

    def to_input(self) -> QuotaRuleInput:
        return QuotaRuleInput(
            name=self.name.data or None, structure_id=self.structure_id.data,
            resource_ids=list(self.resource_ids.data or []), kind=self.kind.data or None,
            site_id=self.site_id.data, unit=self.unit.data, window=self.window.data,
            rolling_days=self.rolling_days.data, limit=self.limit.data,
            max_open_future=self.max_open_future.data, active=self.active.data)


class ClosureForm(FlaskForm):
    """Dates and times in the network's time zone; empty times make whole days (the end day included)."""

    resource_id = SelectField(_l("Resource"), coerce=_optional_int, validate_choice=False)
    start_date = DateField(_l("From (date)"), validators=[Optional()])
    start_time = TimeField(_l("From (time)"), validators=[Optional()])
    end_date = DateField(_l("To (date)"), validators=[Optional()])
    end_time = TimeField(_l("To (time)"), validators=[Optional()])
    reason = StringField(_l("Reason"),
                         description=_l("Shown to people who try to book, e.g. “Painting works”."))

    def set_choices(self, resources: list[Resource]) -> None:
        self.resource_id.choices = [SelectChoice("", _l("Every resource")),
                                    *(SelectChoice(r.id, _resource_label(r)) for r in resources)]

    def to_input(self, timezone: str) -> ClosureInput:
        zone = ZoneInfo(timezone)
        return ClosureInput(resource_id=self.resource_id.data,
                            start=_local(self.start_date.data, self.start_time.data, zone, end=False),
                            end=_local(self.end_date.data, self.end_time.data, zone, end=True),
                            reason=self.reason.data)


def _local(day: date | None, moment: time | None, zone: ZoneInfo, *, end: bool) -> datetime | None:
    if day is None:
        return None
    if moment is None:
        # a whole day: the start at its midnight, the end at the next midnight (the end day is closed too)
        return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=zone)
    return datetime.combine(day, moment, tzinfo=zone)


def attach_closure_errors(form: ClosureForm, error: ValidationError) -> None:
    """The service speaks of `start` and `end`; the form shows them beside the dates."""
    renamed = {"start": "start_date", "end": "end_date"}
    attach_errors(form, ValidationError({renamed.get(key, key): message
                                         for key, message in error.fields.items()}))


class ClosureFilterForm(FlaskForm):
    class Meta:
        csrf = False

    resource_id = SelectField(_l("Resource"), coerce=_optional_int, validate_choice=False)
    when = SelectField(_l("Period"), choices=_choices(WHEN_LABELS), default="upcoming")

    def set_choices(self, resources: list[Resource]) -> None:
        self.resource_id.choices = [SelectChoice("", _l("All resources")),
                                    *(SelectChoice(r.id, _resource_label(r)) for r in resources)]


class QuotaFilterForm(FlaskForm):
    class Meta:
        csrf = False

    structure_id = SelectField(_l("Structure"), coerce=_optional_int, validate_choice=False)

    def set_choices(self, structures: list[Structure]) -> None:
        self.structure_id.choices = [SelectChoice("", _l("All structures")),
                                     *(SelectChoice(s.id, s.name) for s in structures)]
