"""Calendar feeds: /feeds, /feeds/{id}. Each person manages their own; the URL is shown once, at creation."""

from mutualise.blueprints.api.auth import actor
from mutualise.blueprints.api.blueprint import ID, ApiBlueprint
from mutualise.blueprints.api.pagination import page
from mutualise.blueprints.api.schemas.feeds import (
    FeedCreatedSchema,
    FeedInputSchema,
    FeedListArgsSchema,
    FeedListSchema,
)
from mutualise.blueprints.feeds import feed_urls
from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import feeds
from mutualise.services.feeds import FeedInput

bp = ApiBlueprint("api_feeds", __name__, description="Calendar feeds to subscribe to by URL.")


@bp.get("/feeds")
@bp.arguments(FeedListArgsSchema, location="query")
@bp.response(200, FeedListSchema)
def list_feeds(args):
    """The caller's feeds that still work. Their URLs are not listed: they were shown once."""
    return page(feeds.list_feeds(db.session, actor()), args)


@bp.post("/feeds")
@bp.arguments(FeedInputSchema)
@bp.response(201, FeedCreatedSchema)
def create_feed(data):
    """A new feed. Its `url` and `webcal_url` are in this answer only: keep them."""
    token, secret = feeds.create_feed(db.session, actor(), utcnow(), FeedInput(
        scope=data.get("scope"), target_id=data.get("id"), detail=data.get("detail"), name=data.get("name")))
    url, webcal_url = feed_urls(secret)
    body = {"id": token.id, "scope": token.scope, "target_id": token.target_id, "detail": token.detail,
            "name": token.name, "created_at": token.created_at, "url": url, "webcal_url": webcal_url}
    return body, {"Cache-Control": "no-store"}  # the secret is in it: no cache may keep it


@bp.delete(f"/feeds/<{ID}:feed_id>")
@bp.response(204)
def revoke_feed(feed_id: int):
    """Revoke a feed (its owner, or an admin): its URL answers 404 at once."""
    feeds.revoke_feed(db.session, actor(), utcnow(), feed_id)
