"""How many failed sign-ins one address and one IP may make (agents in the workspace, customers
with a portal password).

Failures are counted with the fixed-window counters of core/ratelimit.py. The failure that goes one
past a rule sets a "blocked" mark for the rest of the window, and a blocked caller is refused
before the password is checked, so a guesser learns nothing more, even with the right password. A
cache outage lets sign-ins through (logged): the workspace must stay usable.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from helpline.core.clock import now
from helpline.core.ratelimit import rate_rule_parse, window_hit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInRule:
    scope: str  # "email" | "ip"
    setting: str  # the settings name holding "<count>/<seconds>"


RULES = (
    SignInRule("email", "HELPLINE_LOGIN_RATE_LIMIT"),
    SignInRule("ip", "HELPLINE_LOGIN_IP_RATE_LIMIT"),
)


def sign_in_blocked_seconds(*, realm: str, email: str, ip: str) -> int:
    """Seconds until this address or IP may try again in `realm` ("agent", "portal"); 0 when now."""
    try:
        marks = cache.get_many(_block_keys(realm, email, ip))
    except Exception:
        logger.warning("sign-in rate limit cache unavailable; letting the attempt through", exc_info=True)
        return 0
    stamp = now().timestamp()
    return max([0, *(math.ceil(float(until) - stamp) for until in marks.values())])


def sign_in_failed(*, realm: str, email: str, ip: str) -> int:
    """Count a failed attempt; return the seconds the caller now has to wait (0: may try again)."""
    wait = 0
    for rule, key in zip(RULES, _keys(realm, email, ip), strict=True):
        if key is None:
            continue
        count, seconds = rate_rule_parse(getattr(settings, rule.setting), setting=rule.setting)
        try:
            hit = window_hit(f"helpline:sign-in:{key}", seconds=seconds)
            if hit.count >= count:
                until = now().timestamp() + hit.reset
                cache.set(f"helpline:sign-in-blocked:{key}", until, timeout=hit.reset)
                wait = max(wait, hit.reset)
        except Exception:
            logger.warning("sign-in rate limit cache unavailable; not counting", exc_info=True)
    return wait


def wait_minutes(seconds: int) -> int:
    """The wait as people read it: whole minutes, at least one."""
    return max(1, math.ceil(seconds / 60))


def _keys(realm: str, email: str, ip: str) -> list[str | None]:
    address = email.strip().lower()
    return [
        f"{realm}:email:{_digest(address)}" if address else None,
        f"{realm}:ip:{_digest(ip)}" if ip else None,
    ]


def _block_keys(realm: str, email: str, ip: str) -> list[str]:
    return [f"helpline:sign-in-blocked:{key}" for key in _keys(realm, email, ip) if key is not None]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]
