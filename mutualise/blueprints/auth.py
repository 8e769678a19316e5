"""Sign in and out, one-time links to choose a password."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from mutualise.clock import utcnow
from mutualise.extensions import db, limiter, password_attempt_limit
from mutualise.forms import attach_errors
from mutualise.forms.auth import ForgotPasswordForm, LoginForm, SetPasswordForm
from mutualise.services import accounts
from mutualise.services.errors import ValidationError

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(password_attempt_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data, utcnow())
        if user is not None:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong e-mail address or password."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _start_session(user) -> None:
    # A fresh session at sign-in: nothing from before (e.g. a planted session id) carries over.
    session.clear()
    login_user(user)
    session.permanent = True


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be used to send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(password_attempt_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, form.email.data)
        flash(_("If this address is known, a link to choose a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/<any(invite, reset):purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    user = accounts.user_for_link(db.session, token, purpose)
    if current_user.is_authenticated and current_user.id != user.id:
        abort(403)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.require_password_match(form.password.data, form.confirm.data)
            user = accounts.set_password_from_link(db.session, token, purpose, form.password.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            _start_session(user)
            flash(_("Your password is saved. Welcome!"), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("auth/set_password.html", form=form, user=user,
                           password_min=accounts.PASSWORD_MIN), status
