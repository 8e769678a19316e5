"""People: the caller (me), and everyone for admins."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import ActiveListArgsSchema, InputSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import (
    Boolean,
    Integer,
    List,
    LocalDateTime,
    String,
    one_of,
    text,
)
from mutualise.models import MembershipRole, NetworkRole, User
from mutualise.services.accounts import PASSWORD_MAX, PASSWORD_MIN
from mutualise.services.settings import LOCALES

ROLE_ENUM = {"enum": [str(r) for r in NetworkRole]}


class UserSchema(OutputSchema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    locale = ma.fields.String(allow_none=True, metadata={"enum": list(LOCALES)})
    roles = ma.fields.List(ma.fields.String(metadata=ROLE_ENUM), metadata={"description": "Network roles."})
    active = ma.fields.Boolean()
    created_at = LocalDateTime()
    last_login_at = LocalDateTime(allow_none=True)


class MyStructureSchema(OutputSchema):
    id = ma.fields.Integer(attribute="structure_id")
    name = ma.fields.String(attribute="structure.name")
    short_code = ma.fields.String(attribute="structure.short_code")
    role = ma.fields.String(metadata={"enum": [str(r) for r in MembershipRole]})


class MeSchema(UserSchema):
    structures = ma.fields.List(ma.fields.Nested(MyStructureSchema), attribute="memberships",
                                metadata={"description": "The structures the caller belongs to, with "
                                                         "their role in each."})


class UserPatchSchema(InputSchema):
    """Fields to change; those left out stay as they are. People other than admins may change only
    their own name and language."""

    email = text(User.EMAIL_MAX)
    name = text(User.NAME_MAX)
    password = String(allow_none=True, load_only=True,
                      metadata={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX})
    locale = one_of(LOCALES, allow_none=True)
    roles = List(one_of(NetworkRole))
    active = Boolean()


class UserInputSchema(UserPatchSchema):
    """A new person. Without a password they are invited by e-mail to choose one."""

    email = text(User.EMAIL_MAX, required=True)
    name = text(User.NAME_MAX, required=True)


class UserListArgsSchema(ActiveListArgsSchema):
    role = one_of(NetworkRole)
    structure_id = Integer(strict=False)


class SettingsSchema(OutputSchema):
    name = ma.fields.String()
    timezone = ma.fields.String(metadata={"description": "IANA time zone, e.g. Europe/Paris."})
    currency = ma.fields.String(metadata={"description": "ISO 4217 code of every *_cents amount."})
    locale = ma.fields.String(attribute="default_locale", metadata={"enum": list(LOCALES)})
    siren = ma.fields.String(allow_none=True, metadata={"description": "The network's SIREN, if set."})


UserListSchema = list_of(UserSchema, "UserListSchema")
