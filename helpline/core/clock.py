"""The one clock of Helpline: aware UTC datetimes that tests can move with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
