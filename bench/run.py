"""Measure Helpline's hot paths in-process against the configured (generated) database.

    python bench/run.py [--iterations 200] [--warmup 20] [--only create,list,ticket]

Each request goes through the whole Django stack with django.test.Client; the time is taken around
the client call and the SQL statements are counted with CaptureQueriesContext. Filter values and
tickets change from one iteration to the next so that no cache flatters the figures. Prints a table
and writes bench/results/<timestamp>.json. Generate the data first (bench/generate.py, README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
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
# One caller sends thousands of requests a minute here; the per-caller limit would answer 429.
os.environ.setdefault("HELPLINE_API_RATE_LIMIT", "100000000/60")
os.environ.setdefault("HELPLINE_LOG_LEVEL", "WARNING")

API = "/api/v1"
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")


@dataclass(frozen=True)
class Target:
    p95_ms: float | None = None
    queries: int | None = None
    per_second: float | None = None
    note: str = ""

    def describe(self) -> str:
        parts = []
        if self.p95_ms is not None:
            parts.append(f"p95 ≤ {self.p95_ms:g} ms")
        if self.queries is not None:
            parts.append(f"≤ {self.queries} queries")
        if self.per_second is not None:
            parts.append(f"≥ {self.per_second:g}/s")
        return ", ".join(parts) + (f" {self.note}" if self.note else "")


@dataclass
class Step:
    """One request of an iteration; `label` names the row it is reported under."""

    label: str
    path: str
    method: str = "get"
    body: dict[str, Any] | None = None
    expect: int = 200


@dataclass
class Scenario:
    name: str
    steps: Callable[[int], list[Step]]  # the requests of iteration i
    headers: dict[str, str]
    targets: dict[str, Target] = field(default_factory=dict)  # by label (or "<name> (sum)")
    session_agent: Any = None  # HTML pages log in with a session instead of a token
    throughput: str | None = None  # label whose requests/s is reported (sequential, one process)


@dataclass(frozen=True)
class Measure:
    """One request (or the sum of an iteration's requests)."""

    ms: float  # wall time around the client call
    # This process's CPU time meanwhile: on a shared machine, how much of the wall time was ours
    # (SQLite runs in-process; a PostgreSQL server's CPU is not counted).
    cpu_ms: float
    sql_ms: float  # wall time inside cursor.execute, all statements
    queries: int

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.ms + other.ms, self.cpu_ms + other.cpu_ms, self.sql_ms + other.sql_ms,
                       self.queries + other.queries)  # fmt: skip


@dataclass
class Samples:
    measures: list[Measure] = field(default_factory=list)
    wall_seconds: float = 0.0  # of the whole measured loop, for requests/s

    def summary(self) -> dict[str, Any]:
        def column(name: str) -> list[float]:
            return sorted(getattr(m, name) for m in self.measures)

        wall, cpu, sql, queries = column("ms"), column("cpu_ms"), column("sql_ms"), column("queries")
        return {
            "n": len(wall),
            "median_ms": round(statistics.median(wall), 2),
            "p95_ms": round(_p95(wall), 2),
            "max_ms": round(wall[-1], 2),
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "cpu_p95_ms": round(_p95(cpu), 2),
            "sql_median_ms": round(statistics.median(sql), 2),
            "queries_median": statistics.median(queries),
            "queries_max": int(queries[-1]),
            "per_second": round(len(wall) / self.wall_seconds, 1) if self.wall_seconds else None,
            "samples_ms": [round(m.ms, 3) for m in self.measures],
        }


def _p95(ordered: list[float]) -> float:
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", help="comma-separated scenario names (default: all that are available)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", metavar="FILE", help="run the measured requests under cProfile and write its stats to FILE"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if not _api_available():
        sys.exit("bench/run.py: /api/v1/tickets is not routed yet (helpline/urls.py); nothing to measure.")
    context = _context(seed=args.seed)
    scenarios = _scenarios(context)
    wanted = set(args.only.split(",")) if args.only else None
    results: dict[str, dict[str, Any]] = {}
    targets: dict[str, Target] = {}
    for scenario in scenarios:
        if wanted and scenario.name not in wanted:
            continue
        print(f"running {scenario.name} …", file=sys.stderr, flush=True)
        for label, samples in _run(
            scenario, iterations=args.iterations, warmup=args.warmup, profile=args.profile
        ).items():
            results[label] = samples.summary()
        targets.update(scenario.targets)
    _print_table(results, targets, context)
    _write_json(results, targets, context, args, vendor=connection.vendor)


# ---------------------------------------------------------------------- the data under test


def _api_available() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(f"{API}/tickets")
    except Resolver404:
        return False
    return True


