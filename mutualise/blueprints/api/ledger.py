"""The cost split, balances, settlement and statements; the journal as CSV, Paheko CSV and FEC files."""

from flask import Response, request
from flask_babel import gettext as _

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.schemas.ledger import (
    BalanceListSchema,
    CostSplitSchema,
    ExportArgsSchema,
    FecArgsSchema,
    PeriodArgsSchema,
    SettlementSchema,
    StatementArgsSchema,
    StatementSchema,
)
from mutualise.domain import ledger_exports
from mutualise.extensions import db
from mutualise.services import ledger_reports, ledger_statements
from mutualise.services.settings import get_settings

bp = ApiBlueprint("api_ledger", __name__, description="The cost split, balances and statements.")

CSV_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSE = {"200": {"description": "A CSV file.",
                        "content": {"text/csv": {"schema": {"type": "string"}}}}}


def _style(args) -> ledger_exports.CsvStyle:
    return ledger_exports.FRENCH if args.get("format") == "fr" else ledger_exports.PLAIN


def _download(text: str, name: str, mimetype: str = CSV_TYPE) -> Response:
    response = Response(text.encode("utf-8"), content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _statement_headers() -> list[str]:
    return [_("Entry"), _("Date"), _("Kind"), _("Label"), _("Line"), _("Category"), _("Debit"), _("Credit"),
            _("Balance")]


def _journal_headers() -> list[str]:
    return [_("Entry"), _("Date"), _("Kind"), _("Label"), _("Account"), _("Structure"), _("Structure name"),
            _("Line"), _("Category"), _("Debit"), _("Credit"), _("Reference")]


@bp.get("/ledger/split")
@bp.arguments(PeriodArgsSchema, location="query")
@bp.response(200, CostSplitSchema)
def cost_split(args):
    """The month's charges by structure (rows) and category (columns), with row, column and grand totals
    that add up exactly. Treasurers, auditors and admins."""
    return ledger_reports.cost_split(db.session, actor(), args["period"])


@bp.get("/ledger/balances")
@bp.arguments(PeriodArgsSchema, location="query")
@bp.response(200, BalanceListSchema)
def balances(args):
    """Each structure's opening, charged, paid and closing amounts for the month. Structure managers get
    the structures they manage."""
    found = ledger_reports.balances(db.session, actor(), args["period"])
    return {"period": args["period"], "items": found, "next": None}


@bp.get("/ledger/settlement")
@bp.arguments(PeriodArgsSchema, location="query")
@bp.response(200, SettlementSchema)
def settlement(args):
    """The month's closing balances and who pays whom to bring them all to zero."""
    return ledger_reports.settlement(db.session, actor(), args["period"])


@bp.get(f"/statements/<{ID}:structure_id>")
@bp.arguments(StatementArgsSchema, location="query")
@bp.response(200, StatementSchema, description="The statement; with `Accept: text/csv`, the same CSV as "
                                                 "`/statements/{structure_id}.csv`.")
def statement(args, structure_id: int):
    """A structure's statement for the month: opening balance, every line with its running balance,
    closing balance. JSON, or CSV with `Accept: text/csv` (`format=fr` for the French spreadsheet style).
    404 when the caller may not read the structure's ledger."""
    found = ledger_statements.statement(db.session, actor(), structure_id, args["period"])
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        return _statement_csv(found, args)
    return found


@bp.get(f"/statements/<{ID}:structure_id>.csv")
@bp.arguments(StatementArgsSchema, location="query")
@bp.doc(responses=CSV_RESPONSE)
def statement_csv(args, structure_id: int):
    """The statement as CSV (`format=fr`: `;`, decimal comma, UTF-8 with BOM, DD/MM/YYYY dates)."""
    found = ledger_statements.statement(db.session, actor(), structure_id, args["period"])
    return _statement_csv(found, args)


def _statement_csv(found, args) -> Response:
    text = ledger_exports.statement_csv(found.lines, _style(args), _statement_headers())
    return _download(text, f"statement-{found.structure.short_code}-{found.period}.csv")


@bp.get("/ledger/journal")
@bp.arguments(ExportArgsSchema, location="query")
@bp.doc(responses=CSV_RESPONSE)
def journal_csv(args):
    """Every journal line of a month or a year as CSV (`format=fr` for the French spreadsheet style)."""
    found = ledger_statements.journal(db.session, actor(), args["period"])
    text = ledger_exports.journal_csv(found.rows, _style(args), _journal_headers())
    return _download(text, f"journal-{found.period}.csv")


@bp.get("/ledger/paheko")
@bp.arguments(ExportArgsSchema, location="query")
@bp.doc(responses=CSV_RESPONSE)
def paheko_csv(args):
    """The journal of a month or a year in Paheko's "simple" import format (one debit account, one
    credit account and an amount per row; structures' accounts are 411 + their short code, or their
    accounting code)."""
    found = ledger_statements.journal(db.session, actor(), args["period"])
    return _download(ledger_exports.paheko_csv(found.rows), f"paheko-{found.period}.csv")


@bp.get("/ledger/fec")
@bp.arguments(FecArgsSchema, location="query")
@bp.doc(responses={"200": {"description": "The FEC file (art. A47 A-1 LPF).",
                           "content": {"text/plain": {"schema": {"type": "string"}}}}})
def fec(args):
    """The Fichier des Écritures Comptables of a year (or a month): 18 columns, tab separated (or `|`
    with `separator=pipe`), named FECYYYYMMDD.txt after the last day."""
    found = ledger_statements.journal(db.session, actor(), args["period"])
    separator = "|" if args.get("separator") == "pipe" else "\t"
    text = ledger_exports.fec(found.rows, separator=separator)
    name = ledger_exports.fec_file_name(get_settings(db.session).siren, found.last)
    return _download(text, name, "text/plain; charset=utf-8")
