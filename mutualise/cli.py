"""Command-line tasks: `flask --app mutualise <command>`. Each command is one transaction."""

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

    app = current_app._get_current_object()
    click.echo("")
    click.echo(f"  Mutualise runs at http://{host}:{port}/")
    click.echo(f"  Demo logins (password {DEMO_PASSWORD}, demo only):")
    for email, role in DEMO_LOGINS:
        click.echo(f"    {email:<40} {role}")
    click.echo("")
    # Flask ignores app.run() inside a `flask` command, so serve with Werkzeug directly.
    run_simple(host, port, app, use_reloader=False, threaded=True)