def _context(*, seed: int) -> dict[str, Any]:
    """The agents, teams, tickets and tokens the scenarios use."""
    from django.db import connection

    from helpline.accounts.models import Agent, Team
    from helpline.accounts.tokens import token_create
    from helpline.customers.models import ContactIdentity
    from helpline.demo.generator import long_threads_ensure
    from helpline.tickets.models import Ticket

    admin = Agent.objects.filter(role=Agent.Role.ADMIN, is_active=True).order_by("id").first()
    # An agent outside the private teams: the visibility filter has teams to hide.
    agent = (
        Agent.objects.filter(role=Agent.Role.AGENT, is_active=True, memberships__isnull=False)
        .exclude(memberships__team__is_private=True)
        .order_by("id")
        .first()
    )
    if admin is None or agent is None:
        sys.exit("bench/run.py: no generated agents here; run bench/generate.py first.")
    teams = list(Team.objects.order_by("id").values_list("id", "is_private"))
    emails = list(ContactIdentity.objects.filter(kind="email").order_by("id").values_list("value", flat=True)[:500:5])
    return {
        "admin": admin,
        "agent": agent,
        "admin_token": token_create(agent=admin, name="bench")[1],
        "agent_token": token_create(agent=agent, name="bench")[1],
        "public_teams": [team_id for team_id, private in teams if not private],
        "all_teams": [team_id for team_id, _ in teams],
        "long_threads": long_threads_ensure(count=20, messages=20, seed=seed),
        "customer_emails": emails,
        "tickets": Ticket.objects.count(),
        "database": f"{connection.vendor} {connection.settings_dict['NAME']}",
        "load_before": _load_average(),
        "run": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
    }


