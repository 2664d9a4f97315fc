"""Thin job wrappers of the ticket services."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="scheduled")
def tickets_close_solved() -> int:
    """Close tickets solved longer ago than HELPLINE_AUTO_CLOSE_DAYS (scheduled hourly)."""
    from helpline.tickets.services import tickets_close_solved as close

    return close()
