"""The customer portal and the public web form, mounted at /portal/."""

from __future__ import annotations

from django.urls import path

from helpline.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/password", views.sign_in_password, name="sign-in-password"),
    path("sign-in/<str:secret>", views.sign_in_link, name="sign-in-link"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("password", views.password, name="password"),
    path("new", views.new_request, name="new"),
    path("new/done", views.new_request_done, name="new-done"),
    path("requests/<int:number>", views.ticket, name="ticket"),
    path("requests/<int:number>/reply", views.ticket_reply, name="ticket-reply"),
    path("requests/<int:number>/solve", views.ticket_solve, name="ticket-solve"),
    path("files/<int:attachment_id>", views.attachment, name="attachment"),
]
