"""`helpline ensure_admin`: make sure the first admin agent exists (run by `helpline serve`)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from helpline.accounts.models import Agent
from helpline.accounts.services import agent_create
from helpline.core.errors import Conflict
from helpline.settings import env

DEFAULT_ADMIN_EMAIL = "admin@localhost"
BANNER_WIDTH = 72


class Command(BaseCommand):
    help = (
        "Create the first admin agent when no admin exists: from HELPLINE_ADMIN_EMAIL and "
        "HELPLINE_ADMIN_PASSWORD, or admin@localhost with a generated password printed once. "
        "Does nothing when an admin exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the admin (role admin, staff, superuser) unless one exists; idempotent."""
        existing = _any_admin()
        if existing is not None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"An admin agent exists ({existing.email}); nothing to do.")
            return
        email = (env("HELPLINE_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL).strip().lower()
        password = env("HELPLINE_ADMIN_PASSWORD")
        _check(email, password)
        generated = not password
        if generated:
            password = secrets.token_urlsafe(18)
        agent = _create_admin(email, password)
        if agent is None:  # another process created it a moment ago
            return
        if generated:
            # Always printed, whatever the verbosity: it is the only way to learn the password.
            self.stdout.write(_banner(email, password))
        else:
            self.stdout.write(f"Created the admin agent {email} (HELPLINE_ADMIN_PASSWORD).")


def _any_admin() -> Agent | None:
    return Agent.objects.filter(role=Agent.Role.ADMIN).order_by("id").first()


def _check(email: str, password: str) -> None:
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CommandError(f"HELPLINE_ADMIN_EMAIL {email!r} is not an email address.") from exc
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            problems = " ".join(exc.messages)
            raise CommandError(f"HELPLINE_ADMIN_PASSWORD is too weak: {problems}") from exc
    if Agent.objects.filter(email=email).exists():
        raise CommandError(
            f"There is no admin yet, but the agent {email} exists and is not an admin. "
            "Set HELPLINE_ADMIN_EMAIL to a new address, or give that agent the admin role."
        )


def _create_admin(email: str, password: str) -> Agent | None:
    try:
        with transaction.atomic():
            agent = agent_create(actor=None, email=email, name="Admin", role=Agent.Role.ADMIN, password=password)
            Agent.objects.filter(pk=agent.pk).update(is_staff=True, is_superuser=True)
    except Conflict:
        if _any_admin() is not None:
            return None
        raise
    agent.refresh_from_db()
    return agent


def _banner(email: str, password: str) -> str:
    rule = "=" * BANNER_WIDTH
    return "\n".join(
        [
            "",
            rule,
            "  Helpline created the first admin agent.",
            "",
            f"    email:     {email}",
            f"    password:  {password}",
            "",
            "  This password is shown ONLY THIS ONCE: sign in (the admin is at",
            f"  {settings.LOGIN_URL}) and change it.",
            rule,
            "",
        ]
    )
