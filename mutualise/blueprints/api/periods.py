"""Monthly ledger periods: /periods, /periods/{YYYY-MM}, closing (treasurers) and reopening (admins)."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.periods import (
    PeriodListArgsSchema,
    PeriodListSchema,
    PeriodSchema,
    ReopenInputSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import periods

bp = ApiBlueprint("api_periods", __name__, description="Monthly ledger periods: closing and reopening.")


@bp.get("/periods")
@bp.arguments(PeriodListArgsSchema, location="query")
@bp.response(200, PeriodListSchema)
def list_periods(args):
    """The periods written into so far, with their closings and reopenings (treasurers, auditors,
    admins)."""
    return page(periods.list_periods(db.session, actor()), args)


@bp.get("/periods/<month>")
@bp.response(200, PeriodSchema)
def get_period(month: str):
    """One month ("YYYY-MM"); a month nothing was written into yet is open, without events."""
    return periods.get_period(db.session, actor(), month)


@bp.post("/periods/<month>/close")
@bp.response(200, PeriodSchema)
def close_period(month: str):
    """Close a month that is over (treasurers): the usage of bookings ended in it is priced first, then
    nothing more can be written into it (409 `period_closed`)."""
    return periods.close_period(db.session, actor(), utcnow(), month)


@bp.post("/periods/<month>/reopen")
@bp.arguments(ReopenInputSchema)
@bp.response(200, PeriodSchema)
def reopen_period(data, month: str):
    """Reopen a closed period (admins), with the reason, which is recorded."""
    return periods.reopen_period(db.session, actor(), utcnow(), month, data["reason"])
