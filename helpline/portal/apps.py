from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The customers' screens: the portal (passwordless sign-in) and the public web form."""

    name = "helpline.portal"
    label = "portal"
    verbose_name = "Customer portal and web form"
