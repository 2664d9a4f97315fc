"""Admin screens of the email channel: mailboxes, inbound mail (quarantine, raw download, retry),
sender rules, templates with a preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from helpline.core.errors import ServiceError
from helpline.mail.models import AcknowledgementLog, ImapState, InboundMail, Mailbox, MailTemplate, SenderRule
from helpline.mail.selectors import raw_response
from helpline.mail.services import inbound_retry
from helpline.mail.templating import template_check, template_preview, template_save


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "default_team", "auto_acknowledge", "imap_host", "is_active"]
    list_filter = ["is_active", "auto_acknowledge"]
    search_fields = ["name", "address"]
    raw_id_fields = ["default_team", "default_category"]
    fieldsets = [
        (None, {"fields": ["name", "address", "aliases", "from_name", "signature", "is_active"]}),
        ("Tickets", {"fields": ["default_team", "default_category", "auto_acknowledge"]}),
        ("IMAP", {"fields": ["imap_host", "imap_port", "imap_security", "imap_username", "imap_secret_env",
                             "imap_oauth_token_env", "imap_folder", "processed_action", "processed_folder"]}),
    ]  # fmt: skip


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Every received mail; the quarantine is the `quarantined` filter. Retry re-processes."""

    list_display = ["received_at", "state", "sender", "subject", "short_reason", "ticket", "source", "deliveries"]
    list_filter = ["state", "source", "mailbox"]
    search_fields = ["=message_id", "sender", "subject"]
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw_bytes"] + ["raw_download"]
    exclude = ["raw_bytes"]
    actions = ["retry"]
    show_full_result_count = False
    list_select_related = ["ticket"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMail]:
        return super().get_queryset(request).defer("raw_bytes")

    @admin.display(description="reason")
    def short_reason(self, obj: InboundMail) -> str:
        return obj.reason[:120]

    @admin.display(description="raw message")
    def raw_download(self, obj: InboundMail) -> str:
        url = reverse("admin:mail_inboundmail_raw", args=[obj.pk])
        return format_html('<a href="{}">Download .eml ({} bytes)</a>', url, obj.raw_size)

    @admin.action(description="Process the selected mail again")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        results: dict[str, int] = {}
        for inbound in queryset:
            try:
                done = inbound_retry(actor=request.user, inbound=inbound)  # type: ignore[arg-type]
            except ServiceError as error:
                self.message_user(request, error.detail, messages.ERROR)
                return
            results[done.state] = results.get(done.state, 0) + 1
        summary = ", ".join(f"{count} {state}" for state, count in sorted(results.items()))
        self.message_user(request, f"Processed again: {summary or 'nothing'}.", messages.INFO)

    def get_urls(self) -> list[URLPattern]:
        raw = path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="mail_inboundmail_raw")
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        return raw_response(InboundMail.objects.get(pk=pk))


@admin.register(ImapState)
class ImapStateAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "folder", "uidvalidity", "last_uid", "last_poll_at", "last_error"]
    readonly_fields = ["mailbox", "folder", "uidvalidity", "last_uid", "last_poll_at", "last_error"]


@admin.register(SenderRule)
class SenderRuleAdmin(admin.ModelAdmin):
    list_display = ["pattern", "action", "note", "created_by", "created_at"]
    list_filter = ["action"]
    search_fields = ["pattern"]
    raw_id_fields = ["created_by"]


@admin.register(AcknowledgementLog)
class AcknowledgementLogAdmin(admin.ModelAdmin):
    list_display = ["address", "sent_at"]
    search_fields = ["address"]


class MailTemplateForm(forms.ModelForm):
    class Meta:
        model = MailTemplate
        fields = ["key", "subject", "text", "html"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            template_check(data.get("subject", ""), data.get("text", ""), data.get("html", ""))
        except ServiceError as error:
            raise forms.ValidationError(error.detail) from None
        return data


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):
    """Edit a template; the saved version is previewed with sample data below the form."""

    form = MailTemplateForm
    list_display = ["key", "subject", "updated_at", "updated_by"]
    readonly_fields = ["preview", "updated_at", "updated_by"]
    fields = ["key", "subject", "text", "html", "preview", "updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: MailTemplate, form: Any, change: bool) -> None:
        saved = template_save(actor=request.user, key=obj.key, subject=obj.subject, text=obj.text,  # type: ignore[arg-type]
                              html=obj.html)  # fmt: skip
        obj.pk = saved.pk

    @admin.display(description="preview (saved version, sample data)")
    def preview(self, obj: MailTemplate) -> str:
        if obj.pk is None:
            return "Save to see a preview."
        try:
            rendered = template_preview(obj.key)
        except ServiceError as error:
            return error.detail
        return format_html("<p><b>Subject:</b> {}</p><pre>{}</pre>", rendered.subject, rendered.text)
