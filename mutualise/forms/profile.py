"""Forms of the profile page: details, password, API tokens. The services check the values."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

# "" stands for "no preference": the browser's language is used.
LOCALE_CHOICES = [SelectChoice("", _l("Browser's choice")), SelectChoice("fr", "Français"),
                  SelectChoice("en", "English")]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"))
    # validate_choice off: the service owns the rule and its message, for the API as for the page
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, validate_choice=False)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"))
