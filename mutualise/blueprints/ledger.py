"""The treasurer's ledger pages: the period dashboard with the cost split, balances and settlement; a
structure's printable statement; the downloads (statement CSV, journal CSV, Paheko CSV, FEC).

Everything shown comes from services/ledger_reports and services/ledger_statements; the views only lay
it out (the chart's bar widths are the one thing computed here, and not money).
"""

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mutualise.blueprints.ledger_text import category_label, explain_allocation
from mutualise.clock import utcnow
from mutualise.domain import ledger_exports
from mutualise.domain.accounts import CHARGE_CATEGORIES, USAGE_CATEGORY, month_of, parse_month, previous_month
from mutualise.extensions import db
from mutualise.models import MembershipRole, User
from mutualise.services import charges as charge_service
from mutualise.services import ledger_reports, ledger_statements, permissions
from mutualise.services import periods as period_service
from mutualise.services.settings import network_zone
from mutualise.web import network_settings

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

CSV_TYPE = "text/csv; charset=utf-8"
KNOWN_CATEGORIES = (*CHARGE_CATEGORIES, USAGE_CATEGORY)


def _actor() -> User:
    return current_user._get_current_object()


@bp.app_context_processor
def _navigation() -> dict:
    """The layout's "Ledger" link: the dashboard for ledger readers, the statements for managers."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"ledger_link": None}
    if "ledger_link" not in g:
        actor = _actor()
        if permissions.can_read_ledger(actor):
            g.ledger_link = url_for("ledger.dashboard_now")
        elif permissions.structure_ids_of(actor, MembershipRole.MANAGER):
            g.ledger_link = url_for("ledger.my_statements")
        else:
            g.ledger_link = None
    return {"ledger_link": g.ledger_link}


@bp.context_processor
def _helpers() -> dict:
    return {"category_label": category_label}


def _current_month() -> str:
    return month_of(utcnow().astimezone(network_zone(db.session)).date())


def _checked_month(month: str) -> tuple[date, date]:
    """The month's first and last day; a URL naming no month is a page that does not exist."""
    bounds = parse_month(month)
    if bounds is None:
        abort(404)
    return bounds


def _month_nav(month: str) -> dict:
    first, last = _checked_month(month)
    return {"month": month, "month_title": format_date(first, "MMMM yyyy"),
            "previous_month": previous_month(month), "next_month": month_of(last + timedelta(days=1)),
            "this_month": _current_month()}


# The dashboard

@bp.get("/")
@login_required
def dashboard_now():
    """This month's dashboard; the month picker's choice (?month=YYYY-MM) redirects to that month."""
    picked = request.args.get("month", "")
    if parse_month(picked) is not None:
        return redirect(url_for("ledger.dashboard", month=picked))
    return dashboard(_current_month())


@bp.get("/<month>")
@login_required
def dashboard(month: str):
    actor = _actor()
    nav = _month_nav(month)
    split, settlement = ledger_reports.month_overview(db.session, actor, month)
    period = period_service.get_period(db.session, actor, month)
    closed_by = period.closed_by if period is not None else None
    charges = charge_service.list_charges(db.session, actor, month, with_allocations=False)
    reversed_ids = charge_service.reversed_ids(db.session, [c.id for c in charges])
    return render_template("ledger/dashboard.html", **nav, split=split, chart=_chart(split),
                           settlement=settlement, period=period, closed_by=closed_by, charges=charges,
                           reversed_ids=reversed_ids, writes=actor.is_treasurer)


def _category_class(category: str) -> str:
    return f"cat-{category}" if category in KNOWN_CATEGORIES else "cat-extra"


def _percent(part: int, whole: int) -> str:
    """part / whole as a CSS percentage with two decimals, in integer arithmetic."""
    hundredths = part * 10_000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _chart(split: ledger_reports.CostSplit) -> dict:
    """Horizontal stacked bars, one per structure: each category's share of the largest bar. Refunds
    (negative cells) are left out of the bars; the table beside the chart has every figure."""
    widest = max((sum(c for c in row.cells.values() if c > 0) for row in split.rows), default=0)
    bars = []
    for row in split.rows:
        segments = [{"category": category, "css": _category_class(category), "cents": cents,
                     "width": _percent(cents, widest)}
                    for category, cents in row.cells.items() if cents > 0 and widest]
        bars.append({"structure": row.structure, "total_cents": row.total_cents, "segments": segments})
    legend = [{"category": c, "css": _category_class(c)} for c in split.categories]
    return {"bars": bars, "legend": legend, "empty": widest == 0}


