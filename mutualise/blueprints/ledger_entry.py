"""Writing the ledger: charges with their preview, allocation keys, payments, closing periods.

Treasurers write; auditors and admins read the keys and the charges (without the write buttons) and get
403 when they post. Every refusal is shown on the page it came from and writes nothing: a 4xx answer
rolls the request back (MutualiseFlask.dispatch_request), and a refusal answered with a redirect rolls
back explicitly before it.
"""

from datetime import date
from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from mutualise.blueprints.access import actor
from mutualise.blueprints.ledger_text import METHOD_LABELS, category_label, explain_allocation
from mutualise.clock import utcnow
from mutualise.domain.accounts import month_of, parse_month
from mutualise.extensions import db
from mutualise.forms.charge_import import ChargeImportForm
from mutualise.forms.ledger import (
    ChargeForm,
    ClosePeriodForm,
    KeyActiveForm,
    KeyForm,
    KeyVersionForm,
    MonthForm,
    PaymentForm,
    ReopenPeriodForm,
    ReverseChargeForm,
    attach_key_errors,
    attach_payment_errors,
)
from mutualise.models import AllocationKey, AllocationKeyVersion
from mutualise.services import allocation_keys as key_service
from mutualise.services import charge_batches as batch_service
from mutualise.services import charges as charge_service
from mutualise.services import payments as payment_service
from mutualise.services import periods as period_service
from mutualise.services import permissions
from mutualise.services import resources as resource_service
from mutualise.services import structures as structure_service
from mutualise.services.errors import Conflict, PeriodClosed, ValidationError
from mutualise.services.settings import network_zone

bp = Blueprint("ledger_entry", __name__, url_prefix="/ledger")


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.context_processor
def _helpers() -> dict:
    return {"category_label": category_label, "method_label": lambda m: METHOD_LABELS.get(m, m),
            "weight_text": _weight_text, "explain": _explain}


def _today() -> date:
    return utcnow().astimezone(network_zone(db.session)).date()


def _weight_text(method: str, weight: int) -> str:
    """A participant's weight as read: "25 %", "45,5"; nothing for equal and usage keys."""
    shown = key_service.shown_weight(method, weight)
    if shown is None:
        return ""
    if method == "percent":
        return _("%(percent)s %%", percent=format_decimal(Decimal(shown) / 100))
    return format_decimal(shown)


def _explain(charge_label: str, amount_cents: int, allocation) -> str:
    return explain_allocation(charge_label, amount_cents, allocation.amount_cents, allocation.rounding_cents,
                              allocation.basis)


def _closed_message(error: PeriodClosed) -> str:
    month = error.details.get("period", "")
    return _("The period %(month)s is closed: date it in an open month, or ask an administrator to reopen "
             "the period.", month=month)


# Charges

def _charge_form() -> ChargeForm:
    form = ChargeForm()
    form.set_choices(structure_service.list_structures(db.session, actor(), active=True),
                     key_service.list_keys(db.session, actor(), active=True))
    return form


@bp.route("/charges/new", methods=["GET", "POST"])
def new_charge():
    permissions.require_treasurer(actor())
    form, plan, status = _charge_form(), None, 200
    if not form.is_submitted():
        form.date.data = _today()
        return render_template("ledger/charge_form.html", form=form, plan=None)
    posting = "post" in request.form
    valid = form.validate_on_submit()
    data = form.to_input()  # parses the parts' percentages, so their errors count below
    try:
        if valid and not form.has_errors() and posting:
            charge = charge_service.create_charge(db.session, actor(), utcnow(), data)
            flash(_("Charge posted: %(label)s.", label=charge.label), "success")
            return redirect(url_for(".charge", charge_id=charge.id))
        # a preview, or a form with typing errors: the service says what else is wrong, writing nothing
        plan = charge_service.preview_charge(db.session, actor(), utcnow(), data)
    except ValidationError as error:
        form.attach(error)
    except PeriodClosed as error:
        form.date.errors = [*form.date.errors, _closed_message(error)]
        status = 409
    if form.has_errors():
        plan, status = None, status if status != 200 else 422
    elif plan is not None:
        period = period_service.get_period(db.session, actor(), month_of(plan.date))
        if period.is_closed:
            form.date.errors = [_closed_message(PeriodClosed(details={"period": period.month}))]
    total = sum(a.amount_cents for a in plan.allocations) if plan else None
    return render_template("ledger/charge_form.html", form=form, plan=plan, total=total), status


