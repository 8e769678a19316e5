"""Booking pages: the booking form (with the structure's remaining allowance), a booking's details and
what may be done with it (change, cancel, approve or reject, check a vehicle out and in), and the lists:
my bookings, a structure's bookings, the bookings awaiting my approval.

Times are typed and shown on the network's wall clock. Every refusal of a service is shown on the page
it came from, with the matching status (422, or 409 for a taken slot); the request then writes nothing.
"""

from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from mutualise.blueprints import resource_text
from mutualise.blueprints.booking_text import quota_lines, slot_text
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.forms.bookings import (
    BookingFilterForm,
    BookingForm,
    CancelForm,
    DecisionForm,
    EditBookingForm,
    MyBookingsFilterForm,
    OdometerForm,
    RejectForm,
    attach_booking_errors,
    local_moment,
    parse_local,
)
from mutualise.models import BookingStatus, ResourceKind
from mutualise.services import booking_actions as actions
from mutualise.services import bookings as booking_service
from mutualise.services import permissions
from mutualise.services import resources as resource_service
from mutualise.services import structures as structure_service
from mutualise.services.errors import (
    BookingConflict,
    Forbidden,
    QuotaExceeded,
    RuleViolation,
    ValidationError,
)
from mutualise.services.settings import network_zone

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

LIST_LIMIT = 300  # upcoming bookings shown at once; past ones cover the last PAST_DAYS days
PAST_DAYS = 365
_SKIPPED_SHOWN = 5  # the flash message lives in the session cookie: keep it short
STATUS_LABELS = {"pending": _l("Awaiting approval"), "confirmed": _l("Confirmed"), "rejected": _l("Rejected"),
                 "cancelled": _l("Cancelled")}


def _actor():
    return current_user._get_current_object()


@bp.context_processor
def _helpers() -> dict:
    return {"slot_text": slot_text, "status_label": STATUS_LABELS.get}


# Booking form

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    actor, now = _actor(), utcnow()
    zone = network_zone(db.session)
    resources = resource_service.list_resources(db.session, actor, active=True)
    structures = _bookable_structures(actor)
    form = BookingForm(zone=zone, admin=actor.is_admin)
    form.set_choices(resources, structures)
    if not form.is_submitted():
        _prefill(form, zone, resources, structures)
    status, conflicts = 200, []
    if form.validate_on_submit():
        result, status, conflicts = _submit(
            form, lambda: booking_service.create_booking(db.session, actor, now, form.to_input()))
        if result is not None:
            return _booked(result)
    elif form.is_submitted():
        status = 422
    resource = next((r for r in resources if r.id == form.resource_id.data), None)
    structure = next((s for s in structures if s.id == form.structure_id.data), None)
    if resource is not None:
        form.set_step(resource.step_minutes)
    else:
        form.resource_id.choices.insert(0, SelectChoice("", _("Choose a resource")))
    show_quantity = (resource.quantity > 1 if resource else any(r.quantity > 1 for r in resources)) \
        or bool(form.quantity.errors)
    page = render_template(
        "bookings/new.html", form=form, resource=resource, structure=structure, structures=structures,
        conflicts=conflicts, show_quantity=show_quantity,
        quotas=quota_lines(structure, resource, _quota_moment(form, zone, now), zone) if structure else [],
        rules=resource_text.rule_sentences(resource) if resource else [],
        opening_hours=resource_text.opening_hours_sentences(resource) if resource else [])
    return page, status


def _submit(form, call):
    """Run the service `call` for a valid form: (its result, 200, []), or its refusal shown in the form as
    (None, 422 or 409, the slots in the way). Messages become plain str so the page escapes them."""
    try:
        return call(), 200, []
    except ValidationError as error:
        attach_booking_errors(form, error)
        return None, 422, []
    except (RuleViolation, QuotaExceeded) as error:
        form.form_errors.append(str(error.message))
        return None, 422, []
    except BookingConflict as error:
        form.form_errors.append(str(error.message))
        return None, 409, error.details.get("conflicts", [])


def _bookable_structures(actor) -> list:
    """Admins book for any active structure; everyone else for their own active ones."""
    structures = structure_service.list_structures(db.session, actor, active=True)
    if actor.is_admin:
        return structures
    own = permissions.structure_ids_of(actor)
    return [s for s in structures if s.id in own]


def _prefill(form: BookingForm, zone, resources: list, structures: list) -> None:
    """GET: the calendar's link gives resource_id, start and end (local wall times, no offset)."""
    resource_id = request.args.get("resource_id", type=int)
    form.resource_id.data = resource_id if any(r.id == resource_id for r in resources) else None
    structure_id = request.args.get("structure_id", type=int)
    chosen = next((s for s in structures if s.id == structure_id), structures[0] if structures else None)
    form.structure_id.data = chosen.id if chosen else None
    form.fill_period(parse_local(request.args.get("start"), zone), parse_local(request.args.get("end"), zone))


