from __future__ import annotations

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "helpline.mail"
    label = "mail"
    verbose_name = "Email channel"

    def ready(self) -> None:
        # Registers the outbox handler of kind `mail` and wraps `notification` (agent e-mails).
        from helpline.mail.outbound import notifications, send  # noqa: F401
