"""Administration pages: the dashboard, structures and their members, people, network settings.

Admins see every page. A structure's managers may open that structure's page to manage its members;
the services decide (Forbidden when the structure is visible to them but not theirs to manage,
NotFound when it is not visible at all)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.forms import attach_errors
from mutualise.forms.admin import (
    LANGUAGE_LABELS,
    LEGAL_FORM_LABELS,
    MEMBERSHIP_ROLE_LABELS,
    NETWORK_ROLE_LABELS,
    MemberAddForm,
    MemberRoleForm,
    PersonEditForm,
    PersonFilterForm,
    PersonInviteForm,
    SettingsForm,
    StructureFilterForm,
    StructureForm,
)
from mutualise.services import permissions, settings, users
from mutualise.services import structures as structures_service  # views are named structures
from mutualise.services.errors import ValidationError
from mutualise.services.settings import SettingsInput
from mutualise.services.structures import StructureInput
from mutualise.services.users import UserInput

bp = Blueprint("admin", __name__, url_prefix="/admin")

_ACTIVE = {"active": True, "archived": False, "inactive": False, "all": None}


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in person; what they may do is the services' business."""


@bp.context_processor
def _labels() -> dict:
    return {"legal_forms": LEGAL_FORM_LABELS, "membership_roles": MEMBERSHIP_ROLE_LABELS,
            "network_roles": NETWORK_ROLE_LABELS, "languages": LANGUAGE_LABELS}


def _require_admin() -> None:
    # For pages that only read (lists, empty forms): the services check again on every write.
    permissions.require_admin(current_user)


def _url_or_path(endpoint: str, path: str) -> str:
    """Link to a page of another blueprint, or its plain path while that blueprint is not there."""
    try:
        return url_for(endpoint)
    except BuildError:
        return path


@bp.get("/")
def index():
    counts = settings.network_overview(db.session, current_user)
    links = {"structures": url_for("admin.structures"), "people": url_for("admin.people"),
             "sites": _url_or_path("admin_resources.sites", "/admin/sites"),
             "resources": _url_or_path("admin_resources.resources", "/admin/resources"),
             "quotas": _url_or_path("admin_booking.quotas", "/admin/quotas"),
             "closures": _url_or_path("admin_booking.closures", "/admin/closures")}
    return render_template("admin/index.html", counts=counts, links=links)


# Structures ------------------------------------------------------------------------------------------

@bp.get("/structures")
def structures():
    _require_admin()
    filters = StructureFilterForm(request.args)
    values = filters.values()
    found = structures_service.list_structures(db.session, current_user, search=values["q"],
                                               active=_ACTIVE[values["status"]])
    return render_template("admin/structures.html", structures=found, filters=filters)


def _structure_input(form: StructureForm) -> StructureInput:
    return StructureInput(name=form.name.data, short_code=form.short_code.data,
                          legal_form=form.legal_form.data, siren=form.siren.data, email=form.email.data,
                          accounting_code=form.accounting_code.data)


@bp.route("/structures/new", methods=["GET", "POST"])
def structure_new():
    _require_admin()
    form = StructureForm()
    if form.validate_on_submit():
        try:
            structure = structures_service.create_structure(db.session, current_user, utcnow(),
                                                            _structure_input(form))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Structure %(name)s created.", name=structure.name), "success")
            return redirect(url_for("admin.structure", structure_id=structure.id))
    status = 422 if form.errors else 200
    return render_template("admin/structures_form.html", form=form, structure=None), status


@bp.route("/structures/<int:structure_id>/edit", methods=["GET", "POST"])
def structure_edit(structure_id: int):
    structure = structures_service.get_structure(db.session, current_user, structure_id)
    _require_admin()
    form = StructureForm(obj=structure)
    if form.validate_on_submit():
        try:
            structures_service.update_structure(db.session, current_user, structure_id,
                                                _structure_input(form))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Structure %(name)s saved.", name=structure.name), "success")
            return redirect(url_for("admin.structure", structure_id=structure_id))
    status = 422 if form.errors else 200
    return render_template("admin/structures_form.html", form=form, structure=structure), status


@bp.post("/structures/<int:structure_id>/<any(archive, restore):action>")
def structure_archive(structure_id: int, action: str):
    structure = structures_service.update_structure(db.session, current_user, structure_id,
                                                    StructureInput(active=action == "restore"))
    if structure.active:
        flash(_("Structure %(name)s restored.", name=structure.name), "success")
    else:
        flash(_("Structure %(name)s archived.", name=structure.name), "success")
    return redirect(url_for("admin.structure", structure_id=structure_id))


def _structure_page(structure, add_form: MemberAddForm, status: int = 200, errors=()):
    """The structure with its members; `errors` are messages of a refused role change or removal."""
    if not add_form.user_id.choices:
        _set_candidates(add_form, structure.id)
    return render_template("admin/structures_show.html", structure=structure, add_form=add_form,
                           page_errors=list(errors)), status


def _set_candidates(form: MemberAddForm, structure_id: int) -> None:
    candidates = structures_service.list_member_candidates(db.session, current_user, structure_id)
    form.user_id.choices = [SelectChoice(person.id, f"{person.name} <{person.email}>")
                            for person in candidates]