def _quota_moment(form: BookingForm, zone, now: datetime) -> datetime:
    """Allowance is shown for the window the booking falls in (the chosen start), else the current one."""
    if form.start is not None:
        return max(form.start, now)
    if form.date.data and form.start_time.data:
        moment = local_moment(form.date.data, form.start_time.data, zone)
        if moment is not None:
            return max(moment, now)
    return now


def _booked(result):
    """Flash what was made and go to the booking (one) or to my bookings (a series)."""
    pending = result.bookings[0].status == BookingStatus.PENDING.value
    if result.series is None:
        if pending:
            flash(_("Booking awaiting approval by a referent."), "info")
        else:
            flash(_("Booking confirmed."), "success")
        return redirect(url_for(".show", booking_id=result.bookings[0].id))
    if result.skipped:
        made = ngettext("%(num)d booking made", "%(num)d bookings made", len(result.bookings))
        shown = result.skipped[:_SKIPPED_SHOWN]
        dates = [f"{slot_text(s['start'], s['end'])} ({s['message']})" for s in shown]
        if len(result.skipped) > _SKIPPED_SHOWN:
            dates.append(_("and %(num)d more", num=len(result.skipped) - _SKIPPED_SHOWN))
        flash(_("%(made)s, %(skipped)s: %(dates)s.", made=made, dates="; ".join(dates),
                skipped=ngettext("%(num)d date skipped", "%(num)d dates skipped", len(result.skipped))),
              "warning")
    else:
        flash(ngettext("%(num)d booking made.", "%(num)d bookings made.", len(result.bookings)), "success")
    if pending:
        flash(_("They await approval by a referent."), "info")
    return redirect(url_for(".mine"))


# One booking

@bp.get("/<int:booking_id>")
@login_required
def show(booking_id: int):
    return _detail(booking_id)


def _detail(booking_id: int, status: int = 200, errors: dict | None = None, **forms):
    """The booking's page; an action that failed keeps its form and shows its error (`errors[action]`)."""
    actor, now = _actor(), utcnow()
    booking = booking_service.get_booking(db.session, actor, booking_id)
    is_vehicle = booking.resource.kind == ResourceKind.VEHICLE
    may_use = is_vehicle and permissions.can_use_booking(actor, booking)
    pending = booking.status == BookingStatus.PENDING.value
    upcoming = booking.is_active and booking.end_at > now
    allowed = {
        "change": upcoming and permissions.can_change_booking(actor, booking),
        "decide": pending and permissions.can_approve_on(actor, booking.resource),
        "check_out": may_use and booking.status == BookingStatus.CONFIRMED.value
        and booking.checked_out_at is None,
        "check_in": may_use and booking.checked_out_at is not None and booking.checked_in_at is None,
    }
    upcoming_in_series = 0
    if booking.series is not None:
        upcoming_in_series = sum(1 for b in booking.series.bookings if b.is_active and b.end_at > now)
    last_reading = actions.last_odometer(db.session, booking.resource_id, booking.id) if is_vehicle else None
    page = render_template(
        "bookings/show.html", booking=booking, allowed=allowed, errors=errors or {}, is_vehicle=is_vehicle,
        upcoming_in_series=upcoming_in_series, last_reading=last_reading,
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        reject_form=forms.get("reject_form") or RejectForm(formdata=None, prefix="reject"),
        decision_form=DecisionForm(formdata=None),
        check_out_form=forms.get("check_out_form") or OdometerForm(formdata=None, prefix="out"),
        check_in_form=forms.get("check_in_form") or OdometerForm(formdata=None, prefix="in"))
    return page, status


# Messages become plain str here: a lazy string counts as safe HTML to Jinja, and some messages carry
# names typed by people (a resource's, a closure's reason), which must be escaped like any text.

def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.fields.values()]


def _form_messages(form) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


@bp.route("/<int:booking_id>/edit", methods=["GET", "POST"])
@login_required
def edit(booking_id: int):
    actor = _actor()
    booking = booking_service.get_booking(db.session, actor, booking_id)
    if not permissions.can_change_booking(actor, booking):
        raise Forbidden()
    zone = network_zone(db.session)
    form = EditBookingForm(zone=zone)
    form.set_step(booking.resource.step_minutes)
    if not form.is_submitted():
        form.fill_period(booking.start_at.astimezone(zone).replace(tzinfo=None),
                         booking.end_at.astimezone(zone).replace(tzinfo=None))
        form.title.data, form.quantity.data = booking.title, booking.quantity
    status, conflicts = 200, []
    if form.validate_on_submit():
        was_pending = booking.status == BookingStatus.PENDING.value
        change = form.to_input()
        result, status, conflicts = _submit(
            form, lambda: booking_service.update_booking(db.session, actor, utcnow(), booking_id, change))
        if result is not None:
            flash(_("Booking changed."), "success")
            if booking.status == BookingStatus.PENDING.value and not was_pending:
                flash(_("It awaits a referent's approval again."), "info")
            return redirect(url_for(".show", booking_id=booking_id))
    elif form.is_submitted():
        status = 422
    return render_template("bookings/edit.html", form=form, booking=booking, conflicts=conflicts,
                           show_quantity=booking.resource.quantity > 1 or bool(form.quantity.errors)), status


