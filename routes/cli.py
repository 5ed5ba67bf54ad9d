"""Command-line tools: staff accounts, API tokens, demo data, the outbox, reminders, bounces, the readiness check."""

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import exc as sa_exc

from models import Role, db
from services import accounts, bounces, demo, dispatch, letters, outbox, readiness, tracking
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
@click.option("--role", type=click.Choice([role.value for role in Role]), default="clerk", show_default=True)
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


outbox_cli = AppGroup("outbox", help="The outbox: send what is due, or see how sending goes.")
reminders_cli = AppGroup("reminders", help="Scheduled reminders.")
bounces_cli = AppGroup("bounces", help="Mail that came back.")
letters_cli = AppGroup("letters", help="Endorsement letters.")


@outbox_cli.command("send")
@cli_errors
def outbox_send() -> None:
    """Send every email that is due now, in this process (for instance after a restart), and wait."""
    before = tracking.outbox_totals(db.session)
    outbox.release_dead_claims(db.session)
    outbox.send_due()
    after = tracking.outbox_totals(db.session)
    sent = after["sent"] - before["sent"]
    click.echo(f"{sent} emails sent; {after['queued']} still queued, {after['failed']} failed.")


@outbox_cli.command("status")
@cli_errors
def outbox_status() -> None:
    """Each letter still sending (or with failures): emails by status, the rate and the time left."""
    rows = tracking.outbox_status(db.session)
    if not rows:
        click.echo("Nothing is waiting to be sent, and nothing has failed.")
    for row in rows:
        eta = f", about {row['eta_seconds']} s left" if row["eta_seconds"] else ""
        click.echo(
            f"#{row['endorsement_id']} {row['file_no']} ({row['state']}): {row['queued']} queued, "
            f"{row['sending']} sending, {row['sent']} sent, {row['failed']} failed, {row['bounced']} bounced, "
            f"{row['cancelled']} cancelled; {row['per_minute']} a minute{eta}"
        )


@reminders_cli.command("run-due")
@cli_errors
def reminders_run_due() -> None:
    """Send every scheduled round of reminders that is due (for cron; safe to run twice at once)."""
    sent = dispatch.run_due_reminders()
    click.echo(f"{sum(sent.values())} reminders queued for {len(sent)} letters.")


@bounces_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@cli_errors
def bounces_import(path: Path) -> None:
    """Read an mbox or .eml file of delivery status notifications; mark the emails they report bounced."""
    report = bounces.import_bounces(db.session, path, None)
    db.session.commit()
    click.echo(
        f"{report.notifications} notifications: {report.bounced} emails marked bounced, "
        f"{report.unmatched} not ours; {report.not_failures} other messages skipped."
    )


@letters_cli.command("render")
@click.argument("endorsement_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF to write")
@cli_errors
def letters_render(endorsement_id: int, output: Path) -> None:
    """Write a letter's PDF as it would be issued (a draft marked DRAFT; an issued letter as it was issued)."""
    output.write_bytes(letters.preview_pdf(db.session, endorsement_id))
    click.echo(f"Letter #{endorsement_id} written to {output}.")


@click.command("check")
@with_appcontext
def check() -> None:
    """Say what is misconfigured for real use, a line each with what to change; exit 1 if anything is."""
    found = readiness.findings(current_app)
    for finding in found:
        click.echo(finding)
    if found:
        raise SystemExit(1)
    click.echo("All good: ready for real use.")


def init_app(app: Flask) -> None:
    """Add the commands to `flask --app app`."""
    app.cli.add_command(users)
    app.cli.add_command(load_demo)
    app.cli.add_command(check)
    for group in (outbox_cli, reminders_cli, bounces_cli, letters_cli):
        app.cli.add_command(group)
