"""Calendar feeds: the URLs people add to Google, Outlook, Apple or Thunderbird (issue 5).

A feed shows a resource's, a structure's, its owner's or the whole network's bookings, "busy" (the resource
and "Busy", nothing about who) or "full" (title, structure and booker where the owner may see them). Its
secret is shown once and only its SHA-256 is kept: 192 random bits need no salt nor slow hash, and the
lookup stays one indexed query. The feed acts with its owner's rights, checked again on every fetch.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, cast, func, or_, select
from sqlalchemy.orm import Session, joinedload

from mutualise.domain.ical_feed import FeedCalendar, FeedEvent
from mutualise.domain.intervals import load_profile, merge
from mutualise.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    FeedDetail,
    FeedScope,
    FeedToken,
    NetworkSettings,
    Resource,
    Site,
    Structure,
    User,
)
from mutualise.models.resource import resource_referents
from mutualise.services import checks, permissions
from mutualise.services.calendar_ids import booking_uid, calendar_host
from mutualise.services.checks import UNSET
from mutualise.services.errors import FieldErrors, NotFound
from mutualise.services.settings import get_settings

SECRET_BYTES = 24  # 192 bits; token_urlsafe writes them as 32 characters
_SECRET_LENGTHS = range(16, 101)  # anything else cannot be one of ours: not worth a query

SCOPES = tuple(s.value for s in FeedScope)
DETAILS = tuple(d.value for d in FeedDetail)
_TARGETED = (FeedScope.RESOURCE.value, FeedScope.STRUCTURE.value)
_ICAL_STATUS = {BookingStatus.PENDING.value: "TENTATIVE", BookingStatus.CONFIRMED.value: "CONFIRMED"}


@dataclass
class FeedInput:
    """A feed to create: `target_id` is the resource or structure of those scopes (None otherwise);
    `name` defaults to what the feed shows."""

    scope: Any = UNSET
    target_id: Any = None
    detail: Any = UNSET
    name: Any = None


@dataclass(frozen=True)
class FeedVersion:
    """What the feed's content depends on, cheaply read: `key` moves whenever a booking in the scope
    changes (and with the day, as the window slides); `last_modified` never goes backwards."""

    key: str
    last_modified: datetime


@dataclass(frozen=True)
class FreeBusy:
    calendar: FeedCalendar
    busy: list[tuple[datetime, datetime]]
    start: datetime
    end: datetime
    uid: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Managing one's feeds

def create_feed(session: Session, actor: User, now: datetime, data: FeedInput) -> tuple[FeedToken, str]:
    """A new feed owned by the actor, and its secret, which is returned here only (never stored).

    Bad scope, detail, name or id: ValidationError; a resource or structure the actor cannot see:
    NotFound (its existence is not revealed)."""
    errors = FieldErrors()
    scope = checks.choice(errors, "scope", data.scope, SCOPES)
    detail = checks.choice(errors, "detail", data.detail, DETAILS)
    name = checks.text(errors, "name", data.name, max_len=FeedToken.NAME_MAX, required=False)
    target_id = data.target_id
    if scope in _TARGETED:
        if target_id is None or target_id == "":
            errors.add("id", _l("This field is required."))
        elif isinstance(target_id, bool) or not isinstance(target_id, int):
            errors.add("id", _l("Must be a whole number."))
    elif scope is not None and target_id is not None:
        errors.add("id", _l("Leave it out: this kind of calendar has no resource or structure."))
    errors.raise_if_any()
    label = _label(session, actor, scope, target_id)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = FeedToken(user=actor, scope=scope, target_id=target_id if scope in _TARGETED else None,
                      detail=detail, name=name or label[:FeedToken.NAME_MAX], token_hash=_hash(secret),
                      created_at=now)
    session.add(token)
    session.flush()
    return token, secret


def _label(session: Session, actor: User, scope: str, target_id: int | None) -> str:
    """What the feed shows, in words (its default name); NotFound when the actor may not see it."""
    if scope == FeedScope.RESOURCE:
        resource = session.get(Resource, target_id) if checks.valid_id(target_id) else None
        if resource is None or not resource.active:
            raise NotFound()
        return resource.name
    if scope == FeedScope.STRUCTURE:
        structure = session.get(Structure, target_id) if checks.valid_id(target_id) else None
        return permissions.visible_structure(actor, structure).name
    return _("My bookings") if scope == FeedScope.USER else _("All bookings")


def list_feeds(session: Session, actor: User) -> list[FeedToken]:
    """The actor's own feeds that still work, oldest first."""
    return list(session.scalars(select(FeedToken).where(
        FeedToken.user_id == actor.id, FeedToken.revoked_at.is_(None)).order_by(FeedToken.id)))


