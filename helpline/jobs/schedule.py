"""Every recurring job of Helpline, in one list. Cron expressions are in UTC.

To schedule a job of another app, add a line here naming its task by dotted path. The path is
imported when a scheduler starts; a task that cannot be imported (not written yet) is skipped with
a warning, so a line may land before its task does.
"""

from __future__ import annotations

from helpline.jobs.scheduler import ScheduledJob, cron, every

SCHEDULE: tuple[ScheduledJob, ...] = (
    # A safety net: every outbox write also enqueues a drain when its transaction commits.
    ScheduledJob("outbox_drain", every(seconds=5), "helpline.outbox.tasks.outbox_drain"),
    ScheduledJob("jobs_reap_stuck", every(seconds=60), "helpline.jobs.tasks.jobs_reap_stuck"),
    ScheduledJob("heartbeats_prune", cron("7 * * * *"), "helpline.jobs.tasks.heartbeats_prune"),
    ScheduledJob("schedule_slots_prune", cron("17 3 * * *"), "helpline.jobs.tasks.schedule_slots_prune"),
    ScheduledJob("task_results_prune", cron("27 3 * * *"), "helpline.jobs.tasks.task_results_prune"),
    ScheduledJob("tickets_close_solved", cron("0 * * * *"), "helpline.tickets.tasks.tickets_close_solved"),
    ScheduledJob("idempotency_keys_prune", cron("37 * * * *"), "helpline.api.tasks.idempotency_keys_prune"),
    # Mail stored but not processed (a crash between the two) is processed again.
    ScheduledJob("mail_process_stale", every(minutes=1), "helpline.mail.tasks.mail_process_stale"),
    # Polls the IMAP mailboxes once a minute; a dedicated `helpline mail poll` (IDLE) is faster.
    ScheduledJob("mail_poll_once", every(minutes=1), "helpline.mail.tasks.mail_poll_once"),
    ScheduledJob("acknowledgement_log_prune", cron("47 3 * * *"), "helpline.mail.tasks.acknowledgement_log_prune"),
)
