"""`branding` in every template: the company name and logo (from the cache, lazily)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from helpline.configuration.selectors import branding_get


def branding(request: HttpRequest) -> dict[str, Any]:
    return {"branding": SimpleLazyObject(branding_get)}
