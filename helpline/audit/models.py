from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class Event(models.Model):
    """One change, appended and never edited: the ticket history, audit trail, SLA clocks and reports
    are computed from these rows."""

    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="events", db_index=False
    )
    # Kept when a ticket is purged, so the audit trail still says which ticket it was.
    ticket_number = models.BigIntegerField(null=True, blank=True)
    entity = models.CharField(max_length=32, default="ticket")
    entity_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=64)
    actor_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, help_text="'system', a job's name…")
    message = models.ForeignKey("tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "at", "id"], name="event_ticket_at_idx"),
            models.Index(fields=["entity", "entity_id", "at"], name="event_entity_idx"),
            models.Index(fields=["kind", "at"], name="event_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_number or self.entity_id} at {self.at:%Y-%m-%d %H:%M}"
