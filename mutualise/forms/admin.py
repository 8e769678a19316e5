"""Forms of the administration pages: structures and their members, people, network settings.

They parse what the browser sends; the services check the rules and give the messages, so field names
here match the services' field names (attach_errors puts each message beside its input). Selects whose
value a service checks do not check it again (validate_choice=False): otherwise a wrong choice would
hide the service's messages about the other fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Form, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from mutualise.models import LegalForm, MembershipRole, NetworkRole

# English msgids; the French catalogue gives the full French names of these legal forms.
LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: _l("Association (1901 law)"),
    LegalForm.SCIC: _l("SCIC: collective-interest cooperative"),
    LegalForm.SCOP: _l("SCOP: worker cooperative"),
    LegalForm.CAE: _l("CAE: business and employment cooperative"),
    LegalForm.COOPERATIVE: _l("Other cooperative"),
    LegalForm.SAS_ESUS: _l("Company with ESUS approval"),
    LegalForm.OTHER: _l("Other"),
}
MEMBERSHIP_ROLE_LABELS = {MembershipRole.MEMBER: _l("Member"), MembershipRole.MANAGER: _l("Manager")}
NETWORK_ROLE_LABELS = {NetworkRole.ADMIN: _l("Administrator"), NetworkRole.TREASURER: _l("Treasurer"),
                       NetworkRole.AUDITOR: _l("Auditor")}
# Each language under its own name, as language pickers usually do.
LANGUAGE_LABELS = {"fr": "Français", "en": "English"}
STRUCTURE_STATUS_LABELS = {"active": _l("Active"), "archived": _l("Archived"), "all": _l("All")}
PUBLIC_HOLIDAY_LABELS = {"none": _l("None"), "france": _l("France"),
                         "alsace_moselle": _l("France with Alsace-Moselle (Good Friday, St Stephen's Day)")}
PERSON_STATUS_LABELS = {"active": _l("Active"), "inactive": _l("Deactivated"), "all": _l("All")}


def choices(labels: dict) -> list[SelectChoice]:
    """Options for a select from a {value: label} mapping."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, easier to use on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _FilterForm(Form):
    """Filters read from the query string: no CSRF (they change nothing), unknown values ignored."""

    def values(self) -> dict:
        self.validate()
        return {name: (field.default if field.errors else field.data) for name, field in self._fields.items()}


class StructureFilterForm(_FilterForm):
    q = StringField(_l("Name or short code"))
    status = SelectField(_l("Status"), choices=choices(STRUCTURE_STATUS_LABELS), default="active")


class StructureForm(FlaskForm):
    name = StringField(_l("Name"))
    short_code = StringField(_l("Short code"), description=_l("Left empty, it is made from the name."))
    legal_form = SelectField(_l("Legal form"), choices=choices(LEGAL_FORM_LABELS),
                             default=LegalForm.ASSOCIATION.value, validate_choice=False)
    siren = StringField(_l("SIREN number"), description=_l("9 digits, optional."))
    email = EmailField(_l("E-mail address"))
    accounting_code = StringField(_l("Accounting code"),
                                  description=_l("The structure's account in the accounting exports."))


class MemberAddForm(FlaskForm):
    # checked here: the choices are the people a manager may add
    user_id = SelectField(_l("Person"), coerce=int, choices=[])
    role = SelectField(_l("Role"), choices=choices(MEMBERSHIP_ROLE_LABELS),
                       default=MembershipRole.MEMBER.value, validate_choice=False)


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(MEMBERSHIP_ROLE_LABELS), validate_choice=False)


class PersonFilterForm(_FilterForm):
    q = StringField(_l("Name or e-mail address"))
    role = SelectField(_l("Network role"), choices=choices({"": _l("Any"), **NETWORK_ROLE_LABELS}),
                       default="")
    structure = SelectField(_l("Structure"), coerce=int, choices=[], default=0)
    status = SelectField(_l("Status"), choices=choices(PERSON_STATUS_LABELS), default="active")


class _PersonFields(FlaskForm):
    email = EmailField(_l("E-mail address"))
    name = StringField(_l("Name"))
    locale = SelectField(_l("Language"), choices=choices({"": _l("Network default"), **LANGUAGE_LABELS}),
                         default="", validate_choice=False)
    roles = MultiCheckboxField(_l("Network roles"), choices=choices(NETWORK_ROLE_LABELS), default=[],
                               validate_choice=False)


class PersonInviteForm(_PersonFields):
    # checked here: an unknown structure would otherwise be a 404 from the service
    structure_id = SelectField(_l("Structure"), coerce=int, choices=[], default=0)
    structure_role = SelectField(_l("Role in the structure"), choices=choices(MEMBERSHIP_ROLE_LABELS),
                                 default=MembershipRole.MEMBER.value, validate_choice=False)


class PersonEditForm(_PersonFields):
    active = BooleanField(_l("Active (can sign in)"))


class SettingsForm(FlaskForm):
    name = StringField(_l("Network name"))
    timezone = SelectField(_l("Time zone"), choices=[], default="Europe/Paris", validate_choice=False)
    currency = SelectField(_l("Currency"), choices=choices({"EUR": "EUR (€)"}), default="EUR",
                           validate_choice=False)
    default_locale = SelectField(_l("Default language"), choices=choices(LANGUAGE_LABELS), default="fr",
                                 validate_choice=False)
    public_holidays = SelectField(_l("Public holidays"), choices=choices(PUBLIC_HOLIDAY_LABELS),
                                  default="none", validate_choice=False)
    siren = StringField(_l("SIREN of the network"))
