"""The cost split, balances, settlement and statements (read-only views of the ledger)."""

import marshmallow as ma

from mutualise.blueprints.api.schemas.base import OutputSchema, QuerySchema
from mutualise.blueprints.api.schemas.fields import OneOf, String

POSITIVE_OWES = "Positive: the structure owes the network; negative: the network owes it."


class PeriodArgsSchema(QuerySchema):
    period = String(required=True, metadata={"description": "The month, YYYY-MM.", "example": "2026-03"})


class StatementArgsSchema(PeriodArgsSchema):
    format = String(validate=OneOf(["plain", "fr"]), metadata={
        "enum": ["plain", "fr"],
        "description": "For CSV: plain (`,`, `.` decimals) or fr (`;`, decimal comma, UTF-8 with BOM)."})


class ExportArgsSchema(StatementArgsSchema):
    period = String(required=True, metadata={"description": "A month (YYYY-MM) or a year (YYYY).",
                                             "example": "2026"})


class FecArgsSchema(QuerySchema):
    period = String(required=True, metadata={"description": "A year (YYYY) or a month (YYYY-MM).",
                                             "example": "2026"})
    separator = String(validate=OneOf(["tab", "pipe"]), metadata={"enum": ["tab", "pipe"],
                                                                  "description": "Tab (default) or `|`."})


def _structure_fields(obj) -> dict:
    return {"structure_id": obj.id, "structure_name": obj.name, "short_code": obj.short_code}


class StructureRefSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    short_code = ma.fields.String()
    accounting_code = ma.fields.String(allow_none=True)


class BalanceSchema(OutputSchema):
    structure_id = ma.fields.Integer()
    structure_name = ma.fields.String()
    short_code = ma.fields.String()
    opening_cents = ma.fields.Integer(metadata={"description": POSITIVE_OWES})
    charged_cents = ma.fields.Integer()
    paid_cents = ma.fields.Integer()
    closing_cents = ma.fields.Integer(metadata={"description": "opening + charged - paid. " + POSITIVE_OWES})

    @ma.pre_dump
    def _flattened(self, balance, **kwargs) -> dict:
        return {**_structure_fields(balance.structure), "opening_cents": balance.opening_cents,
                "charged_cents": balance.charged_cents, "paid_cents": balance.paid_cents,
                "closing_cents": balance.closing_cents}


class BalanceListSchema(OutputSchema):
    period = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(BalanceSchema))
    next = ma.fields.String(allow_none=True, dump_default=None)


class SplitRowSchema(OutputSchema):
    structure_id = ma.fields.Integer()
    structure_name = ma.fields.String()
    short_code = ma.fields.String()
    cells = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                           metadata={"description": "Category -> cents charged (every column)."})
    total_cents = ma.fields.Integer()

    @ma.pre_dump
    def _flattened(self, row, **kwargs) -> dict:
        return {**_structure_fields(row.structure), "cells": row.cells, "total_cents": row.total_cents}


class CostSplitSchema(OutputSchema):
    period = ma.fields.String()
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "The columns, in order."})
    rows = ma.fields.List(ma.fields.Nested(SplitRowSchema))
    column_totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    total_cents = ma.fields.Integer(metadata={"description": "The sum of the rows and of the columns."})


class TransferSchema(OutputSchema):
    payer_structure_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: the network."})
    payer_name = ma.fields.String(allow_none=True)
    payee_structure_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: the network."})
    payee_name = ma.fields.String(allow_none=True)
    amount_cents = ma.fields.Integer()

    @ma.pre_dump
    def _flattened(self, transfer, **kwargs) -> dict:
        return {"payer_structure_id": transfer.payer.id if transfer.payer else None,
                "payer_name": transfer.payer.name if transfer.payer else None,
                "payee_structure_id": transfer.payee.id if transfer.payee else None,
                "payee_name": transfer.payee.name if transfer.payee else None,
                "amount_cents": transfer.cents}


class SettlementSchema(OutputSchema):
    period = ma.fields.String()
    balances = ma.fields.List(ma.fields.Nested(BalanceSchema))
    transfers = ma.fields.List(ma.fields.Nested(TransferSchema), metadata={
        "description": "Transfers that bring every closing balance to zero."})


class StatementLineSchema(OutputSchema):
    entry_number = ma.fields.Integer()
    date = ma.fields.Date()
    kind = ma.fields.String(metadata={"enum": ["charge", "usage", "payment", "reversal"]})
    label = ma.fields.String(metadata={"description": "The entry's label."})
    line_label = ma.fields.String(metadata={"description": "What this line is for the structure."})
    category = ma.fields.String(allow_none=True)
    debit_cents = ma.fields.Integer()
    credit_cents = ma.fields.Integer()
    balance_cents = ma.fields.Integer(metadata={"description": "Running balance after the line."})
    charge_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The charge (GET /charges/{id} explains the allocation)."})
    booking_id = ma.fields.Integer(allow_none=True)


class StatementSchema(OutputSchema):
    structure = ma.fields.Nested(StructureRefSchema)
    period = ma.fields.String()
    opening_cents = ma.fields.Integer(metadata={"description": POSITIVE_OWES})
    charged_cents = ma.fields.Integer()
    paid_cents = ma.fields.Integer()
    closing_cents = ma.fields.Integer()
    debit_cents = ma.fields.Integer(metadata={"description": "Sum of the lines' debits."})
    credit_cents = ma.fields.Integer(metadata={"description": "Sum of the lines' credits."})
    lines = ma.fields.List(ma.fields.Nested(StatementLineSchema))

    @ma.pre_dump
    def _flattened(self, found, **kwargs) -> dict:
        balance = found.balance
        return {"structure": found.structure, "period": found.period, "opening_cents": balance.opening_cents,
                "charged_cents": balance.charged_cents, "paid_cents": balance.paid_cents,
                "closing_cents": balance.closing_cents, "debit_cents": found.debit_cents,
                "credit_cents": found.credit_cents, "lines": found.lines}
