"""Per-caller rate limit: a fixed window counted in the Django cache (locmem or Redis).

HELPLINE_API_RATE_LIMIT is "<requests>/<seconds>" (default "1200/60"); the counting is
helpline.core.ratelimit's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponseBase

from helpline.core.clock import now
from helpline.core.ratelimit import rate_rule_parse, window_hit

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


def rate_limit_hit(caller: str) -> RateLimit:
    """Count one request of `caller` and say whether it is over the limit."""
    limit, seconds = rate_rule_parse(settings.HELPLINE_API_RATE_LIMIT, setting="HELPLINE_API_RATE_LIMIT")
    try:
        hit = window_hit(f"helpline:api-rate:{caller}", seconds=seconds)
    except Exception:  # a cache outage must not take the API down with it
        logger.warning("rate limit cache unavailable; letting the request through", exc_info=True)
        reset = max(1, int(seconds - now().timestamp() % seconds))
        return RateLimit(limit=limit, remaining=limit, reset=reset, exceeded=False)
    return RateLimit(limit=limit, remaining=max(0, limit - hit.count), reset=hit.reset, exceeded=hit.count > limit)
