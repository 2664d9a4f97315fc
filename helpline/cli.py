"""The `helpline` command: Django's management commands plus Helpline's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["helpline", *(argv if argv is not None else sys.argv[1:])])
