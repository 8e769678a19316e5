"""Command-line tasks: `flask --app mutualise <command>`. Each command is one transaction."""

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from mutualise.clock import utcnow
from mutualise.extensions import db
from mutualise.services import accounts, users
from mutualise.services.errors import MutualiseError


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(token)
    app.cli.add_command(demo)
    app.cli.add_command(serve)
    app.cli.add_command(tick)
    app.cli.add_command(booking)


def _fail(error: MutualiseError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {str(v).rstrip('.')}" for k, v in getattr(error, "fields", {}).items())
    raise click.ClickException(f"{error.message}{' (' + details + ')' if details else ''}")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (defaults to the part of the e-mail before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked interactively when absent.")
@with_appcontext
def create_admin(email: str, name: str | None, password: str) -> None:
    """Create a network administrator."""
    try:
        user = users.create_user(db.session, None, utcnow(), users.UserInput(
            email=email, name=name or email.split("@")[0], password=password, roles=["admin"]))
    except MutualiseError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="A label to recognise the token by.")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Create an API token for EMAIL and print its secret (shown only this once)."""
    from sqlalchemy import select

    from mutualise.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No person with the e-mail address {email}.")
    try:
        _, secret = accounts.create_api_token(db.session, user, utcnow(), name)
    except MutualiseError as error:
        _fail(error)
    db.session.commit()
    click.echo(secret)


@click.command()
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no structure yet.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo network (structures of the Lille area, sites, resources, people)."""
    from mutualise.demo import DEMO_PASSWORD, load_demo, network_is_empty
    from mutualise.services.locks import begin_writing

    begin_writing(db.session)  # the demo books through the booking service, which writes under lock
    if if_empty and not network_is_empty(db.session):
        click.echo("The database already holds data: demo not loaded.")
        return
    try:
        people = load_demo(db.session, utcnow())
    except MutualiseError as error:  # e.g. a demo name already taken in a database that is not empty
        _fail(error)
    db.session.commit()
    click.echo(f"Demo network loaded. Demo password for everyone (demo only!): {DEMO_PASSWORD}")
    for email, role in people:
        click.echo(f"  {email:<40} {role}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Start the development server and print where to go and how to sign in."""
    from mutualise.demo import DEMO_LOGINS, DEMO_PASSWORD
    from mutualise.log_redaction import RedactFeedSecrets

    app = current_app._get_current_object()
    click.echo("")
    click.echo(f"  Mutualise runs at http://{host}:{port}/")
    click.echo(f"  Demo logins (password {DEMO_PASSWORD}, demo only):")
    for email, role in DEMO_LOGINS:
        click.echo(f"    {email:<40} {role}")
    click.echo("")
    logging.getLogger("werkzeug").addFilter(RedactFeedSecrets())
    # Flask ignores app.run() inside a `flask` command, so serve with Werkzeug directly.
    run_simple(host, port, app, use_reloader=False, threaded=True)


@click.command()
@with_appcontext
def tick() -> None:
    """Periodic work, safe to run as often as wanted (cron, systemd timer): marks vehicle no-shows,
    generates next year's public-holiday closures when the network asks for them, prices the usage of
    ended bookings, mails the reminders of the bookings about to start (each once) and sends again the
    mail kept when the mail server could not be reached."""
    from mutualise.mail import deliver_pending
    from mutualise.services.booking_actions import mark_no_shows
    from mutualise.services.booking_mail import send_reminders
    from mutualise.services.closures import generate_holidays
    from mutualise.services.locks import begin_writing
    from mutualise.services.settings import get_settings
    from mutualise.services.usage_pricing import price_ended_bookings

    now = utcnow()
    begin_writing(db.session)
    no_shows = mark_no_shows(db.session, now)
    holidays = generate_holidays(db.session, now, get_settings(db.session), [now.year, now.year + 1],
                                 missing_years_only=True)
    try:
        priced = price_ended_bookings(db.session, now)
    except MutualiseError as error:  # e.g. today's period closed: nothing of this run is kept
        _fail(error)
    reminders = send_reminders(db.session, now)
    db.session.commit()
    # then the mail kept after a failed sending, in a transaction of its own
    begin_writing(db.session)
    resent, waiting = deliver_pending(db.session, now)
    db.session.commit()
    click.echo(f"{no_shows} no-show(s) marked, {holidays} holiday closure(s) created, "
               f"{priced} ended booking(s) priced, {reminders} reminder(s) sent. "
               f"{resent} kept mail(s) sent, {waiting} waiting.")


@click.group()
def booking() -> None:
    """Bookings."""


@booking.command("create")
@click.argument("email")
@click.option("--resource", "resource_id", type=int, required=True, help="Resource id.")
@click.option("--structure", "structure_id", type=int, required=True, help="Structure id.")
@click.option("--start", required=True,
              help="Start, e.g. 2026-03-10T10:00 (network time zone) or with an offset.")
@click.option("--end", required=True, help="End, same format.")
@click.option("--title", default=None)
@click.option("--quantity", type=int, default=1, show_default=True)
@click.option("--rrule", default=None, help="Repeat, e.g. FREQ=WEEKLY;COUNT=10.")
@click.option("--skip-conflicts", is_flag=True, help="Leave out the dates that cannot be booked.")
@with_appcontext
def booking_create(email, resource_id, structure_id, start, end, title, quantity, rrule, skip_conflicts):
    """Book a resource as EMAIL, through the same checks as the web and the API."""
    from datetime import datetime

    from sqlalchemy import select

    from mutualise.models import User
    from mutualise.services.bookings import BookingInput, create_booking
    from mutualise.services.locks import begin_writing
    from mutualise.services.settings import network_zone

    begin_writing(db.session)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No person with the e-mail address {email}.")
    zone = network_zone(db.session)

    def moment(value: str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"not a date and time: {value}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

    try:
        result = create_booking(db.session, user, utcnow(), BookingInput(
            resource_id=resource_id, structure_id=structure_id, start=moment(start), end=moment(end),
            title=title, quantity=quantity, rrule=rrule, on_conflict="skip" if skip_conflicts else "fail"))
    except MutualiseError as error:
        _fail(error)
    db.session.commit()
    for made in result.bookings:
        click.echo(f"booking {made.id}: {made.start_at.astimezone(zone):%Y-%m-%d %H:%M}–"
                   f"{made.end_at.astimezone(zone):%H:%M} {made.status}")
    for skipped in result.skipped:
        click.echo(f"skipped {skipped['start'].astimezone(zone):%Y-%m-%d %H:%M}: {skipped['message']}")
