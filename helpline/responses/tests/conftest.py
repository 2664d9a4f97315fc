from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """The sidebar counts and the branding are kept in the cache: a namespace per test (Redis is
    shared by parallel test processes on PostgreSQL runs: never clear it)."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, config in settings.CACHES.items()
    }
