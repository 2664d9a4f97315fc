from __future__ import annotations

import signal
import threading

import pytest
from django.tasks import TaskResultStatus
from django.tasks.signals import task_started
from django_tasks_db.models import DBTaskResult

from helpline.jobs.models import ScheduleSlot, WorkerHeartbeat
from helpline.jobs.tests.support import STARTUP_TIMEOUT, wait_until
from helpline.jobs.tests.tasks_for_tests import RUN_PREFIX, noop, record_run
from helpline.jobs.worker import HelplineWorker, run_worker_in_thread


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_every_job_exactly_once(helpline_processes):
    # given two worker processes, both up (each has written its heartbeat)
    workers = [helpline_processes.start("worker", "--interval", "0.05", "--worker-id", name) for name in ("w1", "w2")]
    wait_until(
        lambda: WorkerHeartbeat.objects.count() == 2,
        timeout=STARTUP_TIMEOUT,
        what="two heartbeats",
        logs=helpline_processes,
    )

    # when 40 jobs are enqueued
    job_ids = [record_run.enqueue().id for _ in range(40)]
    wait_until(
        lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 40,
        timeout=STARTUP_TIMEOUT,
        what="40 finished jobs",
        logs=helpline_processes,
    )

    # then each job ran exactly once, and both workers took part
    runs = list(ScheduleSlot.objects.filter(name__startswith=RUN_PREFIX).values_list("name", "fired_by"))
    assert sorted(name for name, _ in runs) == sorted(f"{RUN_PREFIX}{job_id}" for job_id in job_ids)
    assert {worker for _, worker in runs} == {"w1", "w2"}
    assert sorted(len(ids) for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)) == [1] * 40

    # when both get SIGTERM, then they stop cleanly and remove their heartbeats
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(timeout=5) for worker in workers] == [0, 0], helpline_processes.logs()
    assert WorkerHeartbeat.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_worker_in_a_thread_runs_jobs_beats_and_stops():
    # given a worker started in a thread of this process
    stop = threading.Event()
    thread = run_worker_in_thread(stop_event=stop, worker_id="embedded", interval=0.05)
    try:
        # when a job is enqueued
        result = noop.enqueue()

        # then it runs, and the worker's heartbeat is there
        wait_until(lambda: DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL)
        assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["embedded"]
        assert DBTaskResult.objects.get(id=result.id).worker_ids == ["embedded"]
    finally:
        # when the owner sets the stop event
        stop.set()
        thread.join(timeout=5)

    # then the thread ends and the heartbeat is gone
    assert not thread.is_alive()
    assert WorkerHeartbeat.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_worker_serves_only_the_queues_it_is_given():
    # given a job on the default queue and a worker of the outbox queue
    result = noop.enqueue()
    worker = HelplineWorker(queue_names=["outbox"], worker_id="outbox-only", batch=True)

    # when the worker runs what is ready
    worker.run()

    # then the job is untouched
    job = DBTaskResult.objects.get(id=result.id)
    assert (job.status, job.worker_ids) == (TaskResultStatus.READY, [])


@pytest.mark.django_db(transaction=True)
def test_worker_writes_its_heartbeat_at_start_and_between_jobs(time_machine):
    # given a frozen clock, two jobs that each take 11 s (longer than the 10 s heartbeat interval)
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    noop.enqueue()
    noop.enqueue()
    seen: list[tuple[str, str]] = []

    def peek_and_take_11_seconds(**kwargs: object) -> None:
        beat = WorkerHeartbeat.objects.get(worker_id="beating")
        seen.append((beat.started_at.isoformat(), beat.last_seen_at.isoformat()))
        time_machine.shift(11)

    task_started.connect(peek_and_take_11_seconds, weak=False)
    try:
        # when a worker runs them
        HelplineWorker(worker_id="beating", max_tasks=2).run()
    finally:
        task_started.disconnect(peek_and_take_11_seconds)

    # then it beat at start, again before the second job, and removed its row at the end
    assert seen == [
        ("2026-03-02T10:00:00+00:00", "2026-03-02T10:00:00+00:00"),
        ("2026-03-02T10:00:00+00:00", "2026-03-02T10:00:11+00:00"),
    ]
    assert WorkerHeartbeat.objects.count() == 0
