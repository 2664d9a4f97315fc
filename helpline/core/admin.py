from __future__ import annotations

from django.contrib import admin

from helpline.core.models import CustomField

admin.site.register(CustomField, list_display=["target", "key", "label", "type", "required", "is_public"])
