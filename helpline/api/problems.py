"""RFC 9457 problem details: the one shape of every error the API returns.

Every error is `application/problem+json` with

    type      https://helpline.invalid/problems/<code>   (an identifier, not a page; stable)
    title     a short summary that is the same for every problem of that type
    status    the HTTP status
    detail    what went wrong this time, in words a person understands
    instance  the path of the request
    code      <code> again, for clients that prefer a short string to a URI
    errors    [{field, message}] naming each bad input (empty when no single field is to blame)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from helpline.core.errors import ServiceError

logger = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://helpline.invalid/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Titles and codes of the problems that do not come from a ServiceError.
_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Content too large"),
    422: ("invalid-input", "Invalid input"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
}


class MalformedBody(Exception):
    """The request body could not be parsed (see HelplineParser)."""


def problem_response(
    request: HttpRequest,
    *,
    status: int,
    detail: str,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    default_code, default_title = _BY_STATUS.get(status, ("error", "Error"))
    code = code or default_code
    body = {
        "type": f"{PROBLEM_TYPE_BASE}{code}",
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "code": code,
        "errors": [{"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in errors or []],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def exception_handlers_install(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies by problem documents."""
    handlers: dict[type[Exception], Callable[..., HttpResponse]] = {
        ServiceError: _service_error,
        ValidationError: _validation_error,
        AuthenticationError: _authentication_error,
        HttpError: _http_error,
        Http404: _not_found,
        RequestDataTooBig: _too_big,
        MultiPartParserError: _unreadable,
        SuspiciousOperation: _unreadable,  # too many fields or files, …
        Exception: _unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return problem_response(
        request, status=exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors
    )


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_name(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
    return problem_response(request, status=422, detail="Some of the input is not valid: see errors.", errors=errors)


# The names the operations give their body and query schemas: not part of a field's name.
SCHEMA_PARAMETERS = frozenset({"payload", "filters"})


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "requester", "email")` → `requester.email`; `("query", "limit")` → `limit`."""
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if parts and parts[0] in SCHEMA_PARAMETERS:
        parts.pop(0)
    return ".".join(str(p) for p in parts) or str(source)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    return str(error.get("msg", "invalid"))


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        status=401,
        detail="Send a valid API token (Authorization: Bearer hl_…) or sign in.",
        headers={"WWW-Authenticate": 'Bearer realm="helpline"'},
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, MalformedBody):
        return problem_response(
            request, status=400, code="malformed-json", title="Malformed JSON", detail=str(exc.__cause__)
        )
    return problem_response(request, status=exc.status_code, detail=str(exc))


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, status=404, detail="There is nothing here.")


def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem_response(request, status=413, detail="The request body is larger than this server accepts.")


def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=400, detail="The request body could not be read.")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The details go to the log, never to the caller.
    logger.exception("API request failed: %s %s", request.method, request.path, exc_info=exc)
    return problem_response(request, status=500, detail="Something went wrong on our side; it has been logged.")
