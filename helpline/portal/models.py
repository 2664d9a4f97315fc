from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class PortalLink(models.Model):
    """A one-time sign-in link to the customer portal, sent by e-mail.

    Only the SHA-256 of its secret is stored; it works once, for PORTAL_LINK_MINUTES.
    """

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=320)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="portal_link_expires_idx")]

    def __str__(self) -> str:
        return f"sign-in link for customer {self.customer_id}"
