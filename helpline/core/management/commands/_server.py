"""What `helpline serve` and `helpline web` share (Django skips command modules named `_*`)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

ASGI_APP = "helpline.asgi:application"
# Open websockets are closed by the server at shutdown; this bounds the wait for slow requests.
GRACEFUL_SHUTDOWN_SECONDS = 5


def database_description() -> str:
    """'SQLite at /path/helpline.sqlite3' or 'PostgreSQL at host:5432/helpline' (no password)."""
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor == "sqlite":
        return f"SQLite at {db['NAME']}"
    name = {"postgresql": "PostgreSQL", "mysql": "MySQL"}.get(vendor, vendor)
    host, port = db.get("HOST") or "localhost", db.get("PORT") or "default port"
    return f"{name} at {host}:{port}/{db['NAME']}"


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_options(*, host: str, port: int, proxy_headers: bool, forwarded_allow_ips: str) -> dict[str, Any]:
    """The uvicorn settings both commands use; logs go through Django's LOGGING (text or JSON)."""
    return {
        "host": host,
        "port": port,
        "lifespan": "off",
        "log_config": None,
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        "server_header": False,
    }


@contextmanager
def signals_end_quietly() -> Iterator[None]:
    """While uvicorn runs, let SIGINT/SIGTERM only stop it.

    uvicorn catches both signals, shuts down gracefully, then raises the caught signal again with
    the handlers it found installed. With Python's defaults that re-raise kills the process
    (SIGTERM) or throws KeyboardInterrupt (SIGINT) before our own clean-up runs; with these no-op
    handlers the command returns normally and exits 0.
    """

    def ignore(signum: int, frame: FrameType | None) -> None:
        return None

    previous = {sig: signal.signal(sig, ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