# Statements

@bp.get("/statements/")
@login_required
def my_statements():
    """The nav's entry point for structure managers: the statement of their (first) structure."""
    actor = _actor()
    managed = sorted(permissions.structure_ids_of(actor, MembershipRole.MANAGER))
    if permissions.can_read_ledger(actor) or not managed:
        return redirect(url_for("ledger.dashboard_now"))
    return redirect(url_for("ledger.statement", structure_id=managed[0], month=_current_month()))


@bp.get("/statements/<int:structure_id>")
@login_required
def statement_now(structure_id: int):
    return redirect(url_for("ledger.statement", structure_id=structure_id, month=_current_month()))


@bp.get("/statements/<int:structure_id>/<month>")
@login_required
def statement(structure_id: int, month: str):
    actor = _actor()
    nav = _month_nav(month)
    found = ledger_statements.statement(db.session, actor, structure_id, month)
    managed = sorted(permissions.structure_ids_of(actor, MembershipRole.MANAGER))
    # a month's lines fall on thirty days at most: each day is written once, not once per line
    days = {day: format_date(day, "short") for day in {line.date for line in found.lines}}
    return render_template("ledger/statement.html", **nav, statement=found, days=days,
                           explanations=_explanations(found),
                           is_reader=permissions.can_read_ledger(actor),
                           other_structures=[m.structure for m in actor.memberships
                                             if m.structure_id in managed and m.structure_id != structure_id])


def _explanations(found: ledger_statements.Statement) -> dict[int, str]:
    """Line index -> why the structure pays its share of that charge. The share line is the one whose
    net amount is the structure's allocation (a structure that paid the charge has a second line,
    crediting it the whole amount)."""
    charge_ids = {line.charge_id for line in found.lines if line.charge_id is not None}
    allocations = charge_service.allocations_of(db.session, found.structure.id, charge_ids)
    explained: dict[int, str] = {}
    for index, line in enumerate(found.lines):
        if line.charge_id not in allocations:
            continue
        charge, mine = allocations[line.charge_id]
        if line.debit_cents - line.credit_cents == mine.amount_cents:
            explained[index] = explain_allocation(charge.label, charge.amount_cents, mine.amount_cents,
                                                  mine.rounding_cents, mine.basis)
            del allocations[line.charge_id]
    return explained


# Downloads

def _download(text: str, name: str, mimetype: str = CSV_TYPE) -> Response:
    response = Response(text.encode("utf-8"), content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _style() -> ledger_exports.CsvStyle:
    return ledger_exports.FRENCH if request.args.get("style") == "fr" else ledger_exports.PLAIN


@bp.get("/statements/<int:structure_id>/<month>.csv")
@login_required
def statement_csv(structure_id: int, month: str):
    _checked_month(month)
    found = ledger_statements.statement(db.session, _actor(), structure_id, month)
    headers = [_("Entry"), _("Date"), _("Kind"), _("Label"), _("Line"), _("Category"), _("Debit"),
               _("Credit"), _("Balance")]
    text = ledger_exports.statement_csv(found.lines, _style(), headers)
    return _download(text, f"statement-{found.structure.short_code}-{month}.csv")


@bp.get("/<month>/journal.csv")
@login_required
def journal_csv(month: str):
    _checked_month(month)
    found = ledger_statements.journal(db.session, _actor(), month)
    headers = [_("Entry"), _("Date"), _("Kind"), _("Label"), _("Account"), _("Structure"),
               _("Structure name"), _("Line"), _("Category"), _("Debit"), _("Credit"), _("Reference")]
    return _download(ledger_exports.journal_csv(found.rows, _style(), headers), f"journal-{month}.csv")


@bp.get("/<month>/paheko.csv")
@login_required
def paheko_csv(month: str):
    _checked_month(month)
    found = ledger_statements.journal(db.session, _actor(), month)
    return _download(ledger_exports.paheko_csv(found.rows), f"paheko-{month}.csv")


@bp.get("/<month>/fec.txt")
@login_required
def fec(month: str):
    _checked_month(month)
    found = ledger_statements.journal(db.session, _actor(), month)
    name = ledger_exports.fec_file_name(network_settings().siren, found.last)
    return _download(ledger_exports.fec(found.rows), name, "text/plain; charset=utf-8")
