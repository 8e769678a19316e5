"""The signed-in person's own page: name, language, password and API tokens."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.forms import attach_errors
from mutualise.forms.profile import PasswordForm, ProfileForm, TokenForm
from mutualise.services import accounts, users
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


@bp.post("/password")
@login_required
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
