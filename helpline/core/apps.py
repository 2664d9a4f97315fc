from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "helpline.core"
    label = "core"
    verbose_name = "Helpline core"

    def ready(self) -> None:
        from helpline.core.customfields import custom_field_definitions_forget
        from helpline.core.models import CustomField

        # Only a cache: drop it when a definition changes in this process (others expire in seconds).
        for signal in (post_save, post_delete):
            signal.connect(lambda **_: custom_field_definitions_forget(), sender=CustomField, weak=False)
