"""The agent workspace, mounted at the site's root."""

from __future__ import annotations

from django.urls import path

from helpline.workspace.views import auth, files, inbox, ticket

app_name = "workspace"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("views/<slug:slug>", inbox.inbox, name="view"),
    path("inbox/counts", inbox.counts, name="counts"),
    path("jump", inbox.jump, name="jump"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("me/availability", auth.availability, name="availability"),
    path("tickets/<int:number>", ticket.ticket_page, name="ticket"),
    path("tickets/<int:number>/thread", ticket.ticket_thread, name="ticket-thread"),
    path("tickets/<int:number>/properties", ticket.ticket_properties, name="ticket-properties"),
    path("tickets/<int:number>/messages", ticket.ticket_message, name="ticket-message"),
    path("tickets/<int:number>/neighbour", ticket.ticket_neighbour_go, name="ticket-neighbour"),
    path("attachments/<int:attachment_id>", files.attachment, name="attachment"),
]
