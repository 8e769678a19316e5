"""Shared charges, their split across structures, and payments."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import InputSchema, ListArgsSchema, OutputSchema, list_of
from mutualise.blueprints.api.schemas.fields import (
    Cents,
    Date,
    Integer,
    List,
    LocalDateTime,
    Nested,
    one_of,
    text,
)
from mutualise.blueprints.ledger_text import explain_allocation
from mutualise.domain.accounts import CHARGE_CATEGORIES
from mutualise.models import Charge, Payment

PERIOD = {"description": "A month, YYYY-MM."}


class ChargePartInputSchema(InputSchema):
    key_id = Integer(required=True)
    share_bp = Integer(required=True, metadata={"description": "Basis points of the amount (5000 = 50 %); "
                                                              "the parts sum to 10000."})


class ChargeInputSchema(InputSchema):
    """A charge split by one key (`key_id`) or in parts (`parts`), e.g. 50 % equal and 50 % by hours."""

    label = text(Charge.LABEL_MAX, required=True)
    category = one_of(CHARGE_CATEGORIES, required=True)
    amount_cents = Cents(required=True, metadata={"description": "Negative for a refund."})
    date = Date(required=True, metadata={"description": "The charge's date; its month is the period."})
    covers_from = Date(metadata={"description": "First day the charge covers (usage keys count usage from "
                                                "here); the month's first day by default."})
    covers_until = Date(metadata={"description": "Last day covered; the month's last day by default."})
    paid_by_structure_id = Integer(allow_none=True, metadata={
        "description": "The structure that paid the bill (it is credited); null: the network paid."})
    receipt_ref = text(Charge.RECEIPT_MAX, allow_none=True)
    key_id = Integer(allow_none=True)
    parts = List(Nested(ChargePartInputSchema), allow_none=True)


class ChargeBatchInputSchema(InputSchema):
    """A month's charges posted together, all or none (as the ledger's CSV import does)."""

    charges = List(Nested(ChargeInputSchema), required=True, metadata={
        "description": "The charges, in order; each as POST /charges takes it. Errors name "
                       "`charges.<index>.<field>` (index from 0)."})


class AllocationSchema(OutputSchema):
    structure_id = ma.fields.Integer()
    structure_name = ma.fields.String()
    amount_cents = ma.fields.Integer()
    rounding_cents = ma.fields.Integer(metadata={"description": "The cent the rounding gave (or took)."})
    explanation = ma.fields.String(metadata={"description": "How the amount was reached, in the request's "
                                                           "language."})


class ChargePartSchema(OutputSchema):
    key_id = ma.fields.Integer()
    key_name = ma.fields.String()
    key_version = ma.fields.Integer()
    share_bp = ma.fields.Integer()


class ChargeSchema(OutputSchema):
    id = ma.fields.Integer()
    label = ma.fields.String()
    category = ma.fields.String(metadata={"enum": list(CHARGE_CATEGORIES)})
    amount_cents = ma.fields.Integer()
    date = ma.fields.Date()
    period = ma.fields.String(metadata=PERIOD)
    covers_from = ma.fields.Date()
    covers_until = ma.fields.Date()
    paid_by_structure_id = ma.fields.Integer(allow_none=True)
    receipt_ref = ma.fields.String(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True,
                                    metadata={"description": "This charge cancels that one."})
    reversed_by_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    parts = ma.fields.List(ma.fields.Nested(ChargePartSchema))
    allocations = ma.fields.List(ma.fields.Nested(AllocationSchema), metadata={
        "description": "Sums exactly to amount_cents."})


def charge_view(charge, reversed_by_id: int | None = None) -> dict:
    """A posted charge (or a preview's plan, without id) as the ChargeSchema reads it."""
    allocations = [{"structure_id": a.structure.id, "structure_name": a.structure.name,
                    "amount_cents": a.amount_cents, "rounding_cents": a.rounding_cents,
                    "explanation": explain_allocation(charge.label, charge.amount_cents, a.amount_cents,
                                                      a.rounding_cents, a.basis)}
                   for a in charge.allocations]
    parts = [{"key_id": p.key_version.key_id, "key_name": p.key_version.key.name,
              "key_version": p.key_version.number, "share_bp": p.share_bp} for p in charge.parts]
    view = {name: getattr(charge, name, None) for name in (
        "id", "label", "category", "amount_cents", "date", "covers_from", "covers_until", "receipt_ref",
        "reverses_id", "created_at")}
    period = getattr(charge, "period", None)
    paid_by = getattr(charge, "paid_by", None)
    return {**view, "period": period.month if period is not None else f"{charge.date:%Y-%m}",
            "paid_by_structure_id": paid_by.id if paid_by is not None else None,
            "reversed_by_id": reversed_by_id, "parts": parts, "allocations": allocations}


class ChargeBatchSchema(OutputSchema):
    items = ma.fields.List(ma.fields.Nested(ChargeSchema), metadata={"description": "In the order given."})


class ChargeListArgsSchema(ListArgsSchema):
    period = ma.fields.String(metadata=PERIOD)


class PaymentInputSchema(InputSchema):
    structure_id = Integer(required=True)
    amount_cents = Cents(required=True, metadata={"description": "Paid by the structure to the network; "
                                                                 "negative: paid back to the structure."})
    date = Date(required=True)
    reference = text(Payment.REFERENCE_MAX, allow_none=True)


class PaymentSchema(OutputSchema):
    id = ma.fields.Integer()
    structure_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    date = ma.fields.Date()
    period = ma.fields.Function(lambda payment: f"{payment.date:%Y-%m}", metadata=PERIOD)
    reference = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class PaymentListArgsSchema(ListArgsSchema):
    period = ma.fields.String(metadata=PERIOD)
    structure_id = Integer(strict=False)


ChargeListSchema = list_of(ChargeSchema, "ChargeListSchema")
PaymentListSchema = list_of(PaymentSchema, "PaymentListSchema")
