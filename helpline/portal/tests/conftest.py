from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings: Any) -> None:
    """Every test counts attempts in a cache namespace of its own (the counters live in the cache,
    which is Redis and shared by parallel test processes on PostgreSQL runs: never clear it)."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, config in settings.CACHES.items()
    }
