"""Structures and their members."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import ActiveListArgsSchema, InputSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import Boolean, Integer, LocalDateTime, one_of, text
from mutualise.models import LegalForm, MembershipRole, Structure

SIREN_MAX = 20  # nine digits, spaces allowed in between


class StructureSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    short_code = ma.fields.String()
    legal_form = ma.fields.String(metadata={"enum": [str(f) for f in LegalForm]})
    siren = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    accounting_code = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    created_at = LocalDateTime()


class StructurePatchSchema(InputSchema):
    """Fields to change; those left out stay as they are."""

    name = text(Structure.NAME_MAX)
    short_code = text(Structure.SHORT_CODE_MAX, allow_none=True,
                      metadata={"description": "Letters, digits and hyphens; made from the name when empty."})
    legal_form = one_of(LegalForm)
    siren = text(SIREN_MAX, allow_none=True)
    email = text(Structure.EMAIL_MAX, allow_none=True)
    accounting_code = text(Structure.ACCOUNTING_CODE_MAX, allow_none=True)
    active = Boolean()


class StructureInputSchema(StructurePatchSchema):
    """A new structure: only the name is needed."""

    name = text(Structure.NAME_MAX, required=True)


class StructureListArgsSchema(ActiveListArgsSchema):
    pass


class MemberSchema(OutputSchema):
    user_id = ma.fields.Integer()
    name = ma.fields.String(attribute="user.name")
    email = ma.fields.String(attribute="user.email")
    role = ma.fields.String(metadata={"enum": [str(r) for r in MembershipRole]})
    created_at = LocalDateTime()


class MemberInputSchema(InputSchema):
    """Add a person to the structure, or change their role there."""

    user_id = Integer(required=True)
    role = one_of(MembershipRole, required=True)


StructureListSchema = list_of(StructureSchema, "StructureListSchema")
MemberListSchema = list_of(MemberSchema, "MemberListSchema")
