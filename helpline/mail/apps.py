from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "helpline.mail"
    label = "mail"
    verbose_name = "Email channel"
