"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from mutualise.models.resource import (
    RULE_FIELDS,
    TARIFF_FIELDS,
    Resource,
    ResourceKind,
    Site,
    resource_referents,
)
from mutualise.models.settings import NetworkSettings
from mutualise.models.structure import LegalForm, Membership, MembershipRole, Structure
from mutualise.models.user import ApiToken, NetworkRole, User

__all__ = [
    "RULE_FIELDS", "TARIFF_FIELDS", "ApiToken", "LegalForm", "Membership", "MembershipRole",
    "NetworkRole", "NetworkSettings", "Resource", "ResourceKind", "Site", "Structure", "User",
    "resource_referents",
]