def revoke_feed(session: Session, actor: User, now: datetime, feed_id: int) -> FeedToken:
    """Its owner (or an admin) revokes a feed: its URL answers 404 from now on. NotFound for anyone
    else; revoking twice changes nothing."""
    token = session.get(FeedToken, feed_id) if checks.valid_id(feed_id) else None
    if token is None or (token.user_id != actor.id and not actor.is_admin):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    return token


# Fetching a feed

def resolve_feed(session: Session, secret: str) -> FeedToken:
    """The live feed of this secret, its owner still allowed to see what it shows; NotFound otherwise
    (unknown, revoked, owner deactivated, owner no longer in the structure, resource archived).

    Called on every fetch. The secret is never logged."""
    if not isinstance(secret, str) or len(secret) not in _SECRET_LENGTHS:
        raise NotFound()
    digest = _hash(secret)
    token = session.scalar(select(FeedToken).where(FeedToken.token_hash == digest)
                           .options(joinedload(FeedToken.user)))
    # the index found it by equality; compare again in constant time so no timing tells how close it was
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise NotFound()
    owner = token.user
    if token.revoked_at is not None or not owner.active:
        raise NotFound()
    if token.scope == FeedScope.RESOURCE:
        resource = session.get(Resource, token.target_id)
        if resource is None or not resource.active:
            raise NotFound()
    elif token.scope == FeedScope.STRUCTURE:
        structure = session.get(Structure, token.target_id)
        if structure is None or not permissions.can_see_structure(owner, structure):
            raise NotFound()
    return token


def _in_scope(token: FeedToken):
    """SQL condition: the booking belongs to the feed's scope (any status, any time)."""
    if token.scope == FeedScope.RESOURCE:
        return Booking.resource_id == token.target_id
    if token.scope == FeedScope.STRUCTURE:
        return Booking.structure_id == token.target_id
    if token.scope == FeedScope.USER:
        return Booking.user_id == token.user_id
    return Booking.id.isnot(None)


def _window(now: datetime) -> tuple[datetime, datetime, datetime]:
    """(start, end, cancelled_since), counted from the start of `now`'s UTC day, so that the content
    only moves with the bookings and once a day."""
    config = current_app.config
    day = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    return (day - timedelta(days=config["FEED_PAST_DAYS"]),
            day + timedelta(days=config["FEED_FUTURE_DAYS"]),
            day - timedelta(days=config["FEED_CANCELLED_DAYS"]))


def feed_version(session: Session, token: FeedToken, now: datetime) -> FeedVersion:
    """One aggregate query over the scope's bookings (cancelled ones included; rows are never deleted):
    their count and latest change, with the network's settings, the feed's resource or structure and,
    for full feeds, what the owner may see (memberships, resources they are referent of). Last-Modified is
    that latest change, or the start of the day when later (the window slides daily): it never goes back.

    Names of sites and people shown in the events are not part of it: a rename shows at the next booking
    change in the scope, or the next day."""
    settings = (NetworkSettings.name, NetworkSettings.timezone, NetworkSettings.default_locale)
    columns = [func.count(Booking.id), func.max(Booking.updated_at),
               *(select(column).where(NetworkSettings.id == NetworkSettings.SINGLETON_ID).scalar_subquery()
                 for column in settings)]
    if token.scope == FeedScope.RESOURCE:
        columns += [select(column).where(Resource.id == token.target_id).scalar_subquery()
                    for column in (Resource.name, Resource.colour)]
    elif token.scope == FeedScope.STRUCTURE:
        columns.append(select(Structure.name).where(Structure.id == token.target_id).scalar_subquery())
    owner = token.user
    full = token.detail == FeedDetail.FULL
    if full:  # who sees what decides which titles show: a fingerprint of the owner's referent resources
        referent = cast(resource_referents.c.resource_id, BigInteger)
        columns += [select(aggregate).where(resource_referents.c.user_id == owner.id).scalar_subquery()
                    for aggregate in (func.count(), func.sum(referent), func.sum(referent * referent))]
    row = session.execute(select(*columns).where(_in_scope(token))).one()
    latest = row[1]
    day = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    parts: list[Any] = [token.id, token.detail, day.date(), owner.locale, _window(now),
                        current_app.config["FEED_REFRESH_MINUTES"], *row]
    if full:
        parts += [permissions.is_network_reader(owner),
                  sorted((m.structure_id, m.role) for m in owner.memberships)]
    key = hashlib.sha256(repr(parts).encode()).hexdigest()
    return FeedVersion(key=key, last_modified=max(latest, day) if latest is not None else day)


def _referent_of(session: Session, owner: User) -> set[int]:
    return set(session.scalars(select(resource_referents.c.resource_id)
                               .where(resource_referents.c.user_id == owner.id)))


