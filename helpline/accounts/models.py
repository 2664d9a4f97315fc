from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.core.clock import now


class AgentManager(BaseUserManager["Agent"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Agent:
        agent = self.model(email=self.normalize_email(email).lower(), **fields)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Agent:
        fields.update(role=Agent.Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class Agent(AbstractBaseUser, PermissionsMixin):
    """A person who works tickets. Customers are not agents (see customers.Customer)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        SUPERVISOR = "supervisor", _("Supervisor")
        AGENT = "agent", _("Agent")
        COLLABORATOR = "collaborator", _("Collaborator")

    class Availability(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.OFFLINE)
    capacity = models.PositiveIntegerField(default=10, help_text="How many open tickets routing may give.")
    skills = models.JSONField(default=list, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # E-mail notifications the agent wants (the mail app's notification sender reads these).
    notify_email_assigned = models.BooleanField(
        default=True, db_default=True, help_text="E-mail me when a ticket is assigned to me."
    )
    notify_email_reply = models.BooleanField(
        default=True, db_default=True, help_text="E-mail me when a customer answers my ticket."
    )
    notify_email_mention = models.BooleanField(
        default=True, db_default=True, help_text="E-mail me when someone @mentions me."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    created_at = models.DateTimeField(default=now)

    objects = AgentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def may_reply(self) -> bool:
        return self.role != self.Role.COLLABORATOR


class Team(models.Model):
    """A department (Support, Billing, IT, HR…). A private team's tickets are seen by its members only."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_private = models.BooleanField(default=False)
    members = models.ManyToManyField(Agent, through="Membership", related_name="teams")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "agent"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.agent_id} in {self.team_id}{' (lead)' if self.is_lead else ''}"


class ApiToken(models.Model):
    """A Bearer token for the REST API. Only a hash of the secret is stored."""

    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(agent__isnull=False, customer__isnull=True)
                    | models.Q(agent__isnull=True, customer__isnull=False)
                ),
                name="api_token_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
