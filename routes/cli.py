"""Command-line tools: staff accounts, API tokens, demo data and the outbox."""

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import exc as sa_exc

from models import db
from services import accounts, demo, outbox
from services.errors import ServiceError

users = AppGroup("users", help="Staff accounts and API tokens.")
F = TypeVar("F", bound=Callable[..., Any])


def cli_errors(command: F) -> F:
    """A service's refusal becomes the command's one-line error (nothing is kept); a missing schema
    says "run db upgrade" rather than printing a traceback."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        except (sa_exc.OperationalError, sa_exc.ProgrammingError) as exc:
            raise click.ClickException(
                f"The database is not ready ({type(exc.orig).__name__}); run `flask --app app db upgrade` first."
            ) from None

    return wrapped  # type: ignore[return-value]


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", type=click.Choice(["admin", "clerk", "viewer"]), default="clerk", show_default=True)
@cli_errors
def create_user(email: str, name: str, role: str) -> None:
    """Create a staff account. The password is asked for twice, or read from stdin when piped."""
    user = accounts.create_user(db.session, email, name, role, _read_password())
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        lines = sys.stdin.read().splitlines() if sys.stdin is not None else []
    except UnicodeError:
        raise click.ClickException("The password on stdin is not valid text.") from None
    if not lines or not lines[0]:
        raise click.ClickException("No password given on stdin.")
    if len(lines) > 1 and lines[1] != lines[0]:
        raise click.ClickException("The two passwords given differ.")
    return lines[0]


@users.command("token")
@click.argument("email")
@cli_errors
def api_token(email: str) -> None:
    """Print a new API token for the user (shown once; only its hash is kept)."""
    user = accounts.find_user(db.session, email)
    token = accounts.issue_api_token(db.session, user.id)
    db.session.commit()
    click.echo(f"API token for {user.email} (keep it secret; it is not shown again):")
    click.echo(token)


@users.command("passwd")
@click.argument("email")
@cli_errors
def change_password(email: str) -> None:
    """Set a new password (asked for twice, or piped); the user's other sessions and API tokens end."""
    accounts.set_password(db.session, accounts.find_user(db.session, email).id, _read_password())
    db.session.commit()
    click.echo(f"Password changed for {email}; their sessions and API tokens have ended.")


@users.command("deactivate")
@click.argument("email")
@cli_errors
def deactivate(email: str) -> None:
    """Lock an account: its sessions end and its API tokens stop working."""
    accounts.deactivate_user(db.session, accounts.find_user(db.session, email).id)
    db.session.commit()
    click.echo(f"{email} can no longer log in.")


@users.command("revoke-tokens")
@click.argument("email")
@cli_errors
def revoke_tokens(email: str) -> None:
    """Revoke every API token of the user."""
    count = accounts.revoke_api_tokens(db.session, accounts.find_user(db.session, email).id)
    db.session.commit()
    click.echo(f"{count} API tokens revoked for {email}.")


@click.command("demo")
@with_appcontext
@cli_errors
def load_demo() -> None:
    """Load the demo admin, the sample roster and the founding circular."""
    password = demo.load_demo(db.session)
    db.session.commit()
    click.echo("Demo data loaded: sample roster and the DoPT circular.")
    if password:
        click.echo(f"Log in as admin@pavati.in with password: {password}")
    else:
        click.echo("The demo admin admin@pavati.in already exists; its password is unchanged.")


@click.command("send-outbox")
@with_appcontext
@click.option("--timeout", default=300, show_default=True, help="Seconds to wait for sending to finish.")
@cli_errors
def send_outbox(timeout: int) -> None:
    """Send every queued email (for instance after a restart) and wait for the outcome."""
    executor = outbox.executor()
    count = executor.sweep()
    if executor.wait(timeout):
        click.echo(f"{count} emails tried.")
    else:
        executor.shutdown(wait=False)  # what was not tried stays queued for the next run
        raise click.ClickException(f"Still sending after {timeout}s; the rest stays queued.")


def init_app(app: Flask) -> None:
    """Add the commands to `flask --app app`."""
    app.cli.add_command(users)
    app.cli.add_command(load_demo)
    app.cli.add_command(send_outbox)
