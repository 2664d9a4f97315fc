from __future__ import annotations

from django.contrib import admin

from helpline.tickets.models import Attachment, Category, Message, Tag, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the services (the API and the agent workspace)."""

    list_display = ["number", "subject", "status", "priority", "team", "assignee", "created_at"]
    list_filter = ["status", "priority", "channel", "disposition"]
    search_fields = ["=number", "subject"]
    raw_id_fields = ["requester", "assignee", "team", "category", "merged_into", "follow_up_of", "ccs", "followers"]
    readonly_fields = ["number", "version", "created_at", "updated_at"]
    show_full_result_count = False
    list_select_related = ["team", "assignee"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "kind", "channel", "created_at"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["ticket", "author_agent", "author_customer", "mentions"]
    show_full_result_count = False


admin.site.register(Category)
admin.site.register(Tag)
admin.site.register(Attachment, raw_id_fields=["blob", "message", "uploaded_by_agent", "uploaded_by_customer"])