@bp.post("/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(booking_id, 422, {"cancel": _form_messages(form)}, cancel_form=form)
    try:
        cancelled = actions.cancel_booking(db.session, _actor(), utcnow(), booking_id,
                                           reason=form.reason.data or None, scope=form.scope.data or "this")
    except ValidationError as error:
        return _detail(booking_id, 422, {"cancel": _messages(error)}, cancel_form=form)
    flash(ngettext("Booking cancelled.", "%(num)d bookings cancelled.", len(cancelled)), "success")
    if any(b.cancelled_late for b in cancelled):
        flash(_("This cancellation comes after the resource's deadline: it counts as a late cancellation."),
              "warning")
    return redirect(url_for(".show", booking_id=booking_id))


def _back_to(booking_id: int):
    """After a decision: back to the approvals list when the decision was made there."""
    if request.form.get("return_to") == "approvals":
        return redirect(url_for(".approvals"))
    return redirect(url_for(".show", booking_id=booking_id))


@bp.post("/<int:booking_id>/approve")
@login_required
def approve(booking_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(booking_id, 422, {"decide": _form_messages(form)})
    try:
        actions.approve_booking(db.session, _actor(), utcnow(), booking_id)
    except ValidationError as error:
        return _detail(booking_id, 422, {"decide": _messages(error)})
    flash(_("Booking approved."), "success")
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/reject")
@login_required
def reject(booking_id: int):
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _detail(booking_id, 422, {"decide": _form_messages(form)}, reject_form=form)
    try:
        actions.reject_booking(db.session, _actor(), utcnow(), booking_id, reason=form.reason.data or None)
    except ValidationError as error:
        return _detail(booking_id, 422, {"decide": _messages(error)}, reject_form=form)
    flash(_("Booking rejected; its slot is free again."), "success")
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/<any('check-out', 'check-in'):step>")
@login_required
def vehicle(booking_id: int, step: str):
    key = step.replace("-", "_")
    form = OdometerForm(prefix="out" if key == "check_out" else "in")
    forms = {f"{key}_form": form}
    if not form.validate_on_submit():
        return _detail(booking_id, 422, {key: _form_messages(form)}, **forms)
    record = actions.check_out if key == "check_out" else actions.check_in
    try:
        booking = record(db.session, _actor(), utcnow(), booking_id, form.odometer.data)
    except ValidationError as error:
        return _detail(booking_id, 422, {key: _messages(error)}, **forms)
    if key == "check_out":
        flash(_("Vehicle checked out at %(km)d km.", km=booking.odometer_out), "success")
    else:
        flash(_("Vehicle checked in at %(km)d km: %(distance)d km driven.", km=booking.odometer_in,
                distance=booking.distance_km), "success")
    return redirect(url_for(".show", booking_id=booking_id))


# Lists

def _listed(actor, now: datetime, when: str, **criteria) -> list:
    """Upcoming (and current) bookings by start; or those ended within the last year, latest first."""
    if when == "past":
        found = booking_service.list_bookings(db.session, actor, start=now - timedelta(days=PAST_DAYS),
                                              end=now, **criteria)
        return [b for b in reversed(found) if b.end_at <= now]
    return booking_service.list_bookings(db.session, actor, start=now, limit=LIST_LIMIT, **criteria)


@bp.get("/mine")
@login_required
def mine():
    actor = _actor()
    filters = MyBookingsFilterForm(formdata=request.args)
    valid = filters.validate()
    when = "upcoming" if filters.when.errors else filters.when.data
    found = _listed(actor, utcnow(), when, user_id=actor.id)
    return render_template("bookings/mine.html", bookings=found, filters=filters, when=when,
                           limit=LIST_LIMIT), 200 if valid else 422


@bp.get("/structure/<int:structure_id>")
@login_required
def structure(structure_id: int):
    actor = _actor()
    found_structure = structure_service.get_structure(db.session, actor, structure_id)
    filters = BookingFilterForm(formdata=request.args)
    filters.set_resources(resource_service.list_resources(db.session, actor))
    valid = filters.validate()
    when = "upcoming" if filters.when.errors else filters.when.data
    resource_id = filters.resource_id.data or None
    found = _listed(actor, utcnow(), when, structure_id=structure_id, resource_id=resource_id)
    return render_template("bookings/structure.html", structure=found_structure, bookings=found,
                           filters=filters, when=when, limit=LIST_LIMIT), 200 if valid else 422


@bp.get("/approvals")
@login_required
def approvals():
    pending = actions.pending_approvals(db.session, _actor(), utcnow())
    return render_template("bookings/approvals.html", bookings=pending,
                           decision_form=DecisionForm(formdata=None),
                           reject_form=RejectForm(formdata=None, prefix="reject"))
