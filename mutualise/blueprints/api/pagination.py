"""Keyset pages over a service's list: items in id order, the cursor names the last id seen."""

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from mutualise.blueprints.api.schemas.fields import INT_MAX
from mutualise.services.errors import ValidationError

_PREFIX = "after:"


def page(items: Sequence[Any], args: dict) -> dict:
    """The page after `args["cursor"]` of at most `args["limit"]` items, and the cursor of the next one.

    Keyed on ids rather than offsets, so rows added or removed meanwhile neither repeat nor vanish.
    """
    after = after_id(args)
    limit = args["limit"]
    rest = sorted((item for item in items if after is None or item.id > after), key=lambda item: item.id)
    chosen = rest[:limit]
    more = len(rest) > len(chosen)
    return {"items": chosen, "next": encode_cursor(chosen[-1].id) if more else None}


def keyset_page(items: Sequence[Any], more: bool) -> dict:
    """A page a service cut itself (after `after_id(args)`, `args["limit"]` items, and whether more
    follow): the same shape as `page`."""
    return {"items": list(items), "next": encode_cursor(items[-1].id) if more and items else None}


def after_id(args: dict) -> int | None:
    """The id the page asked for starts after (None for the first page); 422 for a malformed cursor."""
    return _decode(args.get("cursor"))


def encode_cursor(last_id: int) -> str:
    # hex: opaque enough to say "do not build these", and safe in a URL without escaping
    return f"{_PREFIX}{last_id}".encode().hex()


def _decode(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        raw = bytes.fromhex(cursor).decode()
    except ValueError:  # not hex, or not UTF-8 (UnicodeDecodeError is a ValueError)
        raw = ""
    number = raw.removeprefix(_PREFIX)
    if not raw.startswith(_PREFIX) or not number.isascii() or not number.isdigit() or len(number) > 10 \
            or int(number) > INT_MAX:
        raise ValidationError({"cursor": _l("Not a valid cursor; use the next value of a page.")})
    return int(number)