@bp.get("/structures/<int:structure_id>")
def structure(structure_id: int):
    found = structures_service.get_managed_structure(db.session, current_user, structure_id)
    return _structure_page(found, MemberAddForm(formdata=None))


@bp.post("/structures/<int:structure_id>/members")
def member_add(structure_id: int):
    found = structures_service.get_managed_structure(db.session, current_user, structure_id)
    form = MemberAddForm()
    _set_candidates(form, structure_id)
    if form.validate_on_submit():
        try:
            membership = structures_service.set_member(db.session, current_user, utcnow(), structure_id,
                                                       form.user_id.data, form.role.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("%(person)s added to %(structure)s.", person=membership.user.name,
                    structure=found.name), "success")
            return redirect(url_for("admin.structure", structure_id=structure_id))
    return _structure_page(found, form, 422)


@bp.post("/structures/<int:structure_id>/members/<int:user_id>/role")
def member_role(structure_id: int, user_id: int):
    found = structures_service.get_managed_structure(db.session, current_user, structure_id)
    form = MemberRoleForm()
    errors = [*form.role.errors] if not form.validate_on_submit() else []
    if not errors:
        try:
            membership = structures_service.set_member(db.session, current_user, utcnow(), structure_id,
                                                       user_id, form.role.data)
        except ValidationError as error:
            errors = list(error.fields.values())
        else:
            flash(_("Role of %(person)s changed.", person=membership.user.name), "success")
            return redirect(url_for("admin.structure", structure_id=structure_id))
    return _structure_page(found, MemberAddForm(formdata=None), 422, errors)


@bp.post("/structures/<int:structure_id>/members/<int:user_id>/remove")
def member_remove(structure_id: int, user_id: int):
    found = structures_service.get_managed_structure(db.session, current_user, structure_id)
    try:
        structures_service.remove_member(db.session, current_user, structure_id, user_id)
    except ValidationError as error:
        return _structure_page(found, MemberAddForm(formdata=None), 422, error.fields.values())
    flash(_("The person no longer belongs to %(structure)s.", structure=found.name), "success")
    return redirect(url_for("admin.structure", structure_id=structure_id))


# People ----------------------------------------------------------------------------------------------

def _structure_choices(first_label: str, active: bool | None = True) -> list[SelectChoice]:
    found = structures_service.list_structures(db.session, current_user, active=active)
    return [SelectChoice(0, first_label), *(SelectChoice(s.id, s.name) for s in found)]


@bp.get("/people")
def people():
    _require_admin()
    filters = PersonFilterForm(request.args)
    filters.structure.choices = _structure_choices(_("Any"), active=None)
    values = filters.values()
    found = users.list_users(db.session, current_user, search=values["q"], role=values["role"] or None,
                             structure_id=values["structure"] or None, active=_ACTIVE[values["status"]])
    return render_template("admin/people.html", people=found, filters=filters)


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    _require_admin()
    form = PersonInviteForm()
    form.structure_id.choices = _structure_choices(_("None"))
    if form.validate_on_submit():
        now = utcnow()
        try:
            person = users.create_user(db.session, current_user, now, UserInput(
                email=form.email.data, name=form.name.data, locale=form.locale.data, roles=form.roles.data))
            if form.structure_id.data:
                structures_service.set_member(db.session, current_user, now, form.structure_id.data,
                                              person.id, form.structure_role.data)
        except ValidationError as error:
            # a refused membership refuses the person too: the 422 rolls back the whole request
            fields = {("structure_role" if name == "role" else name): message
                      for name, message in error.fields.items()}
            attach_errors(form, ValidationError(fields))
        else:
            flash(_("%(name)s is invited; the invitation is on its way to %(email)s.",
                    name=person.name, email=person.email), "success")
            return redirect(url_for("admin.people"))
    return render_template("admin/people_invite.html", form=form), 422 if form.errors else 200


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person_edit(user_id: int):
    _require_admin()
    person = users.get_user(db.session, current_user, user_id)
    form = PersonEditForm(obj=person)
    if form.validate_on_submit():
        try:
            users.update_user(db.session, current_user, user_id, UserInput(
                email=form.email.data, name=form.name.data, locale=form.locale.data, roles=form.roles.data,
                active=form.active.data))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("%(name)s saved.", name=person.name), "success")
            return redirect(url_for("admin.people"))
    status = 422 if form.errors else 200
    return render_template("admin/people_edit.html", form=form, person=person), status


@bp.post("/people/<int:user_id>/invitation")
def person_reinvite(user_id: int):
    person = users.resend_invitation(db.session, current_user, user_id)
    flash(_("The invitation was sent again to %(email)s.", email=person.email), "success")
    return redirect(url_for("admin.person_edit", user_id=user_id))


# Network settings ------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def network_settings():
    _require_admin()
    form = SettingsForm(obj=settings.get_settings(db.session))
    form.timezone.choices = [SelectChoice(name) for name in settings.timezones()]
    if form.validate_on_submit():
        try:
            settings.update_settings(db.session, current_user, SettingsInput(
                name=form.name.data, timezone=form.timezone.data, currency=form.currency.data,
                default_locale=form.default_locale.data, public_holidays=form.public_holidays.data,
                siren=form.siren.data),
                now=utcnow())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.network_settings"))
    return render_template("admin/settings.html", form=form), 422 if form.errors else 200
