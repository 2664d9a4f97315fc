from __future__ import annotations

from django.contrib import admin

from helpline.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "attempts", "next_attempt_at", "sent_at", "created_at"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["ticket", "message"]
    show_full_result_count = False
