"""The API's URLs (mounted at api/v1/): ninja's, with problem documents for what ninja answers
outside an operation (a wrong method, an unknown path)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, re_path

from helpline.api.api import api
from helpline.api.docs import docs_asset
from helpline.api.problems import problem_response

app_name = "api-1"  # the namespace ninja reverses its own URLs in


def _problems_outside_operations(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem_response(request, status=404, detail="There is nothing here.")
        if isinstance(response, HttpResponseNotAllowed):
            return problem_response(
                request,
                status=405,
                detail=f"{request.method} is not allowed here; allowed: {response['Allow']}.",
                headers={"Allow": response["Allow"]},
            )
        return response

    return wrapped


def _wrap(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if isinstance(pattern, URLPattern):
        return URLPattern(
            pattern.pattern, _problems_outside_operations(pattern.callback), pattern.default_args, pattern.name
        )
    return pattern


def unknown_path(request: HttpRequest, rest: str = "") -> HttpResponseBase:
    return problem_response(request, status=404, detail="There is no such API endpoint.")


urlpatterns = [
    *(_wrap(p) for p in api.urls[0]),
    path("docs/assets/<str:name>", _problems_outside_operations(docs_asset), name="docs-asset"),
    re_path(r"^(?P<rest>.*)$", unknown_path),
]
