"""What members can book: browse the resources with filters, and read one resource's rules and tariff."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from mutualise.blueprints import resource_text
from mutualise.extensions import db
from mutualise.forms.resources import KIND_LABELS, InventoryFilterForm
from mutualise.services import resources as resource_service
from mutualise.services import sites as site_service

bp = Blueprint("inventory", __name__, url_prefix="/resources")


@bp.get("/")
@login_required
def index():
    actor = current_user._get_current_object()
    filters = InventoryFilterForm(formdata=request.args)
    filters.set_sites(site_service.list_sites(db.session, actor))
    valid = filters.validate()
    found = resource_service.list_resources(
        db.session, actor, kind=filters.kind.data or None, site_id=filters.site_id.data,
        search=filters.q.data, attribute=filters.attribute.data,
        min_capacity=filters.min_capacity.data if not filters.min_capacity.errors else None)
    return render_template("inventory/index.html", resources=found, filters=filters, kinds=KIND_LABELS,
                           attribute_text=resource_text.attribute_text), 200 if valid else 422


@bp.get("/<int:resource_id>")
@login_required
def show(resource_id: int):
    resource = resource_service.get_resource(db.session, current_user._get_current_object(), resource_id)
    return render_template(
        "inventory/resource.html", resource=resource, kinds=KIND_LABELS,
        rules=resource_text.rule_sentences(resource),
        opening_hours=resource_text.opening_hours_sentences(resource),
        tariff=resource_text.tariff_sentences(resource),
        attributes=[resource_text.attribute_text(k, v) for k, v in (resource.attributes or {}).items()],
    )
