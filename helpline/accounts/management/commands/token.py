"""`helpline token create|list|revoke`: API tokens of agents, from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.accounts.models import Agent, ApiToken
from helpline.accounts.tokens import token_create, token_revoke
from helpline.core.clock import now
from helpline.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens of agents. A new token is printed once, never again."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a token and print it (once).")
        create.add_argument("--email", required=True, help="The agent who owns the token.")
        create.add_argument("--name", default="cli", help="What the token is for (default: cli).")
        create.add_argument("--expires-days", type=int, default=None, help="Expire after D days.")
        listing = actions.add_parser("list", help="List an agent's tokens (prefixes only).")
        listing.add_argument("--email", required=True)
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The part between 'hl_' and the next '_'.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run one action; service errors become a plain message and exit status 1."""
        try:
            match options["action"]:
                case "create":
                    self._create(options["email"], options["name"], options["expires_days"])
                case "list":
                    self._list(options["email"])
                case "revoke":
                    self._revoke(options["prefix"])
        except ServiceError as exc:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
            raise CommandError(f"{exc.detail}{' (' + problems + ')' if problems else ''}") from exc

    def _create(self, email: str, name: str, expires_days: int | None) -> None:
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        agent = _agent(email)
        expires_at = now() + timedelta(days=expires_days) if expires_days else None
        token, plain = token_create(agent=agent, name=name, expires_at=expires_at)
        self.stdout.write(plain)
        self.stderr.write(f"Token {token.prefix} for {agent.email} created; it is shown only now: keep it safe.")

    def _list(self, email: str) -> None:
        agent = _agent(email)
        tokens = ApiToken.objects.filter(agent=agent).order_by("created_at", "id")
        self.stdout.write(_row("PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES", "NAME"))
        at = now()
        for token in tokens:
            self.stdout.write(
                _row(
                    token.prefix,
                    _status(token, at),
                    _when(token.created_at),
                    _when(token.last_used_at),
                    _when(token.expires_at),
                    token.name,
                )
            )

    def _revoke(self, prefix: str) -> None:
        token = ApiToken.objects.filter(prefix=prefix.strip()).first()
        if token is None:
            raise CommandError(f"No token has the prefix {prefix!r}.")
        was_revoked = token.revoked_at is not None
        token_revoke(token=token)
        state = "was already" if was_revoked else "is now"
        self.stdout.write(f"Token {token.prefix} {state} revoked.")


def _agent(email: str) -> Agent:
    agent = Agent.objects.filter(email=email.strip().lower()).first()
    if agent is None:
        raise CommandError(f"No agent has the email {email!r}.")
    return agent


def _row(prefix: str, status: str, created: str, used: str, expires: str, name: str) -> str:
    return f"{prefix:<12} {status:<8} {created:<17} {used:<17} {expires:<17} {name}"


def _status(token: ApiToken, at: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= at:
        return "expired"
    return "active"


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"
