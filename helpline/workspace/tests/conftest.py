"""Browser journeys: a real Helpline (uvicorn, ASGI: HTTP and websockets) on the test database,
driven by Debian's chromium through Playwright.

pytest-django's `live_server` speaks WSGI only, so the journeys start `uvicorn helpline.asgi` in a
subprocess against the test database instead. The data the tests write is committed
(`transactional_db`) so that the server sees it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing(reason: str) -> None:
    """Without CI a missing browser skips the journeys; in CI it fails them, loudly."""
    if _ci():
        pytest.fail(f"CI=true and the browser journeys cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
    if not (Path(path).is_file() and os.access(path, os.X_OK)) and not shutil.which(path):
        _missing(f"no chromium at {path} (apt-get install chromium, or set HELPLINE_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed (requirements/test.txt)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str, asgi_server: str) -> Iterator[Any]:
    """Chromium, started after the test database and the server exist.

    Playwright's sync API keeps an event loop registered in this thread while it runs, which
    Django's async-safety guard takes for async code: the tests' own ORM calls (plain synchronous
    code) are let through for as long as the browser is open, and the guard is back afterwards.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(settings_dict: dict[str, Any]) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def asgi_server_env() -> dict[str, str]:
    """Environment variables of a test module's server besides the usual ones (a module overrides
    this fixture to change a setting of its server)."""
    return {}


@pytest.fixture(scope="module")
def asgi_server(django_db_setup: None, django_db_blocker: Any, asgi_server_env: dict[str, str]) -> Iterator[str]:
    """http://127.0.0.1:<port> of a Helpline served by uvicorn on the test database."""
    from django.conf import settings
    from django.db import connection

    with django_db_blocker.unblock():
        url_for_db = _database_url(connection.settings_dict)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url_for_db,
        "HELPLINE_DATA_DIR": str(settings.DATA_DIR),
        "HELPLINE_SITE_URL": base,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HELPLINE_LOG_LEVEL": "WARNING",
        # One browser, one IP, many submissions: the form's rate limits are for the outside world.
        "HELPLINE_FORM_RATE_LIMIT": "100000/60",
        "HELPLINE_FORM_IP_RATE_LIMIT": "100000/60",
        **asgi_server_env,
    }
    log = open(Path(settings.DATA_DIR) / f"journeys-uvicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "uvicorn", "helpline.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"{base}/login/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}; see journeys-uvicorn-*.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"uvicorn did not answer {url} within {timeout:.0f} s")


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """The sidebar counts are kept a few seconds in the cache: every test gets a cache namespace of
    its own (Redis is shared by parallel test processes on PostgreSQL runs: never clear it)."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, config in settings.CACHES.items()
    }