def _scenarios(c: dict[str, Any]) -> list[Scenario]:
    agent = {"Authorization": f"Bearer {c['agent_token']}"}
    admin = {"Authorization": f"Bearer {c['admin_token']}"}
    list_target = Target(p95_ms=30, queries=8)

    def create(i: int) -> list[Step]:
        # Every other ticket comes from a known customer, the others from a new one.
        email = c["customer_emails"][i % len(c["customer_emails"])] if i % 2 else f"bench-{c['run']}-{i}@bench.example"
        body = {
            "subject": f"Bench ticket {i}: invoice question",
            "requester": {"email": email, "name": f"Bench Customer {i}"},
            "body": "Hello,\n\nthe invoice for last month shows the wrong VAT number.\n\nThanks,\nBench",
            "priority": "high",
            "team_id": c["public_teams"][i % len(c["public_teams"])],
        }
        return [Step("create: POST /tickets", f"{API}/tickets", method="post", body=body, expect=201)]

    def tickets_list(teams: list[int], statuses: tuple[str, ...], label: str) -> Callable[[int], list[Step]]:
        def steps(i: int) -> list[Step]:
            team, status = teams[i % len(teams)], statuses[(i // len(teams)) % len(statuses)]
            return [Step(label, f"{API}/tickets?team={team}&status={status}&sort=-created_at&limit=25")]

        return steps

    def one_ticket(i: int) -> list[Step]:
        number = c["long_threads"][i % len(c["long_threads"])]
        return [
            Step("ticket: GET /tickets/<n>", f"{API}/tickets/{number}"),
            Step("ticket: GET /tickets/<n>/messages", f"{API}/tickets/{number}/messages"),
        ]

    scenarios = [
        Scenario(
            "create",
            create,
            admin,
            {"create: POST /tickets": Target(per_second=200, note="(SQLite)")},
            throughput="create: POST /tickets",
        ),
        Scenario(
            "list",
            tickets_list(c["public_teams"], ("open",), "list: team+open, agent"),
            agent,
            {"list: team+open, agent": list_target},
        ),
        Scenario(
            "list-statuses",
            tickets_list(c["public_teams"], STATUSES, "list: team+any status, agent"),
            agent,
            {"list: team+any status, agent": list_target},
        ),
        Scenario(
            "list-admin",
            tickets_list(c["all_teams"], STATUSES, "list: team+any status, admin"),
            admin,
            {"list: team+any status, admin": list_target},
        ),
        Scenario("ticket", one_ticket, agent, {"ticket (sum)": Target(p95_ms=30, note="(both requests)")}),
    ]
    # d. The HTML pages, once they exist: the agent inbox and the ticket page, logged in with a session.
    #    Each runs only when its URL resolves; adjust the paths when the views land.
    if _resolves("/"):
        scenarios.append(
            Scenario(
                "inbox",
                lambda i: [Step("inbox: GET /", "/")],
                {},
                session_agent=c["agent"],
                targets={"inbox: GET /": Target(p95_ms=30)},
            )
        )
    if _resolves(f"/tickets/{c['long_threads'][0]}"):
        scenarios.append(
            Scenario(
                "ticket-page",
                lambda i: [
                    Step("ticket page: GET /tickets/<n>", f"/tickets/{c['long_threads'][i % len(c['long_threads'])]}")
                ],
                {},
                session_agent=c["agent"],
                targets={"ticket page: GET /tickets/<n>": Target(p95_ms=30)},
            )
        )
    return scenarios


def _load_average() -> str:
    """The machine's 1/5/15-minute load: figures from a busy shared machine need saying so."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


# ---------------------------------------------------------------------- measuring


def _run(scenario: Scenario, *, iterations: int, warmup: int, profile: str | None = None) -> dict[str, Samples]:
    import cProfile

    from django.test import Client

    profiler = cProfile.Profile() if profile else None

    client = Client(headers=scenario.headers)
    if scenario.session_agent is not None:
        client.force_login(scenario.session_agent)
    samples: dict[str, Samples] = {}
    gc.collect()
    measured_from = time.perf_counter()
    for i in range(warmup + iterations):
        if i == warmup:
            measured_from = time.perf_counter()
            if profiler is not None:
                profiler.enable()
        steps = scenario.steps(i)
        measures = [_measure(client, step) for step in steps]
        if i < warmup:
            continue
        for step, measure in zip(steps, measures, strict=True):
            samples.setdefault(step.label, Samples()).measures.append(measure)
        if len(steps) > 1:
            samples.setdefault(f"{scenario.name} (sum)", Samples()).measures.append(sum(measures[1:], measures[0]))
    if scenario.throughput:
        samples[scenario.throughput].wall_seconds = time.perf_counter() - measured_from
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{scenario.name}")
        print(f"profile of {scenario.name} written to {profile}.{scenario.name}", file=sys.stderr)
    return samples


def _measure(client: Any, step: Step) -> Measure:
    from django.db import connection

    kwargs: dict[str, Any] = {}
    if step.body is not None:
        kwargs = {"data": json.dumps(step.body), "content_type": "application/json"}
    sql_seconds = [0.0]
    statements = [0]

    # Counted and timed with a light execute wrapper rather than CaptureQueriesContext: that one
    # switches on Django's debug cursor, which formats and logs every statement, a cost production
    # never pays. Every statement sent through a cursor counts, savepoints included.
    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds[0] += time.perf_counter() - started
            statements[0] += 1

    with connection.execute_wrapper(timed):
        cpu_started, started = time.process_time(), time.perf_counter()
        response = getattr(client, step.method)(step.path, **kwargs)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if response.status_code != step.expect:
        sys.exit(
            f"{step.method.upper()} {step.path} answered {response.status_code}, not {step.expect}:\n"
            f"{response.content[:2000].decode(errors='replace')}"
        )
    return Measure(elapsed * 1000, cpu * 1000, sql_seconds[0] * 1000, statements[0])


# ---------------------------------------------------------------------- reporting


def _verdict(summary: dict[str, Any], target: Target | None) -> str:
    if target is None:
        return ""
    ok = True
    if target.p95_ms is not None:
        ok &= summary["p95_ms"] <= target.p95_ms
    if target.queries is not None:
        ok &= summary["queries_max"] <= target.queries
    if target.per_second is not None:
        ok &= (summary["per_second"] or 0) >= target.per_second
    return "ok" if ok else "MISS"


def _print_table(results: dict[str, dict[str, Any]], targets: dict[str, Target], c: dict[str, Any]) -> None:
    print(
        f"\n{c['database']}, {c['tickets']:,} tickets; load average {c['load_before']} before, {_load_average()} after"
    )
    header = (
        f"{'scenario':<36} {'n':>4} {'median':>8} {'p95':>8} {'max':>8} {'cpu med':>8} {'cpu p95':>8}"
        f" {'sql med':>8} {'queries':>8} {'req/s':>7}  target"
    )
    print(header)
    print("-" * (len(header) + 30))
    for label, s in results.items():
        target = targets.get(label)
        queries = f"{s['queries_median']:g}/{s['queries_max']}"
        rate = f"{s['per_second']:.0f}" if s["per_second"] else ""
        described = f"{target.describe()}  {_verdict(s, target)}" if target else ""
        print(
            f"{label:<36} {s['n']:>4} {s['median_ms']:>6.1f}ms {s['p95_ms']:>6.1f}ms {s['max_ms']:>6.1f}ms "
            f"{s['cpu_median_ms']:>6.1f}ms {s['cpu_p95_ms']:>6.1f}ms {s['sql_median_ms']:>6.1f}ms {queries:>8}"
            f" {rate:>7}  {described}"
        )
    print(
        "(wall ms around the client call; cpu: this process's CPU meanwhile; sql: wall time in execute;"
        " queries median/max per request; req/s sequential in one process; targets apply to wall p95)"
    )


def _write_json(
    results: dict[str, dict[str, Any]], targets: dict[str, Target], c: dict[str, Any], args: Any, *, vendor: str
) -> None:
    import django

    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{c['run']}.json"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    document = {
        "at": datetime.now(UTC).isoformat(),
        "database": c["database"],
        "vendor": vendor,
        "tickets": c["tickets"],
        "iterations": args.iterations,
        "warmup": args.warmup,
        "commit": commit.stdout.strip(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_before": c["load_before"],
            "load_after": _load_average(),
        },
        "results": {
            label: {
                **summary,
                "target": targets[label].describe() if label in targets else None,
                "verdict": _verdict(summary, targets.get(label)) or None,
            }
            for label, summary in results.items()
        },
    }
    path.write_text(json.dumps(document, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
