from __future__ import annotations

from django.contrib import admin
from django.urls import path

from helpline.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", ("helpline.api.urls", "api-1", "api-1")),  # = include("helpline.api.urls")
]
