"""Forms for sites and resources (admin pages) and the inventory filters.

Forms parse types only: euros to cents, "key: value" lines to a dict. The services own the rules and
their messages; their nested keys ("rules.step_minutes") map to the fields named "rules_step_minutes".
"""

from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import TextInput

from mutualise.domain.money import AmountError, cents_to_decimal_str, parse_amount
from mutualise.domain.opening_hours import FRENCH_WEEKDAYS, OpeningHoursError, parse_opening_hours, to_text
from mutualise.forms import attach_errors
from mutualise.models import Resource, ResourceKind, Site
from mutualise.services.errors import ValidationError
from mutualise.services.resources import MAX_TARIFF_CENTS, ResourceInput
from mutualise.services.sites import SiteInput

KIND_LABELS = {ResourceKind.ROOM: _l("Room"), ResourceKind.VEHICLE: _l("Vehicle"),
               ResourceKind.EQUIPMENT: _l("Equipment")}
KIND_CHOICES = [SelectChoice(str(kind), label) for kind, label in KIND_LABELS.items()]
ACTIVE_CHOICES = [SelectChoice("", _l("Active and archived")), SelectChoice("1", _l("Active")),
                  SelectChoice("0", _l("Archived"))]
RULE_FORM_FIELDS = ("step_minutes", "min_duration_minutes", "max_duration_minutes", "buffer_minutes",
                    "min_notice_minutes", "max_advance_days", "cancel_deadline_minutes")
TARIFF_FORM_FIELDS = ("hourly_cents", "daily_cap_cents", "per_km_cents", "booking_fee_cents",
                      "late_cancel_fee_cents")
_TRUE_WORDS = frozenset({"true", "yes", "oui", "vrai"})
_FALSE_WORDS = frozenset({"false", "no", "non", "faux"})

_AMOUNT_MESSAGES = {
    "format": _l("Write an amount such as 12,50."),
    "precision": _l("At most 2 decimals."),
    "too_large": _l("This amount is too large."),
}


