from __future__ import annotations

from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    """Canned responses: texts with placeholders that agents insert into replies and notes."""

    name = "helpline.responses"
    label = "responses"
    verbose_name = "Canned responses"
