"""Admin pages for what limits booking: quota rules, closures and the public holidays they may come from."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from mutualise.blueprints.access import actor, admins_only
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.forms import attach_errors
from mutualise.forms.booking_admin import (
    ClosureFilterForm,
    ClosureForm,
    QuotaFilterForm,
    QuotaRuleForm,
    attach_closure_errors,
)
from mutualise.services import closures as closure_service
from mutualise.services import quota_rules as quota_service
from mutualise.services import resources as resource_service
from mutualise.services import sites as site_service
from mutualise.services import structures as structure_service
from mutualise.services.errors import ValidationError
from mutualise.web import network_settings

bp = Blueprint("admin_booking", __name__, url_prefix="/admin")


bp.before_request(admins_only)


# Quota rules

@bp.get("/quotas")
def quotas():
    filters = QuotaFilterForm(formdata=request.args)
    filters.set_choices(structure_service.list_structures(db.session, actor(), active=None))
    filters.validate()
    structure_id = None if filters.structure_id.errors else filters.structure_id.data
    rules = quota_service.list_quota_rules(db.session, actor(), structure_id=structure_id)
    return render_template("admin/quotas.html", rules=rules, filters=filters,
                           describe=quota_service.describe_rule)


def _quota_form() -> QuotaRuleForm:
    form = QuotaRuleForm()
    form.set_choices(structure_service.list_structures(db.session, actor(), active=None),
                     resource_service.list_resources(db.session, actor()),
                     site_service.list_sites(db.session, actor()))
    return form


@bp.route("/quotas/new", methods=["GET", "POST"])
def quota_new():
    form = _quota_form()
    if form.validate_on_submit():
        try:
            rule = quota_service.create_quota_rule(db.session, actor(), utcnow(), form.to_input())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Quota created: %(rule)s.", rule=quota_service.describe_rule(rule)), "success")
            return redirect(url_for(".quotas"))
    return render_template("admin/quotas_form.html", form=form, rule=None), 422 if form.errors else 200


@bp.route("/quotas/<int:rule_id>/edit", methods=["GET", "POST"])
def quota_edit(rule_id: int):
    rule = quota_service.get_quota_rule(db.session, actor(), rule_id)
    form = _quota_form()
    if not form.is_submitted():
        form.fill_from(rule)
    if form.validate_on_submit():
        try:
            quota_service.update_quota_rule(db.session, actor(), rule_id, form.to_input())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Quota saved: %(rule)s.", rule=quota_service.describe_rule(rule)), "success")
            return redirect(url_for(".quotas"))
    return render_template("admin/quotas_form.html", form=form, rule=rule), 422 if form.errors else 200


@bp.post("/quotas/<int:rule_id>/delete")
def quota_delete(rule_id: int):
    quota_service.delete_quota_rule(db.session, actor(), rule_id)
    flash(_("Quota deleted."), "success")
    return redirect(url_for(".quotas"))


# Closures

@bp.get("/closures")
def closures():
    filters = ClosureFilterForm(formdata=request.args)
    filters.set_choices(resource_service.list_resources(db.session, actor()))
    filters.validate()
    resource_id = None if filters.resource_id.errors else filters.resource_id.data
    now = utcnow()
    if filters.when.data == "past":
        found = closure_service.list_closures(db.session, actor(), resource_id=resource_id, end=now)
        # the most recent first; those still running are listed as current
        found = [c for c in reversed(found) if c.end_at <= now]
    else:
        found = closure_service.list_closures(db.session, actor(), resource_id=resource_id, start=now)
    return render_template("admin/closures.html", closures=found, filters=filters,
                           settings=network_settings())


@bp.route("/closures/new", methods=["GET", "POST"])
def closure_new():
    form = ClosureForm()
    form.set_choices(resource_service.list_resources(db.session, actor()))
    if form.validate_on_submit():
        try:
            closure = closure_service.create_closure(db.session, actor(), utcnow(),
                                                     form.to_input(network_settings().timezone))
        except ValidationError as error:
            attach_closure_errors(form, error)
        else:
            flash(_("Closure “%(reason)s” created.", reason=closure.reason), "success")
            affected = len(closure_service.affected_bookings(db.session, closure))
            if affected:
                flash(ngettext("%(num)d booking falls in this closure; it was not cancelled.",
                               "%(num)d bookings fall in this closure; they were not cancelled.", affected),
                      "warning")
            return redirect(url_for(".closures"))
    return render_template("admin/closures_form.html", form=form), 422 if form.errors else 200


@bp.post("/closures/<int:closure_id>/delete")
def closure_delete(closure_id: int):
    closure_service.delete_closure(db.session, actor(), closure_id)
    flash(_("Closure deleted."), "success")
    return redirect(url_for(".closures"))


@bp.post("/closures/holidays")
def closure_holidays():
    settings = network_settings()
    if settings.public_holidays == "none":
        flash(_("Public holidays are turned off in the network settings."), "info")
        return redirect(url_for(".closures"))
    created = closure_service.regenerate_holidays(db.session, actor(), utcnow(), settings)
    flash(ngettext("%(num)d public holiday added.", "%(num)d public holidays added.", created), "success")
    return redirect(url_for(".closures"))
