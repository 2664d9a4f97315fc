"""`helpline serve` (embedded) and `helpline web` (scaled), run for real as subprocesses."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

import helpline
from helpline.accounts.models import Agent
from helpline.core.management.commands.serve import Command as ServeCommand

REPO = Path(helpline.__file__).resolve().parent.parent
PASSWORD_LINE = re.compile(r"^    password:  (\S+)$", re.MULTILINE)
# Settings that would point the child at a shared database or pre-set the admin.
INHERITED_NOT = {"DATABASE_URL", "REDIS_URL", "HELPLINE_ADMIN_EMAIL", "HELPLINE_ADMIN_PASSWORD", "HELPLINE_DEMO"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT and not k.endswith("_FILE")}
    env.update(HELPLINE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", HELPLINE_LOG_LEVEL="INFO")
    return env


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _wait_for(url: str, status: int, process: subprocess.Popen, seconds: float, log: Path) -> dict:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            code, body = _get(url)
            if code == status:
                return body
            last = (code, body)
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {seconds} s; last: {last!r}")


def _start(args: list[str], data_dir: Path, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "helpline", *args],
            cwd=REPO,
            env=_embedded_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen, seconds: float) -> tuple[int, float]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=seconds)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, time.monotonic() - started


@pytest.mark.slow
def test_serve_migrates_creates_the_admin_serves_and_stops_cleanly_on_sigterm(tmp_path):
    # given
    pytest.importorskip("helpline.jobs.worker", reason="helpline serve needs the job worker")
    data_dir, log, port = tmp_path / "data", tmp_path / "serve.log", _free_port()
    base = f"http://127.0.0.1:{port}"

    # when
    process = _start(["serve", "--port", str(port)], data_dir, log)
    try:
        health = _wait_for(f"{base}/healthz", 200, process, 120, log)
        # the worker thread reports within a heartbeat, so the embedded server becomes ready
        ready = _wait_for(f"{base}/readyz", 200, process, 30, log)
    finally:
        code, took = _stop(process, seconds=10)

    # then
    output = log.read_text()
    assert health == {"status": "ok"}
    assert ready["status"] == "ok"
    assert (code, took < 10) == (0, True), output
    lines = output.splitlines()
    assert (
        f"Helpline is running on {base} (embedded: SQLite at {data_dir / 'helpline.sqlite3'}, "
        "worker and scheduler in this process)"
    ) in lines
    assert lines[-1] == "Helpline stopped."
    passwords = PASSWORD_LINE.findall(output)
    assert len(passwords) == 1
    assert output.count(passwords[0]) == 1
    with sqlite3.connect(data_dir / "helpline.sqlite3") as db:
        admins = db.execute("SELECT email, role, is_staff, is_superuser, password FROM accounts_agent").fetchall()
    assert [row[:4] for row in admins] == [("admin@localhost", "admin", 1, 1)]
    assert check_password(passwords[0], admins[0][4])


@pytest.mark.slow
def test_web_serves_with_two_worker_processes_and_is_not_ready_without_a_job_worker(tmp_path):
    # given: a migrated embedded database and no job worker running
    data_dir, log, port = tmp_path / "data", tmp_path / "web.log", _free_port()
    migrate = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "helpline", "migrate", "--no-input", "-v", "0"],
        cwd=REPO,
        env=_embedded_env(data_dir),
        capture_output=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
    base = f"http://127.0.0.1:{port}"

    # when
    process = _start(["web", "--workers", "2", "--port", str(port)], data_dir, log)
    try:
        health = _wait_for(f"{base}/healthz", 200, process, 120, log)
        ready = _wait_for(f"{base}/readyz", 503, process, 10, log)
    finally:
        code, took = _stop(process, seconds=10)

    # then
    output = log.read_text()
    assert health == {"status": "ok"}
    assert ready == {
        "status": "unavailable",
        "checks": {
            "database": {"ok": True, "reason": "reachable"},
            "migrations": {"ok": True, "reason": "all applied"},
            "worker": {"ok": False, "reason": "no job worker is running (no heartbeat)"},
        },
    }
    assert (code, took < 10) == (0, True), output
    assert f"Helpline web on {base} with 2 worker process(es) (SQLite at {data_dir / 'helpline.sqlite3'})" in output
    assert "REDIS_URL is not set" in output
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2


@pytest.mark.django_db
def test_serve_says_what_is_missing_when_the_job_worker_cannot_be_imported(monkeypatch):
    # given: importing helpline.jobs.worker fails
    monkeypatch.setitem(sys.modules, "helpline.jobs.worker", None)

    # when
    with pytest.raises(CommandError) as raised:
        call_command("serve", "--port", str(_free_port()))

    # then: it stopped before touching anything
    assert str(raised.value).startswith(
        "helpline serve runs the job worker and the scheduler in this process, but they cannot be "
        "imported (import of helpline.jobs.worker halted; None in sys.modules); it needs "
        "helpline.jobs.worker.run_worker_in_thread and helpline.jobs.scheduler.run_scheduler_in_thread."
    )
    assert Agent.objects.count() == 0


@pytest.mark.django_db
def test_demo_data_is_skipped_with_a_log_line_when_the_generator_is_missing(monkeypatch, caplog):
    # given
    monkeypatch.setitem(sys.modules, "helpline.demo.generator", None)

    # when
    with caplog.at_level(logging.INFO, logger="helpline.serve"):
        ServeCommand()._load_demo()

    # then
    assert [r.getMessage() for r in caplog.records] == [
        "demo data not loaded: the demo generator is not available "
        "(import of helpline.demo.generator halted; None in sys.modules)"
    ]
