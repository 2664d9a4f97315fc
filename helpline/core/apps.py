from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "helpline.core"
    label = "core"
    verbose_name = "Helpline core"
