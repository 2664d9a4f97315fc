"""Fixed-window counters in the cache for the public forms (web form, sign-in links).

Rules are "<count>/<seconds>" (settings HELPLINE_FORM_RATE_LIMIT per address and
HELPLINE_FORM_IP_RATE_LIMIT per IP). A cache outage lets requests through: the form must keep
working, and the honeypot still stops the dumbest robots.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from helpline.core.clock import now

logger = logging.getLogger(__name__)


def rule_parse(rule: str) -> tuple[int, int]:
    try:
        count, seconds = (int(part) for part in rule.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"A rate limit is '<count>/<seconds>', not {rule!r}") from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"A rate limit needs positive numbers, not {rule!r}")
    return count, seconds


def limit_exceeded(scope: str, key: str, rule: str) -> bool:
    """Count one attempt for `key` (an address, an IP) in `scope`; True when it is one too many."""
    count, seconds = rule_parse(rule)
    window = int(now().timestamp() // seconds)
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    name = f"helpline:form-rate:{scope}:{digest}:{seconds}:{window}"
    try:
        if cache.add(name, 1, timeout=seconds + 1):
            return False
        try:
            return cache.incr(name) > count
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=seconds + 1)
            return False
    except Exception:
        logger.warning("form rate limit cache unavailable; letting the request through", exc_info=True)
        return False
