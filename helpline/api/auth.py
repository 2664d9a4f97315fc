"""Who is calling: a Bearer API token (agent or customer) or an agent's Django session.

The pipeline (api/pipeline.py) authenticates each request once, before the rate limit and the
idempotency check, and sets `request.actor`; ninja's own auth step, which runs later inside the
operation, finds it there and does not look the token up again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.accounts.tokens import token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hl_<prefix>_<secret>`: an agent's or a customer's API token."""

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "actor", None) is not None:
            return request.actor  # type: ignore[attr-defined]
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        row = token_authenticate(token)
        if row is None:
            return None
        request.api_token = row  # type: ignore[attr-defined]
        return row.agent if row.agent_id else row.customer


class SessionAuth(APIKeyCookie):
    """An agent signed in to the web UI. Unsafe methods need the CSRF token, as in the UI."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "actor", None) is not None:
            return request.actor  # type: ignore[attr-defined]
        if not request.COOKIES.get(self.param_name):
            return None
        return self.authenticate(request, request.COOKIES[self.param_name])

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        user = getattr(request, "user", None)
        if not isinstance(user, Agent) or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise HttpError(403, "The CSRF token is missing or wrong: reload the page and try again.")
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]


def request_authenticate(request: HttpRequest) -> Actor | None:
    """The agent or customer behind the request, or None. May raise HttpError 403 (CSRF)."""
    for method in AUTH:
        actor = method(request)
        if actor is not None:
            return actor
    return None


def caller_key(request: HttpRequest, actor: Actor | None) -> str:
    """Whom the rate limit counts: the token, else the signed-in agent, else the address."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.prefix}"
    if isinstance(actor, Agent):
        return f"agent:{actor.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def actor_owner(actor: Actor) -> str:
    """How an actor is written in IdempotencyKey.owner."""
    return f"agent:{actor.pk}" if isinstance(actor, Agent) else f"customer:{actor.pk}"