def _calendar(session: Session, token: FeedToken) -> FeedCalendar:
    """The calendar's name ("Salle Jaurès — Mutualise"), zone, refresh interval and colour, in the owner's
    language (the fetching client sends none we could trust)."""
    settings = get_settings(session)
    colour = None
    if token.scope == FeedScope.RESOURCE:
        resource = session.get(Resource, token.target_id)
        label, colour = resource.name, resource.colour
    elif token.scope == FeedScope.STRUCTURE:
        label = session.get(Structure, token.target_id).name
    else:
        label = _("My bookings") if token.scope == FeedScope.USER else _("All bookings")
    return FeedCalendar(name=f"{label} — {settings.name}", timezone=settings.timezone,
                        refresh_minutes=current_app.config["FEED_REFRESH_MINUTES"],
                        colour=colour)


def _locale(session: Session, token: FeedToken) -> str:
    return token.user.locale or get_settings(session).default_locale


def feed_events(session: Session, token: FeedToken, now: datetime) -> tuple[FeedCalendar, list[FeedEvent]]:
    """The calendar and its events: the scope's bookings from FEED_PAST_DAYS back to FEED_FUTURE_DAYS ahead,
    pending as TENTATIVE, confirmed as CONFIRMED, cancelled or rejected ones as CANCELLED for
    FEED_CANCELLED_DAYS after the decision. Plain rows, not ORM objects: a feed may hold 10,000 events."""
    start, end, cancelled_since = _window(now)
    owner = token.user
    full = token.detail == FeedDetail.FULL
    referent_of = _referent_of(session, owner) if full else set()
    decided_at = func.coalesce(Booking.cancelled_at, Booking.decided_at, Booking.updated_at)
    rows = session.execute(
        select(Booking.id, Booking.resource_id, Booking.structure_id, Booking.user_id, Booking.title,
               Booking.status, Booking.sequence, Booking.start_at, Booking.end_at, Booking.created_at,
               Booking.updated_at, Resource.name.label("resource_name"), Site.name.label("site_name"),
               Site.address.label("site_address"), Structure.name.label("structure_name"),
               User.name.label("user_name"))
        .join(Resource, Resource.id == Booking.resource_id)
        .outerjoin(Site, Site.id == Resource.site_id)
        .join(Structure, Structure.id == Booking.structure_id)
        .join(User, User.id == Booking.user_id)
        .where(_in_scope(token), Booking.end_at > start, Booking.start_at < end,
               or_(Booking.status.in_(ACTIVE_STATUSES),
                   and_(Booking.status.notin_(ACTIVE_STATUSES), decided_at >= cancelled_since)))
        .order_by(Booking.start_at, Booking.id))
    host = calendar_host()
    sees: dict[tuple[int, int, bool], bool] = {}  # many rows share a (structure, booker, referent)
    events = []
    with force_locale(_locale(session, token)):
        calendar = _calendar(session, token)
        busy_word = _("Busy")
        for row in rows:
            key = (row.structure_id, row.user_id, row.resource_id in referent_of)
            if full and key not in sees:
                sees[key] = permissions.sees_booking(owner, *key)
            where = (row.resource_name, row.site_name, row.site_address)
            location = ", ".join(part for part in where if part)
            if full and sees[key]:
                summary = row.title
                description = "\n".join((_("Structure: %(name)s", name=row.structure_name),
                                         _("Booked by: %(name)s", name=row.user_name)))
            else:
                summary, description = f"{row.resource_name} — {busy_word}", None
            events.append(FeedEvent(
                uid=booking_uid(row.id, host), start=row.start_at, end=row.end_at, summary=summary,
                status=_ICAL_STATUS.get(row.status, "CANCELLED"), sequence=row.sequence,
                created=row.created_at, last_modified=row.updated_at, location=location,
                description=description))
    return calendar, events


def feed_freebusy(session: Session, token: FeedToken, now: datetime) -> FreeBusy:
    """A resource feed's free/busy view over the window: busy where every unit is taken (bookings pending
    or confirmed) or the resource is closed. NotFound for the other scopes."""
    if token.scope != FeedScope.RESOURCE:
        raise NotFound()
    start, end, _cancelled_since = _window(now)
    resource = session.get(Resource, token.target_id)
    loads = [(row.start_at, row.end_at, row.quantity) for row in session.execute(
        select(Booking.start_at, Booking.end_at, Booking.quantity).where(
            Booking.resource_id == resource.id, Booking.status.in_(ACTIVE_STATUSES),
            Booking.end_at > start, Booking.start_at < end))]
    closures = session.execute(select(Closure.start_at, Closure.end_at).where(
        or_(Closure.resource_id == resource.id, Closure.resource_id.is_(None)),
        Closure.start_at < end, Closure.end_at > start))
    loads += [(row.start_at, row.end_at, resource.quantity) for row in closures]
    busy = merge((s, e) for s, e, total in load_profile(loads, start, end) if total >= resource.quantity)
    with force_locale(_locale(session, token)):
        calendar = _calendar(session, token)
    return FreeBusy(calendar=calendar, busy=busy, start=start, end=end,
                    uid=f"freebusy-resource-{resource.id}@{calendar_host()}")
