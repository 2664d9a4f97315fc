"""Draining the outbox: placeholder until the drain lands."""

from __future__ import annotations


def outbox_drain_due() -> int:
    return 0
