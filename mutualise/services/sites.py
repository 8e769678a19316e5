"""Use cases for sites: the premises where resources are kept."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mutualise.models import Site, User
from mutualise.services import checks, permissions
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound


@dataclass
class SiteInput:
    """Fields to create or change; UNSET ones are left as they are."""

    name: Any = UNSET
    address: Any = UNSET
    active: Any = UNSET


def list_sites(session: Session, actor: User, *, search: str | None = None,
               active: bool | None = None) -> list[Site]:
    """Sites by name. Everyone signed in sees the active ones; admins see archived ones too."""
    query = select(Site).order_by(Site.name_key, Site.id)
    if not actor.is_admin:
        query = query.where(Site.active.is_(True))
    if active is not None:
        query = query.where(Site.active.is_(active))
    if search and search.strip():
        pattern = f"%{checks.name_key(search)}%"
        query = query.where(or_(Site.name_key.like(pattern), Site.address.ilike(f"%{search.strip()}%")))
    return list(session.scalars(query))


def get_site(session: Session, actor: User, site_id: int) -> Site:
    """One site; an archived site is hidden (404) from everyone but admins."""
    site = session.get(Site, site_id)
    if site is None or not permissions.visible_to(actor, site.active):
        raise NotFound()
    return site


def create_site(session: Session, actor: User, now: datetime, data: SiteInput) -> Site:
    """An admin adds a site; its name is unique whatever the case."""
    permissions.require_admin(actor)
    if not checks.given(data.name):
        data.name = None  # required on creation
    site = Site(created_at=now, active=True)
    _apply(session, site, data)
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, actor: User, site_id: int, data: SiteInput) -> Site:
    """An admin renames, moves, archives or restores a site."""
    site = get_site(session, actor, site_id)
    permissions.require_admin(actor)
    _apply(session, site, data)
    session.flush()
    return site


def _apply(session: Session, site: Site, data: SiteInput) -> None:
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if checks.given(data.name):
        values["name"] = checks.text(errors, "name", data.name, max_len=Site.NAME_MAX)
        if values["name"] and _name_taken(session, checks.name_key(values["name"]), site):
            errors.add("name", _l("A site with this name already exists."))
    if checks.given(data.address):
        values["address"] = checks.text(errors, "address", data.address, max_len=Site.ADDRESS_MAX,
                                        required=False)
    if checks.given(data.active):
        values["active"] = checks.boolean(errors, "active", data.active)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(site, name, value)
    if "name" in values:
        site.name_key = checks.name_key(values["name"])


def _name_taken(session: Session, key: str, current: Site) -> bool:
    query = select(Site.id).where(Site.name_key == key)
    if current.id is not None:
        query = query.where(Site.id != current.id)
    return session.scalar(query) is not None
