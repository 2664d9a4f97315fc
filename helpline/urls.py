from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from helpline.configuration.views.preferences import preferences
from helpline.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", include("helpline.api.urls")),
    path("portal/", include("helpline.portal.urls")),
    # Before the other settings: /settings/responses/ belongs to the canned responses app.
    path("settings/responses/", include("helpline.responses.urls")),
    path("settings/", include("helpline.configuration.urls")),
    path("me/preferences", preferences, name="preferences"),
    # The agent workspace owns the root: keep it last.
    path("", include("helpline.workspace.urls")),
]
