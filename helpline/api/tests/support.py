"""Calling the API in tests: `api_client(persona)` signs requests with a fresh token of theirs."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from helpline.accounts.models import Agent
from helpline.accounts.tokens import token_create
from helpline.customers.models import Customer

PREFIX = "/api/v1"


class ApiClient:
    """A Django test client that speaks JSON to /api/v1 with a Bearer token (or none)."""

    def __init__(self, token: str | None = None, **headers: str) -> None:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.token = token
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(PREFIX + path, params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self._send("post", path, body, headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self._send("patch", path, body, headers)

    def put(self, path: str, body: Any = None, **headers: str) -> Any:
        return self._send("put", path, body, headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(PREFIX + path, headers=headers)

    def raw(self, method: str, path: str, data: bytes | str, content_type: str, **headers: str) -> Any:
        return getattr(self.client, method)(PREFIX + path, data, content_type=content_type, headers=headers)

    def upload(self, path: str, files: dict[str, Any], **headers: str) -> Any:
        return self.client.post(PREFIX + path, files, headers=headers)

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
        data = "" if body is None else json.dumps(body)
        return getattr(self.client, method)(PREFIX + path, data, content_type="application/json", headers=headers)


def api_client(actor: Agent | Customer | None) -> ApiClient:
    """A client with a new API token of `actor` (an agent or a customer); None sends no token."""
    if actor is None:
        return ApiClient()
    if isinstance(actor, Agent):
        _, plain = token_create(agent=actor, name="tests")
    else:
        _, plain = token_create(customer=actor, name="tests")
    return ApiClient(plain)


def problem(response: Any) -> dict[str, Any]:
    """The problem document of an error answer (asserting that it is one)."""
    assert response["Content-Type"] == "application/problem+json", (response.status_code, response.content[:500])
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    assert body["type"] == f"https://helpline.invalid/problems/{body['code']}"
    return body
