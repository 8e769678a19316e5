"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from mutualise.models.booking import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    ClosureSource,
    Series,
)
from mutualise.models.feed import FeedDetail, FeedScope, FeedToken
from mutualise.models.ledger import (
    USAGE_METHODS,
    AllocationKey,
    AllocationKeyVersion,
    AllocationWeight,
    BookingUsage,
    Charge,
    ChargeAllocation,
    ChargePart,
    EntryKind,
    JournalEntry,
    JournalLine,
    KeyMethod,
    Payment,
    Period,
    PeriodEvent,
    PeriodStatus,
    allocation_key_resources,
)
from mutualise.models.outgoing_mail import OutgoingMail
from mutualise.models.quota import QuotaRule, QuotaUnit, QuotaWindow, quota_rule_resources
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
    "FeedDetail", "FeedScope", "FeedToken", "OutgoingMail",
    "USAGE_METHODS", "AllocationKey", "AllocationKeyVersion", "AllocationWeight", "BookingUsage", "Charge",
    "ChargeAllocation", "ChargePart", "EntryKind", "JournalEntry", "JournalLine", "KeyMethod", "Payment",
    "Period", "PeriodEvent", "PeriodStatus", "allocation_key_resources",
    "ACTIVE_STATUSES", "Booking", "BookingStatus", "Closure", "ClosureSource", "QuotaRule", "QuotaUnit",
    "QuotaWindow", "Series", "quota_rule_resources",
    "RULE_FIELDS", "TARIFF_FIELDS", "ApiToken", "LegalForm", "Membership", "MembershipRole",
    "NetworkRole", "NetworkSettings", "Resource", "ResourceKind", "Site", "Structure", "User",
    "resource_referents",
]
