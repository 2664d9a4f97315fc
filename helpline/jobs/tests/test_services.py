from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.jobs.models import ScheduleSlot, WorkerHeartbeat
from helpline.jobs.selectors import worker_heartbeats_fresh
from helpline.jobs.services import (
    schedule_slots_prune,
    task_results_prune,
    worker_heartbeat_beat,
    worker_heartbeats_prune,
)
from helpline.jobs.tests.tasks_for_tests import noop

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def now_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.mark.django_db
def test_a_heartbeat_is_inserted_then_moved_keeping_its_start(now_t0):
    # given a first beat at T0
    worker_heartbeat_beat(worker_id="w1", hostname="host-a", pid=42)

    # when the worker beats again 10 s later
    now_t0.shift(10)
    worker_heartbeat_beat(worker_id="w1", hostname="host-a", pid=42)

    # then there is one row, started at T0 and last seen at T0 + 10 s
    row = WorkerHeartbeat.objects.get()
    assert (row.worker_id, row.hostname, row.pid) == ("w1", "host-a", 42)
    assert (row.started_at, row.last_seen_at) == (T0, T0 + timedelta(seconds=10))


@pytest.mark.django_db
def test_fresh_heartbeats_are_those_of_the_last_three_intervals(now_t0):
    # given workers last seen 30 s and 31 s ago (interval 10 s)
    for worker_id, age in (("fresh", 30), ("stale", 31)):
        seen = T0 - timedelta(seconds=age)
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=seen, last_seen_at=seen)

    # when, then
    assert list(worker_heartbeats_fresh().values_list("worker_id", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_heartbeats_older_than_a_day_are_pruned(now_t0):
    # given heartbeats a day old and just under
    for worker_id, age in (("old", timedelta(days=1, seconds=1)), ("recent", timedelta(hours=23))):
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=T0 - age, last_seen_at=T0 - age)

    # when, then
    assert worker_heartbeats_prune() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_old_schedule_slots_are_pruned_but_the_newest_of_each_job_stays(now_t0):
    # given a monthly job fired 40 and 10 days ago, and a frequent one fired 3 days and 1 day ago
    for name, days in (("monthly", 40), ("monthly", 10), ("frequent", 3), ("frequent", 1)):
        at = T0 - timedelta(days=days)
        ScheduleSlot.objects.create(name=name, slot=at, fired_by="s", fired_at=at)

    # when, then
    assert schedule_slots_prune() == 2
    remaining = ScheduleSlot.objects.order_by("name").values_list("name", "slot")
    assert list(remaining) == [("frequent", T0 - timedelta(days=1)), ("monthly", T0 - timedelta(days=10))]


@pytest.mark.django_db
def test_finished_results_are_pruned_after_their_retention(now_t0):
    # given results finished at various ages, and one still ready
    ages = {
        "ok-old": (TaskResultStatus.SUCCESSFUL, 8),
        "ok-new": (TaskResultStatus.SUCCESSFUL, 6),
        "failed-old": (TaskResultStatus.FAILED, 31),
        "failed-new": (TaskResultStatus.FAILED, 8),
    }
    ids = {}
    for label, (status, days) in ages.items():
        ids[label] = noop.enqueue().id
        DBTaskResult.objects.filter(id=ids[label]).update(status=status, finished_at=T0 - timedelta(days=days))
    ready = noop.enqueue().id

    # when, then
    assert task_results_prune() == 2
    kept = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert kept == {ids["ok-new"], ids["failed-new"], ready}
