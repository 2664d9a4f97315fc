"""Helpers for tests that need real concurrency: threads with their own connections, processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

REPO_ROOT = Path(__file__).resolve().parents[3]
# How long a `helpline` subprocess may take to start and do its part: a generous bound (a passing
# test never waits it out) because Django's start-up is slow on a loaded CI machine.
STARTUP_TIMEOUT = 30.0


def database_url_for_subprocess() -> str:
    """A DATABASE_URL naming the test database, for a `helpline` subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def helpline_start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """Start `python -m helpline <args>` on the test database, its output going to `log`."""
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "HELPLINE_DATA_DIR": str(settings.DATA_DIR)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "helpline", *args], cwd=REPO_ROOT, env=env, stdout=output, stderr=output
        )


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition", logs: Any = None
) -> None:
    """Poll `condition`; on time-out fail, showing the subprocess logs when given (`.logs()`)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            details = f"\n{logs.logs()}" if logs is not None else ""
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}{details}")
        time.sleep(0.02)


def run_concurrently(function: Callable[[], Any], *, times: int) -> list[Any]:
    """Run `function` in `times` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(times)
    results: list[Any] = [None] * times
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=5)
            results[index] = function()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    if errors:
        raise errors[0]
    return results
