"""Times are shown in the viewer's time zone: an agent's preference, else the browser's."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from helpline.accounts.models import Agent

# static/helpline/js/base.js writes the browser's zone (Intl) into this cookie.
TIME_ZONE_COOKIE = "hl_tz"


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None when there is no such zone."""
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, Agent) and user.is_authenticated:
            chosen = zone(user.time_zone)
        else:
            chosen = zone(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if chosen is not None:
            timezone.activate(chosen)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
