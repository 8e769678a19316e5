"""Resources: /resources, /resources/{id}."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.bookings import AvailabilityArgsSchema, AvailabilitySchema
from mutualise.blueprints.api.schemas.resources import (
    ResourceInputSchema,
    ResourceListArgsSchema,
    ResourceListSchema,
    ResourcePatchSchema,
    ResourceSchema,
)
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import availability, resources
from mutualise.services.resources import ResourceInput

bp = ApiBlueprint("api_resources", __name__, description="Rooms, vehicles and equipment.")


@bp.get("/resources")
@bp.arguments(ResourceListArgsSchema, location="query")
@bp.response(200, ResourceListSchema)
def list_resources(args):
    """Active resources (admins also see archived ones); filters: kind, site_id, active, search,
    min_capacity, attribute."""
    found = resources.list_resources(
        db.session, actor(), kind=args.get("kind"), site_id=args.get("site_id"), active=args.get("active"),
        search=args.get("search"), min_capacity=args.get("min_capacity"), attribute=args.get("attribute"))
    return page(found, args)


@bp.post("/resources")
@bp.arguments(ResourceInputSchema)
@bp.response(201, ResourceSchema)
def create_resource(data):
    """Add a resource (admins): `kind` and `name` are needed; by default it is bookable by steps of 15
    minutes, always open and free."""
    return resources.create_resource(db.session, actor(), utcnow(), ResourceInput(**data))


@bp.get(f"/resources/<{ID}:resource_id>")
@bp.response(200, ResourceSchema)
def get_resource(resource_id: int):
    return resources.get_resource(db.session, actor(), resource_id)


@bp.patch(f"/resources/<{ID}:resource_id>")
@bp.arguments(ResourcePatchSchema)
@bp.response(200, ResourceSchema)
def update_resource(data, resource_id: int):
    """Change a resource, its rules, tariff or referents, or archive it (`active: false`)."""
    return resources.update_resource(db.session, actor(), resource_id, ResourceInput(**data))


@bp.get(f"/resources/<{ID}:resource_id>/availability")
@bp.arguments(AvailabilityArgsSchema, location="query")
@bp.response(200, AvailabilitySchema)
def resource_availability(args, resource_id: int):
    """When the resource is taken (`busy`, with the units taken) and when at least one unit is free
    (`free`) over [start, end), at most 62 days; others' titles and structures are never shown."""
    return availability.availability(db.session, actor(), resource_id, args["start"], args["end"])
