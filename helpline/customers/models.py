from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.core.clock import now


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    domains = models.JSONField(default=list, blank=True, help_text="Mail domains whose senders belong here.")
    tier = models.CharField(max_length=32, blank=True)
    notes = models.TextField(blank=True)
    shares_tickets = models.BooleanField(default=False, help_text="Members see each other's tickets in the portal.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """Which organization a mail domain belongs to: an exact, indexed lookup for new senders.

    Kept in step with Organization.domains by the organization services.
    """

    domain = models.CharField(max_length=253, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domain_rows")

    def __str__(self) -> str:
        return self.domain


class Customer(models.Model):
    """A requester. Found by any of its contact identities; may be merged into another customer."""

    class Tier(models.TextChoices):
        FREE = "free", _("Free")
        STANDARD = "standard", _("Standard")
        PREMIUM = "premium", _("Premium")
        ENTERPRISE = "enterprise", _("Enterprise")

    name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    tier = models.CharField(max_length=32, choices=Tier.choices, default=Tier.STANDARD)
    attributes = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16, blank=True)
    # A hash (Django's password hashers) when the customer set a portal password; empty otherwise.
    password = models.CharField(max_length=128, blank=True, default="", db_default="")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"], name="customer_org_name_idx")]

    def __str__(self) -> str:
        return self.name or f"Customer {self.pk}"

    @property
    def primary_email(self) -> str:
        for identity in self.identities.all():
            if identity.kind == ContactIdentity.Kind.EMAIL:
                return identity.value
        return ""


class ContactIdentity(models.Model):
    """One way to reach a customer. An identity belongs to exactly one customer."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat visitor")
        MESSAGING = "messaging", _("Messaging handle")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=320, help_text="Normalized: e-mail lower-cased, phone in E.164.")
    is_primary = models.BooleanField(default=False)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="Set when mail to it bounces.")
    failing_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique")]
        ordering = ["-is_primary", "kind", "value"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
