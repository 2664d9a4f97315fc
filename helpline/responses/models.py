from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.core.clock import now


class CannedResponse(models.Model):
    """A text an agent inserts into a reply or a note, with placeholders ({{ requester.first_name }})
    filled in for the ticket at hand. Personal (its owner's), or shared with a team or everyone."""

    class Scope(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        TEAM = "team", _("Team")
        EVERYONE = "everyone", _("Everyone")

    title = models.CharField(max_length=200)
    body = models.TextField()
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="canned_responses",
        help_text="Who wrote it; a personal response is seen by its owner only.",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="canned_responses"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="team", team__isnull=False)
                | (~models.Q(scope="team") & models.Q(team__isnull=True)),
                name="canned_response_team_iff_team_scope",
            )
        ]

    def __str__(self) -> str:
        return self.title
