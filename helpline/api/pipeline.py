"""What every API request goes through around its operation.

1. authentication (once; sets `request.actor`),
2. the per-caller rate limit (callers without credentials are counted by address),
3. for writes: one transaction around the whole operation, rolled back when the answer is an
   error, so a request that fails half-way writes nothing; and for a POST with an
   Idempotency-Key, the key (see api/idempotency.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from helpline.accounts.permissions import Actor
from helpline.api.auth import SAFE_METHODS, actor_owner, caller_key, request_authenticate
from helpline.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from helpline.api.idempotency import idempotent_run
from helpline.api.problems import problem_response
from helpline.api.ratelimit import rate_limit_hit

# Room for the multipart envelope around an upload of the largest accepted size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024

Run = Callable[..., HttpResponseBase]


def pipeline(api: NinjaAPI) -> Callable[[Run], Run]:
    """A ninja "view" decorator: it wraps each operation's `run`, before ninja's own checks."""

    def decorator(run: Run) -> Run:
        @wraps(run)
        def handle(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                actor = request_authenticate(request)
            except Exception as exc:
                return api.on_exception(request, exc)
            limit = rate_limit_hit(caller_key(request, actor))
            if limit.exceeded:
                response: HttpResponseBase = problem_response(
                    request,
                    status=429,
                    detail=f"More than {limit.limit} requests in the window: retry in {limit.reset} s.",
                    headers={"Retry-After": str(limit.reset)},
                )
            elif actor is None:
                response = api.on_exception(request, AuthenticationError())
            else:
                request.actor = actor  # type: ignore[attr-defined]
                response = _dispatch(api, request, actor, lambda: run(request, *args, **kwargs))
            return limit.apply(response)

        return handle

    return decorator


def _dispatch(
    api: NinjaAPI, request: HttpRequest, actor: Actor, run: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    if request.method in SAFE_METHODS:
        return run()
    if _upload_too_big(request):
        return problem_response(request, status=413, detail="The upload is larger than the attachment size limit.")
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if request.method == "POST" and key is not None:
        try:
            return idempotent_run(
                request, owner=actor_owner(actor), key=key.strip(), run=lambda record: _atomic(run, record)
            )
        except Exception as exc:  # the body could not be read or parsed to fingerprint it
            return api.on_exception(request, exc)
    return _atomic(run, None)


def _atomic(run: Callable[[], HttpResponseBase], record: Callable[[HttpResponseBase], None] | None) -> HttpResponseBase:
    with transaction.atomic():
        response = run()
        if response.status_code >= 400:
            transaction.set_rollback(True)
        elif record is not None:
            record(response)
    return response


def _upload_too_big(request: HttpRequest) -> bool:
    if request.content_type != "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.HELPLINE_MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD_BYTES
