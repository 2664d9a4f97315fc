from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NumberSequence(models.Model):
    """A counter that only goes up: ticket numbers are taken from it and never reused."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class CustomField(models.Model):
    """A typed field that admins define for tickets or customers; values live in JSON columns."""

    class Target(models.TextChoices):
        TICKET = "ticket", _("Ticket")
        CUSTOMER = "customer", _("Customer")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", pgettext_lazy("custom field type", "Number")
        INTEGER = "integer", _("Whole number")
        BOOLEAN = "boolean", _("Yes / no")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")

    target = models.CharField(max_length=16, choices=Target.choices)
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=Type.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    is_public = models.BooleanField(default=False, help_text="Shown on the customer web form and portal.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="custom_field_key_unique")]
        ordering = ["target", "position", "key"]

    def __str__(self) -> str:
        return f"{self.target}.{self.key}"
