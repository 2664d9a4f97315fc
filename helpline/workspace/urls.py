"""The agent workspace, mounted at the site's root."""

from __future__ import annotations

from django.urls import path

from helpline.workspace.views import (
    auth,
    canned,
    files,
    history,
    inbox,
    merge,
    properties,
    remote_images,
    saved,
    ticket,
)

app_name = "workspace"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("views/<slug:slug>", inbox.inbox, name="view"),
    path("saved/<int:saved_view_id>", saved.saved_view_page, name="saved"),
    path("saved/new", saved.saved_view_new, name="saved-new"),
    path("saved/<int:saved_view_id>/edit", saved.saved_view_edit, name="saved-edit"),
    path("saved/<int:saved_view_id>/delete", saved.saved_view_remove, name="saved-delete"),
    path("inbox/counts", inbox.counts, name="counts"),
    path("jump", inbox.jump, name="jump"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("me/availability", auth.availability, name="availability"),
    path("tickets/<int:number>", ticket.ticket_page, name="ticket"),
    path("tickets/<int:number>/thread", ticket.ticket_thread, name="ticket-thread"),
    path("tickets/<int:number>/properties", properties.ticket_properties, name="ticket-properties"),
    path("tickets/<int:number>/messages", ticket.ticket_message, name="ticket-message"),
    path("tickets/<int:number>/responses", canned.ticket_responses, name="ticket-responses"),
    path("tickets/<int:number>/history", history.ticket_history_page, name="ticket-history"),
    path("tickets/<int:number>/merge", merge.ticket_merge_page, name="ticket-merge"),
    path("tickets/<int:number>/neighbour", ticket.ticket_neighbour_go, name="ticket-neighbour"),
    path("messages/<int:message_id>/images", remote_images.message_images, name="message-images"),
    path(
        "messages/<int:message_id>/remote-images/<int:index>",
        remote_images.message_remote_image,
        name="message-remote-image",
    ),
    path("attachments/<int:attachment_id>", files.attachment, name="attachment"),
    path("attachments/<int:attachment_id>/preview", files.attachment_preview, name="attachment-preview"),
]
