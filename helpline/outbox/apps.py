from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "helpline.outbox"
    label = "outbox"
    verbose_name = "Outbox"
