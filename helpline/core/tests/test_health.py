from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from helpline.core import health
from helpline.jobs.models import WorkerHeartbeat

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_GOOD = {
    "database": {"ok": True, "reason": "reachable"},
    "migrations": {"ok": True, "reason": "all applied"},
}


@pytest.fixture
def fresh_migration_check(monkeypatch):
    """Forget this process's cached 'all migrations applied' answer for one test."""
    monkeypatch.setattr(health, "_migrations_applied", False)


def _beat(worker_id: str, seconds_ago: float) -> None:
    WorkerHeartbeat.objects.create(worker_id=worker_id, last_seen_at=T0 - timedelta(seconds=seconds_ago))


# ------------------------------------------------------------------ /healthz


def test_healthz_answers_ok_without_touching_the_database(client):
    # given: no django_db mark, so any database access would raise

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_head_and_refuses_post(client):
    # when
    head = client.head("/healthz")
    post = client.post("/healthz")

    # then
    assert head.status_code == 200
    assert post.status_code == 405


# ------------------------------------------------------------------ /readyz


@pytest.mark.django_db
def test_readyz_is_ok_with_a_fresh_worker_heartbeat(client, settings):
    # given
    settings.HELPLINE_WORKER_HEARTBEAT_SECONDS = 10
    _beat("old-worker", seconds_ago=300)
    _beat("live-worker", seconds_ago=4)

    # when
    with time_machine.travel(T0, tick=False):
        response = client.get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {**ALL_GOOD, "worker": {"ok": True, "reason": "newest heartbeat is 4 s old"}},
    }


@pytest.mark.django_db
def test_readyz_is_unavailable_when_no_worker_ever_reported(client):
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {**ALL_GOOD, "worker": {"ok": False, "reason": "no job worker is running (no heartbeat)"}},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("interval", "seconds_ago", "status", "worker"),
    [
        (10, 30, 200, {"ok": True, "reason": "newest heartbeat is 30 s old"}),
        (10, 31, 503, {"ok": False, "reason": "newest heartbeat is 31 s old (limit 30 s)"}),
        (5, 16, 503, {"ok": False, "reason": "newest heartbeat is 16 s old (limit 15 s)"}),
    ],
)
def test_readyz_needs_a_heartbeat_fresher_than_three_intervals(client, settings, interval, seconds_ago, status, worker):
    # given
    settings.HELPLINE_WORKER_HEARTBEAT_SECONDS = interval
    _beat("w", seconds_ago=seconds_ago)

    # when
    with time_machine.travel(T0, tick=False):
        response = client.get("/readyz")

    # then
    assert response.status_code == status
    assert response.json()["checks"]["worker"] == worker


@pytest.mark.django_db
def test_readyz_is_unavailable_while_a_migration_is_unapplied(client, fresh_migration_check):
    # given: the newest migration of one app is recorded as not applied
    app, name = sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    _beat("w", seconds_ago=0)

    # when
    with time_machine.travel(T0, tick=False):
        response = client.get("/readyz")

    # then
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "reason": f"1 unapplied ({app}.{name}): run helpline migrate",
    }
    assert health._migrations_applied is False


@pytest.mark.django_db
def test_all_migrations_applied_is_remembered_so_later_probes_skip_the_migration_files(client, fresh_migration_check):
    # given: one probe saw every migration applied
    health.check_migrations()
    app, name = sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)

    # when
    with CaptureQueriesContext(connection) as queries:
        check = health.check_migrations()

    # then
    assert check == health.Check("migrations", True, "all applied")
    assert len(queries) == 0


@pytest.mark.django_db
def test_readyz_writes_nothing(client):
    # given
    _beat("w", seconds_ago=1)

    # when
    with time_machine.travel(T0, tick=False), CaptureQueriesContext(connection) as queries:
        client.get("/readyz")

    # then
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries]
    assert statements
    assert set(statements) <= {"SELECT", "PRAGMA"}


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_database_and_skips_the_other_checks(client, monkeypatch):
    # given: a database that cannot be reached (we cannot stop the real one under the test run)
    def unreachable(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")  # type: ignore[attr-defined]  # the driver's

    monkeypatch.setattr(connection, "cursor", unreachable)

    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503
    skipped = {"ok": False, "reason": "not checked: the database is unreachable"}
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": {"ok": False, "reason": "unreachable: OperationalError"},
            "migrations": skipped,
            "worker": skipped,
        },
    }
