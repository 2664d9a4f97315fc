from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class SavedView(models.Model):
    """An inbox view an agent saved: a built-in view narrowed by the filter bar's values, with a
    sort and the columns to show; personal, or shared with one of the owner's teams."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey("accounts.Agent", on_delete=models.CASCADE, related_name="saved_views")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        help_text="Shared with this team's members; personal when empty.",
    )
    base = models.CharField(max_length=32, default="all", help_text="The slug of the built-in view it narrows.")
    filters = models.JSONField(default=dict, blank=True, help_text="The filter bar's values: name → list of values.")
    sort = models.CharField(max_length=16, blank=True)
    columns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name_unique")]

    def __str__(self) -> str:
        return self.name
