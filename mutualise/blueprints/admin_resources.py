"""Admin pages for sites and resources: lists with filters, create, edit, archive and restore."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mutualise.blueprints.access import actor, admins_only
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.forms import attach_errors
from mutualise.forms.resources import (
    KIND_LABELS,
    ResourceFilterForm,
    ResourceForm,
    SiteFilterForm,
    SiteForm,
    attach_nested_errors,
)
from mutualise.services import resources as resource_service
from mutualise.services import sites as site_service
from mutualise.services import users as user_service
from mutualise.services.errors import ValidationError
from mutualise.services.resources import ResourceInput
from mutualise.services.sites import SiteInput

bp = Blueprint("admin_resources", __name__, url_prefix="/admin")


bp.before_request(admins_only)


# Sites

@bp.get("/sites")
def sites():
    filters = SiteFilterForm(formdata=request.args)
    filters.validate()
    found = site_service.list_sites(db.session, actor(), search=filters.q.data, active=filters.active.data)
    return render_template("admin/sites.html", sites=found, filters=filters)


@bp.route("/sites/new", methods=["GET", "POST"])
def site_new():
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = site_service.create_site(db.session, actor(), utcnow(), form.to_input())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Site “%(name)s” created.", name=site.name), "success")
            return redirect(url_for(".sites"))
    return render_template("admin/sites_form.html", form=form, site=None), 422 if form.errors else 200


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def site_edit(site_id: int):
    site = site_service.get_site(db.session, actor(), site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            site_service.update_site(db.session, actor(), site_id, form.to_input())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Site “%(name)s” saved.", name=site.name), "success")
            return redirect(url_for(".sites"))
    return render_template("admin/sites_form.html", form=form, site=site), 422 if form.errors else 200


@bp.post("/sites/<int:site_id>/<any(archive, restore):action>")
def site_archive(site_id: int, action: str):
    site = site_service.update_site(db.session, actor(), site_id, SiteInput(active=action == "restore"))
    if site.active:
        flash(_("Site “%(name)s” restored.", name=site.name), "success")
    else:
        flash(_("Site “%(name)s” archived.", name=site.name), "success")
    return redirect(url_for(".sites"))


# Resources

@bp.get("/resources")
def resources():
    filters = ResourceFilterForm(formdata=request.args)
    filters.set_sites(site_service.list_sites(db.session, actor()))
    valid = filters.validate()
    found = resource_service.list_resources(
        db.session, actor(), kind=filters.kind.data or None, site_id=filters.site_id.data,
        active=filters.active.data, search=filters.q.data, attribute=filters.attribute.data,
        min_capacity=filters.min_capacity.data if not filters.min_capacity.errors else None)
    return render_template("admin/resources.html", resources=found, filters=filters,
                           kinds=KIND_LABELS), 200 if valid else 422


def _resource_form() -> ResourceForm:
    form = ResourceForm()
    form.set_choices(site_service.list_sites(db.session, actor()),
                     user_service.list_users(db.session, actor(), active=True))
    return form


@bp.route("/resources/new", methods=["GET", "POST"])
def resource_new():
    form = _resource_form()
    if form.validate_on_submit():
        try:
            resource = resource_service.create_resource(db.session, actor(), utcnow(), form.to_input())
        except ValidationError as error:
            attach_nested_errors(form, error)
        else:
            flash(_("Resource “%(name)s” created.", name=resource.name), "success")
            return redirect(url_for(".resource_edit", resource_id=resource.id))
    return render_template("admin/resources_form.html", form=form, resource=None), \
        422 if form.errors else 200


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
def resource_edit(resource_id: int):
    resource = resource_service.get_resource(db.session, actor(), resource_id)
    form = _resource_form()
    if not form.is_submitted():
        form.fill_from(resource)
    if form.validate_on_submit():
        try:
            resource_service.update_resource(db.session, actor(), resource_id, form.to_input())
        except ValidationError as error:
            attach_nested_errors(form, error)
        else:
            flash(_("Resource “%(name)s” saved.", name=resource.name), "success")
            return redirect(url_for(".resource_edit", resource_id=resource.id))
    return render_template("admin/resources_form.html", form=form, resource=resource), \
        422 if form.errors else 200


@bp.post("/resources/<int:resource_id>/<any(archive, restore):action>")
def resource_archive(resource_id: int, action: str):
    resource = resource_service.update_resource(db.session, actor(), resource_id,
                                                ResourceInput(active=action == "restore"))
    if resource.active:
        flash(_("Resource “%(name)s” restored.", name=resource.name), "success")
    else:
        flash(_("Resource “%(name)s” archived.", name=resource.name), "success")
    return redirect(url_for(".resource_edit", resource_id=resource.id))
