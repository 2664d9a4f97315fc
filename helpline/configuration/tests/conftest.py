from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from helpline.accounts.models import Agent


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """The branding and the sidebar counts are kept in the cache: every test gets a namespace of its
    own (Redis is shared by parallel test processes on PostgreSQL runs: never clear it)."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def signed_in() -> Any:
    """`signed_in(agent)`: a browser session of that agent."""

    def client_for(agent: Agent) -> Client:
        client = Client()
        client.force_login(agent)
        return client

    return client_for