@bp.route("/charges/import", methods=["GET", "POST"])
def import_charges():
    """A month's charges from a spreadsheet: preview every split, then post them all (or none)."""
    permissions.require_treasurer(actor())
    form = ChargeImportForm()
    if not form.is_submitted():
        return render_template("ledger/charge_import.html", form=form, plans=None)
    plans, status = None, 422  # until a preview shows every charge
    if form.validate_on_submit():
        form.read_upload()
        inputs = form.to_inputs(key_service.list_keys(db.session, actor(), active=True),
                                structure_service.list_structures(db.session, actor(), active=True))
        try:
            if not form.problems and "post" in request.form:
                posted = batch_service.post_charges(db.session, actor(), utcnow(), inputs)
                flash(ngettext("%(num)d charge posted.", "%(num)d charges posted.", len(posted)), "success")
                return redirect(url_for("ledger.dashboard", month=month_of(posted[0].date)))
            if not form.problems:
                plans, status = batch_service.preview_charges(db.session, actor(), utcnow(), inputs), 200
        except ValidationError as error:
            form.attach(error)
        except PeriodClosed as error:
            form.problems.append(_closed_message(error))
            status = 409
    total = sum(plan.amount_cents for plan in plans) if plans else None
    return render_template("ledger/charge_import.html", form=form, plans=plans, total=total,
                           lines=form.lines), status


def _show_charge(charge, reverse_form: ReverseChargeForm, status: int = 200):
    reversal = charge_service.reversal_of(db.session, charge)
    can_reverse = actor().is_treasurer and reversal is None and charge.reverses_id is None
    number = charge_service.entry_number_of(db.session, charge)
    return render_template("ledger/charges_show.html", charge=charge, entry_number=number, reversal=reversal,
                           can_reverse=can_reverse, reverse_form=reverse_form), status


@bp.get("/charges/<int:charge_id>")
def charge(charge_id: int):
    return _show_charge(charge_service.get_charge(db.session, actor(), charge_id), ReverseChargeForm())


@bp.post("/charges/<int:charge_id>/reverse")
def reverse_charge(charge_id: int):
    permissions.require_treasurer(actor())
    original = charge_service.get_charge(db.session, actor(), charge_id)
    form = ReverseChargeForm()
    if not form.validate_on_submit() or not form.confirm.data:
        form.confirm.errors = [*form.confirm.errors, _("Tick the box to confirm the reversal.")]
        return _show_charge(original, form, 422)
    try:
        reversal = charge_service.reverse_charge(db.session, actor(), utcnow(), charge_id)
    except PeriodClosed as error:
        form.confirm.errors = [_closed_message(error)]
        return _show_charge(original, form, 409)
    except Conflict as error:
        form.confirm.errors = [str(error.message)]
        return _show_charge(original, form, 409)
    flash(_("Charge reversed: the reversal is posted today and cites the original."), "success")
    return redirect(url_for(".charge", charge_id=reversal.id))


# Allocation keys

def _current_version(key: AllocationKey, today: date) -> AllocationKeyVersion | None:
    """The version in force today, else the first one to come."""
    in_force = [v for v in key.versions if v.valid_from <= today]
    return in_force[-1] if in_force else (key.versions[0] if key.versions else None)


@bp.get("/keys")
def keys():
    found = key_service.list_keys(db.session, actor())
    today = _today()
    return render_template("ledger/keys.html", keys=found, can_write=actor().is_treasurer,
                           current={k.id: _current_version(k, today) for k in found})


def _structures():
    return structure_service.list_structures(db.session, actor(), active=True)


@bp.route("/keys/new", methods=["GET", "POST"])
def new_key():
    permissions.require_treasurer(actor())
    form = KeyForm()
    form.set_key_choices(_structures(), resource_service.list_resources(db.session, actor(), active=True))
    if not form.is_submitted():
        form.valid_from.data = _today()
    elif form.validate_on_submit():
        data = form.to_input()
        if not form.errors:
            try:
                key = key_service.create_key(db.session, actor(), utcnow(), data)
            except ValidationError as error:
                attach_key_errors(form, error)
            else:
                flash(_("Key “%(name)s” created.", name=key.name), "success")
                return redirect(url_for(".key", key_id=key.id))
    return render_template("ledger/key_form.html", form=form, key=None), 422 if form.errors else 200


def _version_form(key: AllocationKey) -> KeyVersionForm:
    form = KeyVersionForm()
    form.set_choices(_structures())
    if not form.is_submitted() and key.versions:
        # a new vote usually changes a few weights of the latest one
        form.fill_from(key.versions[-1], key.method)
    return form


@bp.get("/keys/<int:key_id>")
def key(key_id: int):
    found = key_service.get_key(db.session, actor(), key_id)
    form = _version_form(found) if actor().is_treasurer else None
    return render_template("ledger/keys_show.html", key=found, form=form, active_form=KeyActiveForm(),
                           current=_current_version(found, _today()), can_write=actor().is_treasurer)


