from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class Branding(models.Model):
    """The company's name and logo, and the portal's switches: one row (pk 1), edited in Settings.

    The logo is kept in the database (a few hundred KB at most) so that every web process serves
    the same one without a shared disk.
    """

    SINGLETON_ID = 1

    company_name = models.CharField(max_length=100, blank=True)
    logo = models.BinaryField(default=b"", blank=True)
    logo_type = models.CharField(max_length=32, blank=True, help_text="image/png or image/jpeg")
    logo_digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the logo: its URL and ETag.")
    portal_passwords = models.BooleanField(
        default=False, help_text="Customers may set a password and sign in to the portal with it."
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "branding"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="branding_single_row")]

    def __str__(self) -> str:
        return self.company_name or "Helpline"
