from __future__ import annotations

from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The agents' screens: inbox, ticket page, sign-in."""

    name = "helpline.workspace"
    label = "workspace"
    verbose_name = "Agent workspace"
