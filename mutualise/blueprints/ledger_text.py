"""The ledger in words, in the reader's language: charge categories and why a structure pays what it pays.

An allocation keeps the figures that explain it (per part: the key, its method, the structure's weight
and the total); the sentence is written here when it is read, e.g.
"Loyer mars : 1 200,00 € × 37 h / 120 h = 370,00 € (+0,01 € d'arrondi)".
"""

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mutualise.domain.allocation import BASIS_POINTS
from mutualise.web import money

CATEGORY_LABELS = {
    "rent": _l("Rent"),
    "insurance": _l("Insurance"),
    "maintenance": _l("Maintenance"),
    "fuel": _l("Fuel"),
    "cleaning": _l("Cleaning"),
    "energy": _l("Energy"),
    "supplies": _l("Supplies"),
    "services": _l("Services"),
    "other": _l("Other"),
    "usage": _l("Usage"),
}

METHOD_LABELS = {
    "equal": _l("Equal shares"),
    "weights": _l("Weights"),
    "percent": _l("Percentages"),
    "usage_hours": _l("Hours used"),
    "usage_km": _l("Kilometres driven"),
}


def category_label(category: str | None) -> str:
    label = CATEGORY_LABELS.get(category or "")
    return str(label) if label is not None else (category or "")


def _number(value: int, scale: int = 1) -> str:
    """An integer count of 1/scale units in the reader's notation, without a float: 45500/1000 -> 45,5."""
    return format_decimal(Decimal(value) / scale)


def ratio_text(method: str, weight: int, total: int) -> str:
    """The structure's part of one key: "1/3", "37 h / 120 h", "25 %", "45,5 / 320"."""
    if method == "equal":
        return f"{weight}/{total}"
    if method == "percent":
        return _("%(percent)s %%", percent=_number(weight, BASIS_POINTS // 100))
    if method == "usage_hours":
        return _("%(hours)s h / %(total)s h", hours=_number(round(Decimal(weight) / 60, 2)),
                 total=_number(round(Decimal(total) / 60, 2)))
    if method == "usage_km":
        return _("%(km)s km / %(total)s km", km=_number(weight), total=_number(total))
    return f"{_number(weight, 1000)} / {_number(total, 1000)}"


def explain_allocation(label: str, amount_cents: int, allocation_cents: int, rounding_cents: int,
                       basis: list[dict]) -> str:
    """Why a structure pays `allocation_cents` of a charge of `amount_cents`."""
    terms = []
    for part in basis:
        ratio = ratio_text(part["method"], part["weight"], part["total"])
        if part["share_bp"] == BASIS_POINTS:
            terms.append(f"{money(amount_cents)} × {ratio}")
        else:
            share = _("%(percent)s %%", percent=_number(part["share_bp"], BASIS_POINTS // 100))
            terms.append(f"{share} × {money(amount_cents)} × {ratio}")
    calculation = _("%(terms)s = %(result)s", terms=" + ".join(terms),
                    result=money(allocation_cents - rounding_cents))
    if rounding_cents:
        sign = "+" if rounding_cents > 0 else "−"
        calculation = _("%(calculation)s (%(sign)s%(amount)s rounding)", calculation=calculation, sign=sign,
                        amount=money(abs(rounding_cents)))
    return _("%(label)s: %(calculation)s", label=label, calculation=calculation)
