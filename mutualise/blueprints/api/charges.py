"""Shared charges (split across structures exactly to the cent) and payments; treasurers write, auditors
and admins read, a structure's managers read the charges split to their structure."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.charges import (
    ChargeBatchInputSchema,
    ChargeBatchSchema,
    ChargeInputSchema,
    ChargeListArgsSchema,
    ChargeListSchema,
    ChargeSchema,
    PaymentInputSchema,
    PaymentListArgsSchema,
    PaymentListSchema,
    PaymentSchema,
    charge_view,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import charge_batches, charges, payments
from mutualise.services.charges import ChargeInput
from mutualise.services.payments import PaymentInput

bp = ApiBlueprint("api_charges", __name__, description="Shared charges and payments.")


def _view(charge) -> dict:
    reversal = charges.reversal_of(db.session, charge)
    return charge_view(charge, reversal.id if reversal is not None else None)


@bp.post("/charges")
@bp.arguments(ChargeInputSchema)
@bp.response(201, ChargeSchema)
def create_charge(data):
    """Post a charge (treasurers): split by `key_id`, or in `parts` whose `share_bp` sum to 10000. The
    allocations sum exactly to `amount_cents`; 409 `period_closed` when `date` falls in a closed period."""
    return _view(charges.create_charge(db.session, actor(), utcnow(), ChargeInput(**data)))


@bp.post("/charges/preview")
@bp.arguments(ChargeInputSchema)
@bp.response(200, ChargeSchema)
def preview_charge(data):
    """The split a charge would get, each line explained; nothing is written."""
    return charge_view(charges.preview_charge(db.session, actor(), utcnow(), ChargeInput(**data)))


@bp.post("/charges/batch")
@bp.arguments(ChargeBatchInputSchema)
@bp.response(201, ChargeBatchSchema)
def create_charges(data):
    """Post many charges (treasurers), all or none: each meets the rules of POST /charges; one refused
    field (422, `details.fields` keyed `charges.<index>.<field>`) or a closed period (409) posts nothing."""
    posted = charge_batches.post_charges(db.session, actor(), utcnow(),
                                         [ChargeInput(**charge) for charge in data["charges"]])
    return {"items": [charge_view(charge) for charge in posted]}


@bp.post("/charges/batch/preview")
@bp.arguments(ChargeBatchInputSchema)
@bp.response(200, ChargeBatchSchema)
def preview_charges(data):
    """The split each charge of a batch would get, each line explained; nothing is written."""
    plans = charge_batches.preview_charges(db.session, actor(), utcnow(),
                                           [ChargeInput(**charge) for charge in data["charges"]])
    return {"items": [charge_view(plan) for plan in plans]}


@bp.get("/charges")
@bp.arguments(ChargeListArgsSchema, location="query")
@bp.response(200, ChargeListSchema)
def list_charges(args):
    """Charges, of one month with `period` (ledger readers: treasurers, auditors, admins)."""
    found = charges.list_charges(db.session, actor(), args.get("period"))
    result = page(found, args)
    return {**result, "items": [_view(charge) for charge in result["items"]]}


@bp.get(f"/charges/<{ID}:charge_id>")
@bp.response(200, ChargeSchema)
def get_charge(charge_id: int):
    """One charge with its allocations; 404 for someone it does not concern."""
    return _view(charges.get_charge(db.session, actor(), charge_id))


@bp.post(f"/charges/<{ID}:charge_id>/reverse")
@bp.response(201, ChargeSchema)
def reverse_charge(charge_id: int):
    """Cancel a posted charge with a reversal dated today (treasurers); the original is never edited."""
    return _view(charges.reverse_charge(db.session, actor(), utcnow(), charge_id))


@bp.post("/payments")
@bp.arguments(PaymentInputSchema)
@bp.response(201, PaymentSchema)
def record_payment(data):
    """Record money a structure paid (negative: paid back to it); treasurers."""
    return payments.record_payment(db.session, actor(), utcnow(), PaymentInput(**data))


@bp.get("/payments")
@bp.arguments(PaymentListArgsSchema, location="query")
@bp.response(200, PaymentListSchema)
def list_payments(args):
    """Payments, by month (`period`) and structure; a structure's managers see their own."""
    found = payments.list_payments(db.session, actor(), month=args.get("period"),
                                   structure_id=args.get("structure_id"))
    return page(found, args)
