"""Canned responses, mounted at /settings/responses/ (before the other settings)."""

from __future__ import annotations

from django.urls import path

from helpline.responses import views

app_name = "responses"

urlpatterns = [
    path("", views.responses, name="list"),
    path("<int:canned_response_id>/", views.response_edit, name="edit"),
    path("<int:canned_response_id>/delete", views.response_delete, name="delete"),
]
