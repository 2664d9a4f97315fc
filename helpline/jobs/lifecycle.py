"""Running a long loop (worker, scheduler): its id, and stopping it from a signal or another thread."""

from __future__ import annotations

import os
import socket
import threading
import time

from django.utils.crypto import get_random_string

# How long a sleeping loop may take to notice a signal: signal handlers only flip a flag (taking a
# lock inside a handler can deadlock), so the sleep wakes up this often to look at it.
_SIGNAL_POLL_SECONDS = 0.2


def instance_id() -> str:
    """An id for this worker, scheduler or drain: unique, and saying which host and process it is."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


class StopFlag:
    """Set by `request()` (safe in a signal handler) or by the caller's `threading.Event`."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = event if event is not None else threading.Event()
        self._requested = False

    def request(self) -> None:
        """Ask the loop to stop; only assigns a flag, so a signal handler may call it."""
        self._requested = True

    def is_set(self) -> bool:
        return self._requested or self.event.is_set()

    def sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`, returning early once a stop is requested."""
        deadline = time.monotonic() + seconds
        while not self.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.event.wait(min(remaining, _SIGNAL_POLL_SECONDS))
