"""Measure the agent workspace's two hot pages in-process against the configured (generated) database.

    python bench/ui.py [--iterations 200] [--warmup 20] [--only inbox,ticket-page]

- inbox: `GET /` and every other view in turn (`/views/<slug>`), plus a filtered and re-sorted view,
  as an agent of a public team, with a session. Target: p95 ≤ 50 ms and ≤ 10 SQL queries. The
  sidebar counts are kept 15 s between page loads, as in production; `--cold-counts` recomputes
  them for every request.
- ticket-page: `GET /tickets/<n>` for tickets of exactly 50 messages (created once, tagged
  `thread-50`, by `helpline.demo.generator.long_threads_ensure`). Target: p95 ≤ 60 ms.

Time is taken around django.test.Client calls (middleware, session, view, template rendering; no
network, no ASGI server); SQL statements are counted with an execute wrapper. Prints a table
and writes bench/results/ui-<timestamp>.json. Generate the data first (bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
os.environ.setdefault("HELPLINE_LOG_LEVEL", "WARNING")

THREAD_MESSAGES = 50


@dataclass(frozen=True)
class Target:
    p95_ms: float
    queries: int | None = None


@dataclass
class Scenario:
    name: str
    paths: Callable[[int], str]  # the path of iteration i
    target: Target
    labels: Callable[[int], str] | None = None  # a row per label too (the inbox's views)


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    # This process's CPU time meanwhile: on a shared, busy machine, how much of the wall time was
    # our own work (SQLite runs in-process; a PostgreSQL server's CPU is not counted).
    cpu_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered, cpu = sorted(self.ms), sorted(self.cpu_ms)
        return {
            "n": len(ordered),
            "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(_p95(ordered), 2),
            "max_ms": round(ordered[-1], 2),
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "cpu_p95_ms": round(_p95(cpu), 2),
            "queries_median": statistics.median(self.queries),
            "queries_max": max(self.queries),
        }


def _p95(ordered: list[float]) -> float:
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", help="inbox, ticket-page (default: both)")
    parser.add_argument(
        "--cold-counts",
        action="store_true",
        help="forget the sidebar counts before every request (they are kept 15 s between page loads)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    agent, threads = _context()
    scenarios = _scenarios(threads)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        scenarios = [s for s in scenarios if s.name in wanted]
    tickets = _approximate_tickets()
    counts = "recomputed for every request" if args.cold_counts else "kept 15 s between page loads"
    print(f"database: {connection.vendor} ({tickets:,} tickets), agent: {agent.email}, load: {_load()}")
    print(f"sidebar counts: {counts}")
    results: dict[str, Any] = {}
    failed = False
    print(f"\n{'scenario':<30} {'n':>4} {'median':>8} {'p95':>8} {'max':>8} {'cpu p50/p95':>14} {'queries':>8}  target")
    for scenario in scenarios:
        rows = _run(scenario, agent, iterations=args.iterations, warmup=args.warmup, cold_counts=args.cold_counts)
        for label, samples in rows.items():
            summary = samples.summary()
            results[label] = summary
            is_total = label == scenario.name
            verdict = ""
            if is_total:
                ok = summary["p95_ms"] <= scenario.target.p95_ms and (
                    scenario.target.queries is None or summary["queries_max"] <= scenario.target.queries
                )
                failed |= not ok
                limit = f"p95 ≤ {scenario.target.p95_ms:g} ms"
                if scenario.target.queries is not None:
                    limit += f", ≤ {scenario.target.queries} queries"
                verdict = f"{limit}: {'ok' if ok else 'MISSED'}"
            print(
                f"{('  ' if not is_total else '') + label:<30} {summary['n']:>4} {summary['median_ms']:>6.1f}ms"
                f" {summary['p95_ms']:>6.1f}ms {summary['max_ms']:>6.1f}ms"
                f" {summary['cpu_median_ms']:>6.1f}/{summary['cpu_p95_ms']:<6.1f}ms"
                f" {summary['queries_median']:>3g}/{summary['queries_max']:<4}  {verdict}"
            )
    _write(results, connection.vendor, tickets)
    sys.exit(1 if failed else 0)


def _context() -> tuple[Any, list[int]]:
    """An agent of a public team (a session login) and the 50-message tickets."""
    from helpline.accounts.models import Agent
    from helpline.demo.generator import long_threads_ensure

    agent = (
        Agent.objects.filter(role=Agent.Role.AGENT, is_active=True, memberships__team__is_private=False)
        .order_by("id")
        .first()
    )
    if agent is None:
        sys.exit("bench/ui.py: no agent in a public team; generate the data first (bench/README.md).")
    return agent, long_threads_ensure(count=10, messages=THREAD_MESSAGES)


def _scenarios(threads: list[int]) -> list[Scenario]:
    from helpline.workspace.selectors import VIEWS

    inbox_paths = ["/"] + [f"/views/{v.slug}" for v in VIEWS[1:]] + ["/views/all?status=open&sort=-created_at"]
    inbox_labels = ["my-open"] + [v.slug for v in VIEWS[1:]] + ["all, open, newest"]
    return [
        Scenario(
            "inbox",
            lambda i: inbox_paths[i % len(inbox_paths)],
            Target(p95_ms=50, queries=10),
            labels=lambda i: inbox_labels[i % len(inbox_labels)],
        ),
        Scenario("ticket-page", lambda i: f"/tickets/{threads[i % len(threads)]}", Target(p95_ms=60)),
    ]


def _run(scenario: Scenario, agent: Any, *, iterations: int, warmup: int, cold_counts: bool) -> dict[str, Samples]:
    from django.db import connection
    from django.test import Client

    from helpline.workspace.selectors import counts_forget

    client = Client()
    client.force_login(agent)
    rows: dict[str, Samples] = {scenario.name: Samples()}
    statements = [0]

    # Counted with a light execute wrapper rather than CaptureQueriesContext: that one switches on
    # Django's debug cursor, which formats and keeps every statement, a cost production never pays
    # (as in bench/run.py). Every statement sent through a cursor counts.
    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    gc.collect()
    for i in range(warmup + iterations):
        path = scenario.paths(i)
        if cold_counts:
            counts_forget(agent)
        statements[0] = 0
        with connection.execute_wrapper(count):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
        if response.status_code != 200:
            sys.exit(f"bench/ui.py: GET {path} answered {response.status_code}")
        if i < warmup:
            continue
        for label in [scenario.name] + ([scenario.labels(i)] if scenario.labels else []):
            rows.setdefault(label, Samples())
            rows[label].ms.append(elapsed)
            rows[label].cpu_ms.append(cpu)
            rows[label].queries.append(statements[0])
    return rows


def _approximate_tickets() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_ticket'")
        else:
            cursor.execute("SELECT MAX(id) FROM tickets_ticket")
        return int(cursor.fetchone()[0] or 0)


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _write(results: dict[str, Any], vendor: str, tickets: int) -> None:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "at": stamp,
        "database": vendor,
        "tickets": tickets,
        "python": platform.python_version(),
        "load": _load(),
        "results": results,
    }
    path = folder / f"ui-{stamp}.json"
    path.write_text(json.dumps(document, indent=2))
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
