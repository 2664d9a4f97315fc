"""Fixed-window counters in the Django cache (locmem or Redis): the one rate-limit mechanism.

A rule is "<count>/<seconds>". A fixed window may let a caller through with up to twice the limit
across a window boundary; that is the price of one `incr` per hit and no state of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from helpline.core.clock import now


@dataclass(frozen=True)
class WindowHit:
    count: int  # hits in this window, this one included
    reset: int  # seconds until the window ends


def rate_rule_parse(rule: str, *, setting: str) -> tuple[int, int]:
    """(count, seconds) of a "<count>/<seconds>" rule; ImproperlyConfigured naming `setting` if wrong."""
    try:
        count, seconds = (int(part) for part in rule.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"{setting} is '<count>/<seconds>', not {rule!r}") from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{setting} needs positive numbers, not {rule!r}")
    return count, seconds


def window_hit(key: str, *, seconds: int) -> WindowHit:
    """Count one hit for `key` in the current window of `seconds`. Cache errors propagate: each
    caller decides whether an outage lets requests through."""
    stamp = now().timestamp()
    window = int(stamp // seconds)
    reset = max(1, int((window + 1) * seconds - stamp))
    name = f"{key}:{seconds}:{window}"
    if cache.add(name, 1, timeout=seconds + 1):
        return WindowHit(count=1, reset=reset)
    try:
        return WindowHit(count=cache.incr(name), reset=reset)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=seconds + 1)
        return WindowHit(count=1, reset=reset)
