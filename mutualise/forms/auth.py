from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(_l("This field is required."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("This field is required."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(_l("This field is required."))])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("This field is required."))])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[InputRequired(_l("This field is required."))])
