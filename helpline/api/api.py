"""The REST API v1: one NinjaAPI, each app contributing a router from its own `api.py`."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.parser import Parser

from helpline.api.auth import AUTH
from helpline.api.docs import LocalSwagger
from helpline.api.openapi import problems_document
from helpline.api.pipeline import pipeline
from helpline.api.problems import PROBLEM_TYPE_BASE, MalformedBody, exception_handlers_install

DESCRIPTION = f"""
The Helpline REST API.

**Authentication**: `Authorization: Bearer hl_<prefix>_<secret>` (an agent's or a customer's API
token), or the session of an agent signed in to the web UI (unsafe methods then need the
`X-CSRFToken` header).

**Errors** are RFC 9457 problem documents (`application/problem+json`). `type` is
`{PROBLEM_TYPE_BASE}<code>`, an identifier that does not change; `code` repeats `<code>`;
`errors` lists `{{field, message}}` for each bad input.

**Lists** are paged by cursor: each answer is `{{"items": [...], "next_cursor": "..." | null}}`;
pass `cursor=<next_cursor>` for the next page.

**Concurrency**: tickets carry a `version`; send it (in the body or as `If-Match: "<version>"`)
and a change based on an older version is refused with 409 `stale-version`.

**Retries**: a POST with `Idempotency-Key: <key>` runs once; retrying with the same key and body
replays the first answer (`Idempotent-Replayed: true`) for 24 hours.

**Rate limit**: per token (or agent, or address); `RateLimit-Limit/Remaining/Reset` on every
answer, 429 with `Retry-After` past the limit.
"""


class HelplineParser(Parser):
    """JSON bodies; a body that is not JSON is a 400 problem, not a 422."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            return json.loads(request.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise MalformedBody("The body is not valid JSON.") from exc


class HelplineAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__  # unique across the apps' routers

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        # The document only changes with the code: build it once per process.
        key = (path_prefix, tuple(sorted((path_params or {}).items())))
        cache: dict[Any, Any] = self.__dict__.setdefault("_openapi_documents", {})
        if key not in cache:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            problems_document(schema)
            cache[key] = schema
        return cache[key]


def api_build() -> HelplineAPI:
    from helpline.accounts.api import router as accounts_router
    from helpline.core.api import router as core_router
    from helpline.customers.api import router as customers_router
    from helpline.mail.api import router as mail_router
    from helpline.tickets.api import router as tickets_router

    api = HelplineAPI(
        title="Helpline API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-1",
        auth=AUTH,
        parser=HelplineParser(),
        docs=LocalSwagger(),
    )
    exception_handlers_install(api)
    api.add_decorator(pipeline(api), mode="view")
    for router in (accounts_router, tickets_router, customers_router, core_router):
        api.add_router("", router)
    api.add_router("/mail", mail_router)
    return api


api = api_build()