@bp.route("/keys/<int:key_id>/versions/new", methods=["GET", "POST"])
def new_key_version(key_id: int):
    permissions.require_treasurer(actor())
    found = key_service.get_key(db.session, actor(), key_id)
    form = _version_form(found)
    if form.validate_on_submit():
        data = form.to_input(found.method)
        if not form.errors:
            try:
                version = key_service.add_key_version(db.session, actor(), utcnow(), key_id, data)
            except ValidationError as error:
                attach_key_errors(form, error)
            else:
                flash(_("Version %(number)d of “%(name)s” recorded.", number=version.number, name=found.name),
                      "success")
                return redirect(url_for(".key", key_id=key_id))
    return render_template("ledger/key_form.html", form=form, key=found), 422 if form.errors else 200


def _set_active(key_id: int, active: bool):
    permissions.require_treasurer(actor())
    if not KeyActiveForm().validate_on_submit():
        flash(_("Your form expired. Please go back, reload the page and send it again."), "error")
        return redirect(url_for(".key", key_id=key_id))
    found = key_service.set_key_active(db.session, actor(), utcnow(), key_id, active)
    flash(_("Key “%(name)s” restored.", name=found.name) if active else
          _("Key “%(name)s” archived: no new charge may use it.", name=found.name), "success")
    return redirect(url_for(".key", key_id=key_id))


@bp.post("/keys/<int:key_id>/archive")
def archive_key(key_id: int):
    return _set_active(key_id, False)


@bp.post("/keys/<int:key_id>/restore")
def restore_key(key_id: int):
    return _set_active(key_id, True)


# Payments

@bp.route("/payments", methods=["GET", "POST"])
def payments():
    month_form = MonthForm(formdata=request.args)
    month = month_form.month.data if parse_month(month_form.month.data or "") else month_of(_today())
    if month_form.month.data and month != month_form.month.data:
        month_form.month.errors = [_("Must be a month such as 2026-03.")]
    month_form.month.data = month
    form = PaymentForm()
    form.set_choices(_structures())
    status = 200
    if request.method == "POST":
        permissions.require_treasurer(actor())
        if form.validate_on_submit():
            try:
                payment = payment_service.record_payment(db.session, actor(), utcnow(), form.to_input())
            except ValidationError as error:
                attach_payment_errors(form, error)
            except PeriodClosed as error:
                form.date.errors = [*form.date.errors, _closed_message(error)]
                status = 409
            else:
                flash(_("Payment recorded for %(name)s.", name=payment.structure.name), "success")
                return redirect(url_for(".payments", month=month_of(payment.date)))
        status = status if status != 200 else 422
    elif actor().is_treasurer:
        form.date.data = _today()
    found = payment_service.list_payments(db.session, actor(), month=month)
    return render_template("ledger/payments.html", payments=found, form=form, month_form=month_form,
                           month=month, can_write=actor().is_treasurer), status


# Periods

def _dashboard(month: str):
    if parse_month(month) is None:
        return redirect(url_for("ledger.dashboard_now"))
    return redirect(url_for("ledger.dashboard", month=month))


def _refused(message, month: str):
    db.session.rollback()
    flash(str(message), "error")
    return _dashboard(month)


@bp.post("/<month>/close")
def close_period(month: str):
    permissions.require_treasurer(actor())
    form = ClosePeriodForm()
    if not form.validate_on_submit() or not form.confirm.data:
        # the dashboard's button leads here: ask for the confirmation (again, when it was not ticked)
        asked = "confirming" in request.form
        if asked:
            form.confirm.errors = [*form.confirm.errors, _("Tick the box to confirm.")]
        return render_template("ledger/period_confirm.html", form=form, month=month, action="close"), \
            422 if asked else 200
    try:
        period_service.close_period(db.session, actor(), utcnow(), month)
    except ValidationError as error:
        return _refused(next(iter(error.fields.values())), month)
    except PeriodClosed:
        return _refused(_("The period %(month)s is already closed.", month=month), month)
    flash(_("The period %(month)s is closed: its usage is priced and nothing more can be written into it.",
            month=month), "success")
    return _dashboard(month)


@bp.post("/<month>/reopen")
def reopen_period(month: str):
    permissions.require_admin(actor())
    form = ReopenPeriodForm()
    if not form.validate_on_submit() or not (form.reason.data or "").strip():
        asked = "confirming" in request.form
        if asked:
            form.reason.errors = [*form.reason.errors, _("Say why the period is reopened.")]
        return render_template("ledger/period_confirm.html", form=form, month=month, action="reopen"), \
            422 if asked else 200
    try:
        period_service.reopen_period(db.session, actor(), utcnow(), month, form.reason.data.strip())
    except ValidationError as error:
        return _refused(next(iter(error.fields.values())), month)
    except Conflict as error:
        return _refused(error.message, month)
    flash(_("The period %(month)s is open again; the reopening is recorded.", month=month), "success")
    return _dashboard(month)
