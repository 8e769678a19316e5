"""Sites: /sites, /sites/{id}."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.sites import (
    SiteInputSchema,
    SiteListArgsSchema,
    SiteListSchema,
    SitePatchSchema,
    SiteSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import sites
from mutualise.services.sites import SiteInput

bp = ApiBlueprint("api_sites", __name__, description="Premises where resources are kept.")


@bp.get("/sites")
@bp.arguments(SiteListArgsSchema, location="query")
@bp.response(200, SiteListSchema)
def list_sites(args):
    """Active sites; admins see archived ones too."""
    return page(sites.list_sites(db.session, actor(), search=args.get("search"), active=args.get("active")),
                args)


@bp.post("/sites")
@bp.arguments(SiteInputSchema)
@bp.response(201, SiteSchema)
def create_site(data):
    """Add a site (admins)."""
    return sites.create_site(db.session, actor(), utcnow(), SiteInput(**data))


@bp.get(f"/sites/<{ID}:site_id>")
@bp.response(200, SiteSchema)
def get_site(site_id: int):
    return sites.get_site(db.session, actor(), site_id)


@bp.patch(f"/sites/<{ID}:site_id>")
@bp.arguments(SitePatchSchema)
@bp.response(200, SiteSchema)
def update_site(data, site_id: int):
    """Rename, move or archive a site (admins)."""
    return sites.update_site(db.session, actor(), site_id, SiteInput(**data))
