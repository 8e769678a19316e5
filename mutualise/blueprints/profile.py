"""The signed-in person's own page: name, language, password, API tokens and calendar feeds."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from mutualise.blueprints.feeds import feed_urls
from mutualise.clock import utcnow
from mutualise.extensions import db, limiter, password_attempt_limit
from mutualise.forms import attach_errors
from mutualise.forms.profile import PasswordForm, ProfileForm, TokenForm
from mutualise.services import accounts, users
from mutualise.services import feeds as feed_service
from mutualise.services import resources as resource_service
from mutualise.services import structures as structure_service
from mutualise.services.errors import ValidationError

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(status: int = 200, *, profile_form=None, password_form=None, token_form=None, new_secret=None):
    """The whole page; the form that was sent keeps its values and errors, the others start fresh.
    Prefixes keep the three forms' field names and ids apart."""
    user = current_user._get_current_object()
    profile_form = profile_form or ProfileForm(formdata=None, name=user.name, locale=user.locale or "")
    page = render_template(
        "profile/index.html", user=user, profile_form=profile_form,
        password_form=password_form or PasswordForm(formdata=None, prefix="password"),
        token_form=token_form or TokenForm(formdata=None, prefix="token"),
        tokens=user.api_tokens, new_secret=new_secret, password_min=accounts.PASSWORD_MIN)
    return page, status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/")
@login_required
def update_details():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            users.update_user(db.session, current_user, current_user.id,
                              users.UserInput(name=form.name.data, locale=form.locale.data or None))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("profile.index"))
    return _page(422, profile_form=form)


def _signed_in_person() -> str:
    return f"password-change:{current_user.get_id()}"


@bp.post("/password")
@login_required
# The current password is asked again: without a limit a borrowed session could guess it at will, from
# as many addresses as wanted, hence counted per person rather than per address.
@limiter.limit(password_attempt_limit, key_func=_signed_in_person)
def change_password():
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.require_password_match(form.new_password.data, form.confirm.data)
            accounts.change_password(db.session, user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            # The new nonce signed out every session, this one too: sign this one back in.
            login_user(user)
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("profile.index"))
    return _page(422, password_form=form)


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm(prefix="token")
    if form.validate_on_submit():
        try:
            _, secret = accounts.create_api_token(db.session, current_user, utcnow(), form.name.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            # Shown in this response only: it is never stored in clear, not even in the session cookie.
            page, status = _page(201, new_secret=secret)
            return page, status, {"Cache-Control": "no-store"}
    return _page(422, token_form=form)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_api_token(db.session, current_user, token_id, utcnow())
    flash(_("The token is revoked: it no longer opens the API."), "success")
    return redirect(url_for("profile.index"))


# Calendar feeds ("My calendars")

def _choice_id(value) -> int | None:
    """A select's value as an id; anything else as nothing chosen (the service says what is missing)."""
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 10 else None


class FeedForm(FlaskForm):
    # validate_choice off: the service owns the rules and their messages, for the API as for the page
    scope = SelectField(_l("Bookings of"), choices=[
        SelectChoice("resource", _l("A resource")), SelectChoice("structure", _l("A structure")),
        SelectChoice("user", _l("Me (the bookings I made)")), SelectChoice("network", _l("Every resource"))],
        validate_choice=False)
    resource_id = SelectField(_l("Resource"), coerce=_choice_id, validate_choice=False)
    structure_id = SelectField(_l("Structure"), coerce=_choice_id, validate_choice=False)
    detail = RadioField(_l("What it shows"), default="busy", validate_choice=False, choices=[
        SelectChoice("busy", _l("Busy times only: the resource and “Busy”, nothing about who")),
        SelectChoice("full", _l("Details: title, structure and booker, where you may see them"))])
    name = StringField(_l("Name in your list"))

    def set_choices(self, actor) -> None:
        resources = resource_service.list_resources(db.session, actor, active=True)
        structures = structure_service.list_structures(db.session, actor)
        self.resource_id.choices = [SelectChoice("", "—")] + [SelectChoice(r.id, r.name) for r in resources]
        self.structure_id.choices = [SelectChoice("", "—")] + [SelectChoice(s.id, s.name) for s in structures]


def _calendars_page(form: FeedForm, status: int = 200, *, new_urls: tuple[str, str] | None = None):
    actor = current_user._get_current_object()
    form.set_choices(actor)
    feeds = feed_service.list_feeds(db.session, actor)
    return render_template("profile/calendars.html", form=form, feeds=feeds, new_urls=new_urls), status


@bp.get("/calendars")
@login_required
def calendars():
    """The person's feeds and the form to add one; `?scope=resource&id=3` fills it in (the Subscribe
    buttons of the resource and structure pages lead here)."""
    form = FeedForm(formdata=None)
    scope, target = request.args.get("scope"), _choice_id(request.args.get("id"))
    if scope in feed_service.SCOPES:
        form.scope.data = scope
    if scope == "resource":
        form.resource_id.data = target
    elif scope == "structure":
        form.structure_id.data = target
    return _calendars_page(form)


@bp.post("/calendars")
@login_required
def create_calendar():
    form = FeedForm()
    if form.validate_on_submit():
        scope = form.scope.data
        target = {"resource": form.resource_id.data, "structure": form.structure_id.data}.get(scope)
        try:
            _, secret = feed_service.create_feed(db.session, current_user, utcnow(), feed_service.FeedInput(
                scope=scope, target_id=target, detail=form.detail.data, name=form.name.data or None))
        except ValidationError as error:
            fields = dict(error.fields)
            if "id" in fields:  # the API's name for the chosen resource or structure
                fields[f"{scope}_id"] = fields.pop("id")
            attach_errors(form, ValidationError(fields))
        else:
            # The link is in this response only: it is never stored in clear, not even in the session.
            page, status = _calendars_page(FeedForm(formdata=None), 201, new_urls=feed_urls(secret))
            return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return _calendars_page(form, 422)


@bp.post("/calendars/<int:feed_id>/revoke")
@login_required
def revoke_calendar(feed_id: int):
    feed_service.revoke_feed(db.session, current_user, utcnow(), feed_id)
    flash(_("The calendar link is revoked: calendars that used it no longer receive anything."), "success")
    return redirect(url_for("profile.calendars"))