def _optional_int(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


def _optional_bool(value: Any) -> bool | None:
    return {"1": True, "0": False}.get(value) if isinstance(value, str) else value


class EuroField(Field):
    """An amount typed in euros ("12,50"), held as integer cents; empty gives `empty_cents`."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, empty_cents: int | None = 0, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.empty_cents = empty_cents

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # Shown the way the reader writes decimals; parse_amount reads either separator back.
        return cents_to_decimal_str(self.data).replace(".", get_decimal_symbol(str(get_locale())))

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = self.empty_cents
            return
        try:
            cents = parse_amount(valuelist[0])
        except AmountError as error:
            self.data = None
            raise ValueError(_AMOUNT_MESSAGES.get(error.reason, _AMOUNT_MESSAGES["format"])) from error
        if cents < 0:
            self.data = None
            raise ValueError(_l("An amount cannot be negative."))
        if cents > MAX_TARIFF_CENTS:
            self.data = None
            raise ValueError(_AMOUNT_MESSAGES["too_large"])
        self.data = cents


class AttributesField(TextAreaField):
    """One attribute per line: "accessible" (true), "fuel: electric", "seats: 12", "projector: no"."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        lines = []
        for key, value in (self.data or {}).items():
            if value is True:
                lines.append(key)
            elif value is False:
                lines.append(f"{key}: {'non' if _french() else 'no'}")
            else:
                lines.append(f"{key}: {value}")
        return "\n".join(lines)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        attributes: dict[str, Any] = {}
        for line in valuelist[0].splitlines():
            if not line.strip():
                continue
            key, colon, value = (part.strip() for part in line.partition(":"))
            if not key:
                self.data = None
                raise ValueError(_l("Each line starts with a name, e.g. \"fuel: electric\"."))
            if key in attributes:
                self.data = None
                raise ValueError(_l("An attribute name appears twice."))
            attributes[key] = _attribute_value(value) if colon else True
        self.data = attributes


def _attribute_value(text: str) -> Any:
    if text.lower() in _TRUE_WORDS:
        return True
    if text.lower() in _FALSE_WORDS:
        return False
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return text


def _whole_number(label, default: int | None = None) -> IntegerField:
    return IntegerField(label, validators=[Optional()], default=default)


class SiteForm(FlaskForm):
    name = StringField(_l("Name"))
    address = TextAreaField(_l("Address"))

    def to_input(self) -> SiteInput:
        return SiteInput(name=self.name.data, address=self.address.data)


class SiteFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    active = SelectField(_l("Status"), choices=ACTIVE_CHOICES, coerce=_optional_bool, default="1")


class ResourceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    name = StringField(_l("Name"))
    site_id = SelectField(_l("Site"), coerce=_optional_int)
    description = TextAreaField(_l("Description"))
    capacity = IntegerField(_l("Capacity (people)"), validators=[Optional()])
    quantity = IntegerField(_l("Quantity in stock"), validators=[Optional()], default=1)
    attributes = AttributesField(_l("Attributes"))
    colour = StringField(_l("Colour"))
    requires_approval = BooleanField(_l("Bookings need a referent's approval"))
    referent_ids = SelectMultipleField(_l("Referents"), coerce=int)

    rules_step_minutes = _whole_number(_l("Booking step (minutes)"), 15)
    rules_min_duration_minutes = _whole_number(_l("Shortest booking (minutes)"))
    rules_max_duration_minutes = _whole_number(_l("Longest booking (minutes)"))
    rules_buffer_minutes = _whole_number(_l("Free time between bookings (minutes)"), 0)
    rules_min_notice_minutes = _whole_number(_l("Minimum notice (minutes)"), 0)
    rules_max_advance_days = _whole_number(_l("Bookable up to (days ahead)"))
    rules_cancel_deadline_minutes = _whole_number(_l("Free cancellation until (minutes before the start)"), 0)
    rules_opening_hours = TextAreaField(_l("Opening hours"))

    tariff_hourly_cents = EuroField(_l("Price per hour (€)"))
    tariff_step_minutes = _whole_number(_l("Billed by (minutes)"), 60)
    tariff_daily_cap_cents = EuroField(_l("Cap per day (€)"), empty_cents=None)
    tariff_per_km_cents = EuroField(_l("Price per km (€)"))
    tariff_booking_fee_cents = EuroField(_l("Fee per booking (€)"))
    tariff_late_cancel_fee_cents = EuroField(_l("Late cancellation fee (€)"))

    def set_choices(self, sites: list[Site], people: list) -> None:
        self.site_id.choices = [SelectChoice("", _l("No site"))] + [
            SelectChoice(s.id, s.name if s.active else f"{s.name} ({_l('archived')})") for s in sites]
        self.referent_ids.choices = [SelectChoice(p.id, f"{p.name} <{p.email}>") for p in people]

    def fill_from(self, resource: Resource) -> None:
        """Show a resource's current values (GET of the edit page)."""
        for name in ("kind", "name", "site_id", "description", "capacity", "quantity", "attributes",
                     "colour", "requires_approval"):
            getattr(self, name).data = getattr(resource, name)
        self.referent_ids.data = [p.id for p in resource.referents]
        for name in RULE_FORM_FIELDS:
            getattr(self, f"rules_{name}").data = getattr(resource, name)
        self.rules_opening_hours.data = _opening_hours_text(resource.opening_hours)
        for name in TARIFF_FORM_FIELDS:
            getattr(self, f"tariff_{name}").data = getattr(resource, name)
        self.tariff_step_minutes.data = resource.tariff_step_minutes

    def to_input(self) -> ResourceInput:
        return ResourceInput(
            kind=self.kind.data, name=self.name.data, site_id=self.site_id.data,
            description=self.description.data, capacity=self.capacity.data, quantity=self.quantity.data,
            attributes=self.attributes.data, colour=self.colour.data.strip() if self.colour.data else None,
            requires_approval=self.requires_approval.data, referent_ids=list(self.referent_ids.data or []),
            rules={**{name: getattr(self, f"rules_{name}").data for name in RULE_FORM_FIELDS},
                   "opening_hours": self.rules_opening_hours.data or ""},
            tariff={**{name: getattr(self, f"tariff_{name}").data for name in TARIFF_FORM_FIELDS},
                    "step_minutes": self.tariff_step_minutes.data},
        )


def _opening_hours_text(stored: dict | None) -> str:
    """The stored hours as the editor reads them: French day names and "fermé" in French (the parser
    reads both languages back)."""
    try:
        parsed = parse_opening_hours(stored)
    except OpeningHoursError:
        return ""  # stored hours are canonical; this only guards against hand-edited rows
    if _french():
        return to_text(parsed, FRENCH_WEEKDAYS, closed_word="fermé")
    return to_text(parsed)


def _french() -> bool:
    return get_locale().language == "fr"


def attach_nested_errors(form: FlaskForm, error: ValidationError) -> None:
    """attach_errors for services whose keys are nested ("rules.step_minutes" -> rules_step_minutes)."""
    attach_errors(form, ValidationError({key.replace(".", "_"): message
                                         for key, message in error.fields.items()}))


class InventoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES], default="")
    site_id = SelectField(_l("Site"), coerce=_optional_int)
    min_capacity = IntegerField(_l("At least (people)"), validators=[Optional()])
    attribute = StringField(_l("Feature"))

    def set_sites(self, sites: list[Site]) -> None:
        everywhere = SelectChoice("", _l("All sites"))
        self.site_id.choices = [everywhere, *(SelectChoice(s.id, s.name) for s in sites)]


class ResourceFilterForm(InventoryFilterForm):
    active = SelectField(_l("Status"), choices=ACTIVE_CHOICES, coerce=_optional_bool, default="1")
