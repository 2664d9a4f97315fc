"""Thin job wrappers of the email channel (the recurring ones are listed in jobs/schedule.py)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from helpline.core.clock import now

# A mail still `received` this long after it arrived lost its processor (a crash): process it.
STALE_AFTER = timedelta(minutes=2)
PENDING_BATCH = 200


@task(queue_name="default")
def mail_process_task(inbound_id: int) -> str:
    """Process one stored inbound mail (idempotent); returns the state it ends in."""
    from helpline.mail.services import mail_process

    return mail_process(inbound_id).state


@task(queue_name="scheduled")
def mail_process_stale() -> int:
    """Process mails left `received` by a poller or receiver that stopped; returns how many."""
    from helpline.mail.models import InboundMail
    from helpline.mail.services import mail_process

    stale = InboundMail.objects.filter(state=InboundMail.State.RECEIVED, received_at__lt=now() - STALE_AFTER)
    ids = list(stale.order_by("received_at", "id").values_list("id", flat=True)[:PENDING_BATCH])
    for inbound_id in ids:
        mail_process(inbound_id)
    return len(ids)


@task(queue_name="scheduled")
def mail_poll_once() -> int:
    """Read new mail of every active IMAP mailbox once (for set-ups without `helpline mail poll`)."""
    from helpline.mail.imap import mailboxes_poll_once

    return mailboxes_poll_once()


@task(queue_name="scheduled")
def acknowledgement_log_prune() -> int:
    """Delete acknowledgement log rows older than HELPLINE_MAIL_ACK_LOG_DAYS; returns how many."""
    from helpline.mail.conf import ack_log_days
    from helpline.mail.models import AcknowledgementLog

    deleted, _ = AcknowledgementLog.objects.filter(sent_at__lt=now() - timedelta(days=ack_log_days())).delete()
    return deleted
