"""Fixed-window counters in the cache for the public forms (web form, sign-in links).

Rules are "<count>/<seconds>" (settings HELPLINE_FORM_RATE_LIMIT per address and
HELPLINE_FORM_IP_RATE_LIMIT per IP). A cache outage lets requests through: the form must keep
working, and the honeypot still stops the dumbest robots.
"""

from __future__ import annotations

import hashlib
import logging

from helpline.core.ratelimit import rate_rule_parse, window_hit

logger = logging.getLogger(__name__)


def limit_exceeded(scope: str, key: str, rule: str) -> bool:
    """Count one attempt for `key` (an address, an IP) in `scope`; True when it is one too many."""
    count, seconds = rate_rule_parse(rule, setting=f"The {scope} rate limit of the public forms")
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    try:
        return window_hit(f"helpline:form-rate:{scope}:{digest}", seconds=seconds).count > count
    except Exception:
        logger.warning("form rate limit cache unavailable; letting the request through", exc_info=True)
        return False
