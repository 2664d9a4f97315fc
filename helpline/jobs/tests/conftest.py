from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.jobs.tests.support import helpline_start


class HelplineProcesses:
    """`helpline …` subprocesses on the test database, each logging to a file of the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        # System checks are CI's business (and other apps' errors); these tests are about concurrency.
        process = helpline_start(*args, "--skip-checks", log=self.folder / f"process-{len(self.started)}.log")
        self.started.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(log.read_text() for log in sorted(self.folder.glob("process-*.log")))


@pytest.fixture
def helpline_processes(tmp_path: Path) -> Iterator[HelplineProcesses]:
    """Start `helpline …` subprocesses on the test database; kill any still running at the end."""
    processes = HelplineProcesses(tmp_path)
    yield processes
    for process in processes.started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
