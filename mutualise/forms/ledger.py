"""Forms of the ledger's write pages: a charge (with its preview), an allocation key and its versions, a
payment, closing and reopening a period.

Amounts and percentages are typed the way people write them ("1 200,50", "33,33 %") and parsed here to
integer cents and basis points without a float; more than two decimals is refused, never rounded. The
services check everything else; their field names map to the forms' fields (see attach_* below).
"""

from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Optional

from mutualise.blueprints.ledger_text import CATEGORY_LABELS, METHOD_LABELS
from mutualise.domain.accounts import CHARGE_CATEGORIES
from mutualise.domain.money import AmountError, parse_amount
from mutualise.forms import attach_errors
from mutualise.models import USAGE_METHODS, AllocationKey, AllocationKeyVersion, Resource, Structure
from mutualise.services.allocation_keys import KeyInput, shown_weight
from mutualise.services.charges import ChargeInput
from mutualise.services.checks import UNSET
from mutualise.services.errors import ValidationError
from mutualise.services.payments import PaymentInput

MAX_CHARGE_PARTS = 3  # rows shown by the page; the API takes more
_CHARGE_FIELDS = {"amount_cents": "amount", "paid_by_structure_id": "paid_by"}  # service -> form
_FULL_PERCENT_BP = 10_000

AMOUNT_MESSAGES = {
    "empty": _l("Give the amount."),
    "format": _l("Type an amount such as 1 200,50 or 1200.50."),
    "precision": _l("At most two decimals: amounts are in cents."),
    "too_large": _l("This amount is too large."),
}
PERCENT_MESSAGES = {
    "empty": _l("Give the percentage."),
    "format": _l("Type a percentage such as 50 or 33,33."),
    "precision": _l("At most two decimals, e.g. 33,33 %."),
    "too_large": _l("At most 100 %."),
    "range": _l("Must be more than 0 % and at most 100 %."),
}


def _optional_int(value: Any) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # not a number: an unknown id, which the service names beside the field


def parse_percent(text: str) -> int:
    """A typed percentage ("50", "33,33 %", "12.5") in basis points (3333); AmountError otherwise,
    with the reasons of parse_amount plus "range" (0 or more than 100 %)."""
    cleaned = (text or "").strip().removesuffix("%").strip()
    if "€" in cleaned:
        raise AmountError("format", text)
    # a percentage with two decimals counts hundredths, as an amount counts cents
    basis_points = parse_amount(cleaned)
    if not 0 < basis_points <= _FULL_PERCENT_BP:
        raise AmountError("range", text)
    return basis_points


def percent_text(basis_points: int) -> str:
    """Basis points as typed back into an input, in the reader's notation: 3333 -> "33,33"."""
    return str(Decimal(basis_points) / 100).replace(".", get_decimal_symbol(get_locale()))


def _amount(field: Field, messages: dict = AMOUNT_MESSAGES) -> int | None:
    """The field's text as cents (the form error beside it otherwise)."""
    try:
        return parse_amount(field.data or "")
    except AmountError as error:
        field.errors.append(messages[error.reason])
        return None


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _messages_as_text(error: ValidationError, renamed: dict[str, str]) -> ValidationError:
    return ValidationError({renamed.get(name, name): str(message) for name, message in error.fields.items()})


# Charges

class ChargePartForm(Form):
    """One part of a split charge: a key and its share of the amount."""

    key_id = SelectField(_l("Key"), coerce=_optional_int, validate_choice=False)
    percent = StringField(_l("Share (%)"), render_kw={"inputmode": "decimal", "autocomplete": "off"})


