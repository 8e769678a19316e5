"""The calendar feeds themselves (GET /feeds/<secret>.ics, its free/busy view) and the subscribers' help.

Calendar clients poll these URLs for ever, most of them for nothing new: an unchanged feed is answered
from a cache keyed by the feed's version (one aggregate query) without rendering, and conditional
requests get a 304. The secret is in the path: it never goes into a log line of ours, and the pages
send no Referer.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.http import http_date

from mutualise.clock import utcnow
from mutualise.domain.ical_feed import render_feed, render_freebusy
from mutualise.extensions import db, limiter
from mutualise.services import feeds
from mutualise.services.errors import NotFound

bp = Blueprint("feeds", __name__)
log = logging.getLogger(__name__)  # feed ids only: a secret is never written

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_ENTRIES = 256
CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: datetime
    filename: str
    max_age: int


class FeedCache:
    """Rendered feeds by (feed id, version, kind), least recently used first out, bounded in entries and
    bytes. Per process: each worker warms its own, and a new version simply misses."""

    def __init__(self, max_entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[tuple, RenderedFeed] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> RenderedFeed | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, feed: RenderedFeed) -> None:
        if len(feed.body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = feed
            self._bytes += len(feed.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


def feed_cache() -> FeedCache:
    """This app's cache (one per app, so two apps in one process never share rendered feeds)."""
    cache = current_app.extensions.get("mutualise_feed_cache")
    if cache is None:
        cache = current_app.extensions["mutualise_feed_cache"] = FeedCache()
    return cache


def feed_urls(secret: str) -> tuple[str, str]:
    """The https (or http, as BASE_URL says) link of a feed and its webcal:// twin."""
    path = url_for("feeds.feed", secret=secret).removeprefix(request.script_root)
    url = current_app.config["BASE_URL"].rstrip("/") + path
    return url, "webcal://" + url.partition("://")[2]


def _feed_limit() -> str:
    return current_app.config["FEED_RATE_LIMIT"]


@bp.get("/feeds/<secret>.ics")
@limiter.limit(_feed_limit)
def feed(secret: str):
    return _serve(secret, "events")


@bp.get("/feeds/<secret>/freebusy.ics")
@limiter.limit(_feed_limit)
def freebusy(secret: str):
    return _serve(secret, "freebusy")


@bp.get("/help/calendars")
def help_page():
    minutes = current_app.config["FEED_REFRESH_MINUTES"]
    refresh_hours = max(1, round(minutes / 60))
    return render_template("feeds/help.html", refresh_hours=refresh_hours)


def _serve(secret: str, kind: str) -> Response:
    now = utcnow()
    try:
        token = feeds.resolve_feed(db.session, secret)
        version = feeds.feed_version(db.session, token, now)
        key = (token.id, version.key, kind)
        cache = feed_cache()
        rendered = cache.get(key)
        if rendered is None:
            rendered = _render(token, version, now, kind)
            cache.put(key, rendered)
    except NotFound:
        log.info("calendar feed refused: unknown or revoked link, or its owner lost access")
        return _not_found()
    headers = {"ETag": f'"{rendered.etag}"', "Last-Modified": http_date(rendered.last_modified),
               "Cache-Control": f"private, max-age={rendered.max_age}", "Referrer-Policy": "no-referrer"}
    if _not_modified(rendered):
        log.debug("calendar feed %d (%s): not modified", token.id, kind)
        return Response(status=304, headers=headers)
    log.debug("calendar feed %d (%s): %d bytes", token.id, kind, len(rendered.body))
    headers["Content-Disposition"] = f'inline; filename="{rendered.filename}"'
    return Response(rendered.body, status=200, headers=headers, content_type=CONTENT_TYPE)


def _render(token, version: feeds.FeedVersion, now: datetime, kind: str) -> RenderedFeed:
    """Render once per version. DTSTAMP is the version's Last-Modified, so the same version always
    gives the same bytes and the strong ETag (their hash) holds across fetches and workers."""
    stamp = version.last_modified
    if kind == "freebusy":
        view = feeds.feed_freebusy(db.session, token, now)
        calendar = view.calendar
        body = render_freebusy(calendar, view.busy, view.start, view.end, stamp, view.uid)
        suffix = "-freebusy"
    else:
        calendar, events = feeds.feed_events(db.session, token, now)
        body = render_feed(calendar, events, stamp)
        suffix = ""
    return RenderedFeed(body=body, etag=hashlib.sha256(body).hexdigest()[:40], last_modified=stamp,
                        filename=f"{_slug(calendar.name)}{suffix}.ics", max_age=calendar.refresh_minutes * 60)


def _not_modified(rendered: RenderedFeed) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only otherwise."""
    if "If-None-Match" in request.headers:
        return request.if_none_match.contains_weak(rendered.etag)
    since = request.if_modified_since
    return since is not None and rendered.last_modified.replace(microsecond=0) <= since


def _not_found() -> Response:
    return Response(_("This calendar link does not exist, or it was revoked.") + "\n", status=404,
                    content_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(name: str) -> str:
    """"Salle Jaurès — Mutualise" -> "salle-jaures-mutualise": a file name every client accepts."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _NOT_SLUG.sub("-", plain).strip("-")[:60].strip("-") or "calendar"
