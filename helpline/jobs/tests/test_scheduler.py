from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.jobs.models import ScheduleSlot
from helpline.jobs.schedule import SCHEDULE
from helpline.jobs.scheduler import ScheduledJob, Scheduler, every, run_scheduler_in_thread
from helpline.jobs.tests.support import STARTUP_TIMEOUT, run_concurrently, wait_until
from helpline.jobs.tests.tasks_for_tests import CONTENDED_SCHEDULE

NOOP = "helpline.jobs.tests.tasks_for_tests.noop"
T0 = datetime(2026, 3, 2, 10, 0, 2, tzinfo=UTC)


def _slots() -> list[tuple[str, str, str]]:
    rows = ScheduleSlot.objects.order_by("name", "slot").values_list("name", "slot", "fired_by")
    return [(name, slot.isoformat(), fired_by) for name, slot, fired_by in rows]


def _enqueued(task_path: str = NOOP) -> int:
    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).count()


def test_every_aligns_slots_on_the_epoch_so_all_schedulers_agree():
    # given, when, then
    assert every(seconds=5).latest_slot(T0 + timedelta(microseconds=1)) == T0 - timedelta(seconds=2)
    assert every(minutes=1).latest_slot(T0) == T0 - timedelta(seconds=2)
    assert every(hours=1).latest_slot(T0) == datetime(2026, 3, 2, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        every(seconds=0)


@pytest.mark.django_db
def test_a_tick_fires_each_new_slot_once_and_enqueues_its_job():
    # given a scheduler of one job every 5 seconds
    scheduler = Scheduler(jobs=[ScheduledJob("ping", every(seconds=5), NOOP)], scheduler_id="s1")

    # when it ticks twice within the same slot, then once in the next one
    first = scheduler.tick(T0)
    again = scheduler.tick(T0 + timedelta(seconds=2))
    later = scheduler.tick(T0 + timedelta(seconds=3))

    # then it fired the 10:00:00 and 10:00:05 slots, one job each
    assert (first, again, later) == (["ping"], [], ["ping"])
    assert _slots() == [
        ("ping", "2026-03-02T10:00:00+00:00", "s1"),
        ("ping", "2026-03-02T10:00:05+00:00", "s1"),
    ]
    assert _enqueued() == 2


@pytest.mark.django_db
def test_a_slot_another_scheduler_fired_is_not_fired_again():
    # given a slot fired by scheduler s1
    job = ScheduledJob("ping", every(seconds=5), NOOP)
    Scheduler(jobs=[job], scheduler_id="s1").tick(T0)

    # when scheduler s2 ticks at the same moment
    fired = Scheduler(jobs=[job], scheduler_id="s2").tick(T0)

    # then s2 fired nothing and enqueued nothing
    assert fired == []
    assert _slots() == [("ping", "2026-03-02T10:00:00+00:00", "s1")]
    assert _enqueued() == 1


@pytest.mark.django_db
def test_after_downtime_only_the_latest_missed_slot_fires():
    # given a job every 5 s that last fired at 10:00:00
    job = ScheduledJob("ping", every(seconds=5), NOOP)
    Scheduler(jobs=[job], scheduler_id="before").tick(T0)

    # when a scheduler starts again an hour later
    fired = Scheduler(jobs=[job], scheduler_id="after").tick(T0 + timedelta(hours=1))

    # then it fires the latest slot only: no storm of the 719 missed ones
    assert fired == ["ping"]
    assert _slots() == [
        ("ping", "2026-03-02T10:00:00+00:00", "before"),
        ("ping", "2026-03-02T11:00:00+00:00", "after"),
    ]
    assert _enqueued() == 2


@pytest.mark.django_db
def test_a_job_whose_task_cannot_be_imported_is_skipped_with_a_warning(caplog):
    # given a schedule naming a task that does not exist (yet)
    jobs = [
        ScheduledJob("later", every(seconds=60), "helpline.nowhere.tasks.not_written_yet"),
        ScheduledJob("ping", every(seconds=60), NOOP),
    ]

    # when a scheduler starts and ticks
    with caplog.at_level(logging.WARNING, logger="helpline.jobs.scheduler"):
        fired = Scheduler(jobs=jobs, scheduler_id="s1").tick(T0)

    # then the other job still fires, and the missing one was named in a warning
    assert fired == ["ping"]
    assert [name for name, _, _ in _slots()] == ["ping"]
    assert any("Scheduled job later skipped: cannot import" in message for message in caplog.messages)


def test_the_registered_schedule_names_the_housekeeping_jobs():
    # given, when, then
    names = {job.name: job.task_path for job in SCHEDULE}
    assert names["outbox_drain"] == "helpline.outbox.tasks.outbox_drain"
    assert names["jobs_reap_stuck"] == "helpline.jobs.tasks.jobs_reap_stuck"
    assert names["schedule_slots_prune"] == "helpline.jobs.tasks.schedule_slots_prune"
    assert names["heartbeats_prune"] == "helpline.jobs.tasks.heartbeats_prune"
    assert names["tickets_close_solved"] == "helpline.tickets.tasks.tickets_close_solved"
    assert len(names) == len(SCHEDULE)


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_threads_ticking_the_same_slot_fire_it_once():
    # given 20 jobs on the same slot, and two schedulers with their own connections
    schedulers = iter([Scheduler(jobs=CONTENDED_SCHEDULE, scheduler_id=name) for name in ("s1", "s2")])

    # when both tick at the same moment
    fired = run_concurrently(lambda: next(schedulers).tick(T0), times=2)

    # then each slot fired exactly once, and exactly one job per slot was enqueued
    assert sorted(fired[0] + fired[1]) == sorted(job.name for job in CONTENDED_SCHEDULE)
    assert [(name, slot) for name, slot, _ in _slots()] == sorted(
        (job.name, "2026-01-01T00:00:00+00:00") for job in CONTENDED_SCHEDULE
    )
    assert _enqueued() == 20


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_fire_each_slot_once(helpline_processes):
    # given 20 jobs on this year's 1 January slot
    schedule = ("--schedule", "helpline.jobs.tests.tasks_for_tests.CONTENDED_SCHEDULE")

    # when a looping scheduler and a one-tick scheduler start together
    looping = helpline_processes.start("scheduler", *schedule, "--tick", "0.05", "--scheduler-id", "s1")
    once = helpline_processes.start("scheduler", *schedule, "--once", "--scheduler-id", "s2")
    assert once.wait(timeout=STARTUP_TIMEOUT) == 0, helpline_processes.logs()
    wait_until(
        lambda: ScheduleSlot.objects.count() == 20, timeout=STARTUP_TIMEOUT, what="20 slots", logs=helpline_processes
    )
    # (the one-tick scheduler may fire all 20 before the looping one has even started: stop it
    # once it runs, with its SIGTERM handler installed, not while Python is still starting)
    wait_until(
        lambda: "Scheduler s1 running" in helpline_processes.logs(),
        timeout=STARTUP_TIMEOUT,
        what="the looping scheduler running",
        logs=helpline_processes,
    )
    looping.send_signal(signal.SIGTERM)
    assert looping.wait(timeout=5) == 0, helpline_processes.logs()

    # then every slot fired once, by one of the two, and 20 jobs were enqueued
    year = datetime.now(UTC).year
    rows = _slots()
    assert [(name, slot) for name, slot, _ in rows] == sorted(
        (job.name, f"{year}-01-01T00:00:00+00:00") for job in CONTENDED_SCHEDULE
    )
    assert {by for _, _, by in rows} <= {"s1", "s2"}
    assert _enqueued() == 20


@pytest.mark.django_db(transaction=True)
def test_a_scheduler_thread_fires_and_stops_on_its_event():
    # given a scheduler thread of the real schedule
    stop = threading.Event()
    thread = run_scheduler_in_thread(stop, tick_seconds=0.05, scheduler_id="embedded")

    # when it has ticked once, and the owner stops it
    wait_until(lambda: ScheduleSlot.objects.filter(name="outbox_drain").exists(), what="a fired slot")
    stop.set()
    thread.join(timeout=5)

    # then it fired the outbox drain (once per slot it saw) and ended
    assert not thread.is_alive()
    fired_by = list(ScheduleSlot.objects.filter(name="outbox_drain").values_list("fired_by", flat=True))
    assert set(fired_by) == {"embedded"}
    assert _enqueued("helpline.outbox.tasks.outbox_drain") == len(fired_by)
