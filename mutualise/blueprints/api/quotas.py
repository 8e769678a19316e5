"""Quotas: the rules (/quotas, /quotas/{id}; admins write them) and how much of them a structure has
used (/structures/{id}/quotas)."""


from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.quotas import (
    QuotaListArgsSchema,
    QuotaRuleInputSchema,
    QuotaRuleListSchema,
    QuotaRulePatchSchema,
    QuotaRuleSchema,
    QuotaStatusArgsSchema,
    QuotaStatusListSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import quota_rules
from mutualise.services.quota_rules import QuotaRuleInput
from mutualise.services.quota_usage import structure_quota_status

bp = ApiBlueprint("api_quotas", __name__, description="How much each structure may book.")


@bp.get("/quotas")
@bp.arguments(QuotaListArgsSchema, location="query")
@bp.response(200, QuotaRuleListSchema)
def list_quotas(args):
    """The rules applying to the caller's structures (every rule for admins, treasurers and auditors);
    with `structure_id`, those applying to that structure."""
    found = quota_rules.list_quota_rules(db.session, actor(), structure_id=args.get("structure_id"),
                                         active=args.get("active"))
    return page(found, args)


@bp.post("/quotas")
@bp.arguments(QuotaRuleInputSchema)
@bp.response(201, QuotaRuleSchema)
def create_quota(data):
    """Add a rule (admins): at most `limit` hours or bookings per window, at most `max_open_future`
    bookings not yet ended, or both; on some resources, a kind, a site or (no target) every resource."""
    return quota_rules.create_quota_rule(db.session, actor(), utcnow(), QuotaRuleInput(**data))


@bp.get(f"/quotas/<{ID}:rule_id>")
@bp.response(200, QuotaRuleSchema)
def get_quota(rule_id: int):
    """One rule; 404 when it belongs to a structure the caller cannot see."""
    return quota_rules.get_quota_rule(db.session, actor(), rule_id)


@bp.patch(f"/quotas/<{ID}:rule_id>")
@bp.arguments(QuotaRulePatchSchema)
@bp.response(200, QuotaRuleSchema)
def update_quota(data, rule_id: int):
    """Change a rule (admins); bookings already made stay."""
    return quota_rules.update_quota_rule(db.session, actor(), rule_id, QuotaRuleInput(**data))


@bp.delete(f"/quotas/<{ID}:rule_id>")
@bp.response(204)
def delete_quota(rule_id: int):
    """Remove a rule (admins); bookings already made stay."""
    quota_rules.delete_quota_rule(db.session, actor(), rule_id)


@bp.get(f"/structures/<{ID}:structure_id>/quotas")
@bp.arguments(QuotaStatusArgsSchema, location="query")
@bp.response(200, QuotaStatusListSchema)
def structure_quotas(args, structure_id: int):
    """For each rule applying to the structure (and counting `resource_id` when given): the window holding
    `at` (now by default), used, limit and remaining in the rule's unit; and for rules capping open
    bookings, `max_open_future` and `open_future`. 404 when the caller cannot see the structure."""
    entries = structure_quota_status(db.session, actor(), structure_id, args.get("at") or utcnow(),
                                     args.get("resource_id"))
    return {"items": entries, "next": None}
