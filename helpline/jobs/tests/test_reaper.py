from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.jobs.models import WorkerHeartbeat
from helpline.jobs.reaper import JobLost, _job_hand_back, stuck_jobs_reap
from helpline.jobs.tests.support import STARTUP_TIMEOUT, wait_until
from helpline.jobs.tests.tasks_for_tests import hang_on_first_run, noop
from helpline.jobs.worker import HelplineWorker

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _running_job(*, started_at: datetime, worker_ids: list[str]) -> DBTaskResult:
    job = DBTaskResult.objects.get(id=noop.enqueue().id)
    DBTaskResult.objects.filter(id=job.id).update(
        status=TaskResultStatus.RUNNING, started_at=started_at, worker_ids=worker_ids
    )
    job.refresh_from_db()
    return job


def _beat(worker_id: str, at: datetime) -> None:
    WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="h", pid=1, started_at=at, last_seen_at=at)


def _state(job: DBTaskResult) -> tuple[str, datetime | None, list[str]]:
    job.refresh_from_db()
    return job.status, job.started_at, job.worker_ids


@pytest.fixture
def now_t0(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.mark.django_db
def test_the_running_job_of_a_dead_worker_goes_back_to_ready(now_t0):
    # given a job started 11 minutes ago by a worker last seen 5 minutes ago (stale: > 30 s)
    _beat("dead", T0 - timedelta(minutes=5))
    job = _running_job(started_at=T0 - timedelta(minutes=11), worker_ids=["dead"])

    # when the reaper runs
    reaped = stuck_jobs_reap()

    # then the job is ready again, with its history of workers kept
    assert reaped == 1
    assert _state(job) == (TaskResultStatus.READY, None, ["dead"])
    assert DBTaskResult.objects.ready().get().id == job.id


@pytest.mark.django_db
def test_a_job_whose_worker_left_no_heartbeat_at_all_goes_back_to_ready(now_t0):
    # given a job started 11 minutes ago by a worker that has no heartbeat row
    job = _running_job(started_at=T0 - timedelta(minutes=11), worker_ids=["vanished"])

    # when, then
    assert stuck_jobs_reap() == 1
    assert _state(job) == (TaskResultStatus.READY, None, ["vanished"])


@pytest.mark.django_db
def test_jobs_of_live_workers_and_recent_jobs_are_left_alone(now_t0):
    # given a long job of a worker seen 20 s ago, and a 9-minute-old job of a dead worker
    _beat("alive", T0 - timedelta(seconds=20))
    _beat("dead", T0 - timedelta(minutes=30))
    long_job = _running_job(started_at=T0 - timedelta(hours=2), worker_ids=["alive"])
    recent_job = _running_job(started_at=T0 - timedelta(minutes=9), worker_ids=["dead"])

    # when the reaper runs
    reaped = stuck_jobs_reap()

    # then nothing changed
    assert reaped == 0
    assert _state(long_job) == (TaskResultStatus.RUNNING, T0 - timedelta(hours=2), ["alive"])
    assert _state(recent_job) == (TaskResultStatus.RUNNING, T0 - timedelta(minutes=9), ["dead"])


@pytest.mark.django_db
def test_only_the_last_claimant_counts(now_t0):
    # given a job first run by a worker still alive, then re-claimed by one that died
    _beat("alive", T0)
    job = _running_job(started_at=T0 - timedelta(minutes=11), worker_ids=["alive", "dead"])

    # when, then
    assert stuck_jobs_reap() == 1
    assert _state(job) == (TaskResultStatus.READY, None, ["alive", "dead"])


@pytest.mark.django_db
def test_a_job_lost_five_times_is_marked_failed(now_t0):
    # given a job whose fifth worker died too
    job = _running_job(started_at=T0 - timedelta(minutes=11), worker_ids=["w1", "w2", "w3", "w4", "w5"])

    # when the reaper runs
    assert stuck_jobs_reap() == 1

    # then it is failed with JobLost, not run a sixth time
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (TaskResultStatus.FAILED, T0)
    assert job.exception_class_path == "helpline.jobs.reaper.JobLost"
    assert job.task_result.errors[0].exception_class is JobLost


@pytest.mark.django_db
def test_a_second_reaper_does_not_act_on_a_job_already_handed_back(now_t0):
    # given a stuck job that one reaper read, and that another reaper handed back and a worker
    # claimed again in the meantime
    job = _running_job(started_at=T0 - timedelta(minutes=11), worker_ids=["dead"])
    seen_by_slow_reaper = DBTaskResult.objects.get(id=job.id)
    assert stuck_jobs_reap() == 1
    DBTaskResult.objects.filter(id=job.id).update(
        status=TaskResultStatus.RUNNING, started_at=T0, worker_ids=["dead", "fresh"]
    )

    # when the slow reaper acts on what it read
    changed = _job_hand_back(seen_by_slow_reaper, T0)

    # then its conditional UPDATE matches nothing, and the new run is untouched
    assert changed == 0
    assert _state(job) == (TaskResultStatus.RUNNING, T0, ["dead", "fresh"])


@pytest.mark.django_db(transaction=True)
def test_the_job_of_a_killed_worker_process_is_reaped_and_run_by_another(helpline_processes, time_machine):
    # given a worker process in the middle of a job
    doomed = helpline_processes.start("worker", "--interval", "0.05", "--worker-id", "doomed")
    result = hang_on_first_run.enqueue()
    job = DBTaskResult.objects.filter(id=result.id)
    wait_until(
        lambda: job.get().status == TaskResultStatus.RUNNING,
        timeout=STARTUP_TIMEOUT,
        what="the job to start",
        logs=helpline_processes,
    )

    # when the process is killed, and 11 minutes later the reaper runs
    doomed.kill()
    doomed.wait(timeout=5)
    started_at = job.get().started_at
    assert started_at is not None
    time_machine.move_to(started_at + timedelta(minutes=11), tick=False)
    reaped = stuck_jobs_reap()

    # then the job is ready again, and another worker runs it to the end
    assert (reaped, job.get().status) == (1, TaskResultStatus.READY)
    HelplineWorker(worker_id="rescuer", batch=True).run()
    assert (job.get().status, job.get().return_value) == (TaskResultStatus.SUCCESSFUL, "done")
    assert job.get().worker_ids == ["doomed", "rescuer"]
