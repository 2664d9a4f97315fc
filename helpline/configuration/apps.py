from __future__ import annotations

from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    """Settings inside the product (/settings/) for admins and supervisors, and agent preferences."""

    name = "helpline.configuration"
    label = "configuration"
    verbose_name = "Settings"
