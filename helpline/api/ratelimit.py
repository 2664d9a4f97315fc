"""Per-caller rate limit: a fixed window counted in the Django cache (locmem or Redis).

HELPLINE_API_RATE_LIMIT is "<requests>/<seconds>" (default "1200/60"). A fixed window may let a
caller through with up to twice the limit across a window boundary; that is the price of one
`incr` per request and no state of our own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseBase

from helpline.core.clock import now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    exceeded: bool

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }

    def apply(self, response: HttpResponseBase) -> HttpResponseBase:
        for name, value in self.headers().items():
            response[name] = value
        return response


def rate_limit_parse(value: str) -> tuple[int, int]:
    try:
        count, seconds = (int(part) for part in value.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"HELPLINE_API_RATE_LIMIT is '<requests>/<seconds>', not {value!r}") from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"HELPLINE_API_RATE_LIMIT needs positive numbers, not {value!r}")
    return count, seconds


def rate_limit_hit(caller: str) -> RateLimit:
    """Count one request of `caller` and say whether it is over the limit."""
    limit, seconds = rate_limit_parse(settings.HELPLINE_API_RATE_LIMIT)
    stamp = now().timestamp()
    window = int(stamp // seconds)
    reset = max(1, int((window + 1) * seconds - stamp))
    key = f"helpline:api-rate:{caller}:{seconds}:{window}"
    try:
        count = _incr(key, timeout=seconds + 1)
    except Exception:  # a cache outage must not take the API down with it
        logger.warning("rate limit cache unavailable; letting the request through", exc_info=True)
        return RateLimit(limit=limit, remaining=limit, reset=reset, exceeded=False)
    return RateLimit(limit=limit, remaining=max(0, limit - count), reset=reset, exceeded=count > limit)


def _incr(key: str, *, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
