from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from helpline.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: nobody edits or deletes events here."""

    list_display = ["at", "kind", "ticket_number", "entity", "entity_id", "actor_agent", "actor_customer"]
    list_filter = ["kind", "entity"]
    search_fields = ["=ticket_number"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