class ChargeForm(FlaskForm):
    label = StringField(_l("Label"),
                        description=_l("Shown on every structure's statement, e.g. “Loyer mars”."))
    category = SelectField(_l("Category"), validate_choice=False,
                           choices=[SelectChoice(c, CATEGORY_LABELS[c]) for c in CHARGE_CATEGORIES])
    amount = StringField(_l("Amount (€)"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("E.g. 1 200,50. A negative amount is a refund."))
    date = DateField(_l("Date"), validators=[Optional()])
    covers_from = DateField(_l("Covers from"), validators=[Optional()])
    covers_until = DateField(_l("Covers until"), validators=[Optional()],
                             description=_l("Empty: the month of the date. Usage keys count the usage "
                                            "between these dates."))
    paid_by = SelectField(_l("Paid by"), coerce=_optional_int, validate_choice=False)
    receipt_ref = StringField(_l("Receipt reference"))
    key_id = SelectField(_l("Allocation key"), coerce=_optional_int, validate_choice=False)
    parts = FieldList(FormField(ChargePartForm), min_entries=MAX_CHARGE_PARTS, max_entries=MAX_CHARGE_PARTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_cents: int | None = None
        self.parts_errors: list[str] = []
        self._part_rows: list[int] = []  # the form row of each part given to the service

    def set_choices(self, structures: list[Structure], keys: list[AllocationKey]) -> None:
        self.paid_by.choices = [SelectChoice("", _l("The network")),
                                *(SelectChoice(s.id, s.name) for s in structures)]
        key_choices = [SelectChoice(k.id, f"{k.name} ({METHOD_LABELS.get(k.method, k.method)})")
                       for k in keys]
        self.key_id.choices = [SelectChoice("", _l("Split in parts (below)")), *key_choices]
        for part in self.parts:
            part.key_id.choices = [SelectChoice("", _l("No key")), *key_choices]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.amount_cents = _amount(self.amount)
        return valid and not self.amount.errors

    def has_errors(self) -> bool:
        """Any error so far, the service's included. WTForms caches `errors` when first read, and the
        errors of the parts and the service come after validation: forget the cache first."""
        for form in (self, *(part.form for part in self.parts)):
            form._errors = None
        parts = any(part.key_id.errors or part.percent.errors for part in self.parts)  # FieldList caches too
        return bool(self.errors or parts or self.parts_errors or self.form_errors)

    def to_input(self) -> ChargeInput:
        parts, self._part_rows = [], []
        for row, part in enumerate(self.parts):
            typed = (part.percent.data or "").strip()
            if part.key_id.data is None and not typed:
                continue  # an empty row
            share = None
            if typed:
                try:
                    share = parse_percent(typed)
                except AmountError as error:
                    part.percent.errors.append(PERCENT_MESSAGES[error.reason])
            else:
                part.percent.errors.append(PERCENT_MESSAGES["empty"])
            parts.append({"key_id": part.key_id.data, "share_bp": share})
            self._part_rows.append(row)
        return ChargeInput(
            label=self.label.data, category=self.category.data,
            amount_cents=self.amount_cents if self.amount_cents is not None else UNSET, date=self.date.data,
            covers_from=self.covers_from.data or UNSET, covers_until=self.covers_until.data or UNSET,
            paid_by_structure_id=self.paid_by.data, receipt_ref=self.receipt_ref.data or None,
            key_id=self.key_id.data, parts=parts or None)

    def attach(self, error: ValidationError) -> None:
        """The service's errors beside the fields; a field that already says what is wrong (an amount
        that could not be read) keeps its own message only."""
        for name, message in error.fields.items():
            message = str(message)
            pieces = name.split(".")
            if name == "parts":
                self.parts_errors.append(message)
            elif pieces[0] == "parts" and len(pieces) == 3 and pieces[1].isdigit() \
                    and int(pieces[1]) < len(self._part_rows):
                row = self.parts[self._part_rows[int(pieces[1])]]
                field = row.key_id if pieces[2] == "key_id" else row.percent
                if not field.errors:
                    field.errors.append(message)
            else:
                field = getattr(self, _CHARGE_FIELDS.get(name, name), None)
                if field is not None and hasattr(field, "errors") and not isinstance(field, FieldList):
                    if not field.errors:
                        field.errors = [*field.errors, message]
                else:
                    self.form_errors.append(message)


class ReverseChargeForm(FlaskForm):
    confirm = BooleanField(_l("I confirm: post a reversal that cancels this charge"))


# Allocation keys

class WeightsField(Field):
    """The weight typed beside each structure, sent as `weights-<structure id>`: {structure id: text}."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        prefix = f"{self.name}-"
        if formdata is not None and any(name.startswith(prefix) for name in formdata):
            self.data = {int(name[len(prefix):]): formdata.get(name, "").strip() for name in formdata
                         if name.startswith(prefix) and name[len(prefix):].isdigit()
                         and len(name) - len(prefix) < 10}
        else:
            self.data = {} if data is unset_value or data is None else dict(data)


class KeyVersionForm(FlaskForm):
    """A key version: who takes part, their weights, from when, by which decision."""

    structure_ids = SelectMultipleField(_l("Participants"), coerce=int, validate_choice=False)
    weights = WeightsField(_l("Weights"))
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    decision_ref = StringField(_l("Decision"),
                               description=_l("The vote it comes from, e.g. “AG du 12 mars 2026, "
                                              "résolution 4”."))

    def set_choices(self, structures: list[Structure]) -> None:
        self.structure_ids.choices = [SelectChoice(s.id, s.name) for s in structures]
        self.structures = structures

    def fill_from(self, version: AllocationKeyVersion, method: str) -> None:
        """Prefill with a version's participants and weights, as they were typed."""
        self.structure_ids.data = [w.structure_id for w in version.weights]
        self.weights.data = {w.structure_id: weight_input(method, w.weight) for w in version.weights}
        self.decision_ref.data = version.decision_ref

    def participants_input(self, method: str) -> dict:
        """structure_ids or weights, as the service takes them for this method; typing errors beside
        the participants."""
        ids = list(dict.fromkeys(self.structure_ids.data or []))
        if method not in ("weights", "percent"):
            return {"structure_ids": ids}
        names = {s.id: s.name for s in getattr(self, "structures", [])}
        weights = []
        for structure_id in ids:
            typed = self.weights.data.get(structure_id, "")
            if method == "percent":
                try:
                    typed = parse_percent(typed)
                except AmountError as error:
                    self.structure_ids.errors.append(
                        f"{names.get(structure_id, structure_id)}: {PERCENT_MESSAGES[error.reason]}")
            weights.append({"structure_id": structure_id, "weight": typed})
        return {"weights": weights}

    def to_input(self, method: str) -> KeyInput:
        return KeyInput(valid_from=self.valid_from.data, decision_ref=self.decision_ref.data or None,
                        **self.participants_input(method))


class KeyForm(KeyVersionForm):
    name = StringField(_l("Name"))
    method = SelectField(_l("Method"), choices=_choices(METHOD_LABELS), default="equal",
                         validate_choice=False)
    resource_ids = SelectMultipleField(_l("Resources counted"), coerce=int, validate_choice=False,
                                       description=_l("Usage keys only; none chosen: every resource."))

    def set_key_choices(self, structures: list[Structure], resources: list[Resource]) -> None:
        self.set_choices(structures)
        self.resource_ids.choices = [SelectChoice(r.id, r.name) for r in resources]

    def to_input(self, method: str | None = None) -> KeyInput:
        method = self.method.data
        data = super().to_input(method)
        data.name, data.method = self.name.data, method
        data.resource_ids = list(self.resource_ids.data or []) if method in USAGE_METHODS else UNSET
        return data


def weight_input(method: str, weight: int) -> str:
    """A stored weight as an input shows it: "33,33" (percent), "45,5" (weights), "" otherwise."""
    if method == "percent":
        return percent_text(weight)
    shown = shown_weight(method, weight)
    return "" if shown is None else str(shown).replace(".", get_decimal_symbol(get_locale()))


def attach_key_errors(form: KeyVersionForm, error: ValidationError) -> None:
    """The weights' messages go beside the participants, where the weights are typed."""
    attach_errors(form, _messages_as_text(error, {"weights": "structure_ids"}))


class KeyActiveForm(FlaskForm):
    """Archive or restore: the CSRF token only."""


# Payments

class PaymentForm(FlaskForm):
    structure_id = SelectField(_l("Structure"), coerce=_optional_int, validate_choice=False)
    amount = StringField(_l("Amount (€)"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("Paid to the network; negative: paid back to the structure."))
    date = DateField(_l("Date"), validators=[Optional()])
    reference = StringField(_l("Reference"), description=_l("E.g. the transfer's reference."))

    def set_choices(self, structures: list[Structure]) -> None:
        self.structure_id.choices = [SelectChoice("", _l("Choose a structure")),
                                     *(SelectChoice(s.id, s.name) for s in structures)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.amount_cents = _amount(self.amount)
        return valid and not self.amount.errors

    def to_input(self) -> PaymentInput:
        return PaymentInput(structure_id=self.structure_id.data, date=self.date.data,
                            amount_cents=getattr(self, "amount_cents", None),
                            reference=self.reference.data or None)


def attach_payment_errors(form: PaymentForm, error: ValidationError) -> None:
    attach_errors(form, _messages_as_text(error, {"amount_cents": "amount"}))


class MonthForm(FlaskForm):
    class Meta:
        csrf = False

    month = StringField(_l("Month"), render_kw={"type": "month", "placeholder": "2026-03"})


# Periods

class ClosePeriodForm(FlaskForm):
    confirm = BooleanField(_l("I confirm: price the usage, post everything and freeze this month"))


class ReopenPeriodForm(FlaskForm):
    reason = StringField(_l("Why reopen it"), description=_l("Kept in the period's history."))
