"""The email channel's jobs: the sweep of mail left unprocessed, the acknowledgement log prune."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from helpline.core.clock import now
from helpline.mail.models import AcknowledgementLog, InboundMail, Mailbox
from helpline.mail.services import mail_receive
from helpline.mail.tasks import acknowledgement_log_prune, mail_process_stale
from helpline.mail.tests.support import mail_bytes
from helpline.tickets.models import Ticket


def test_mail_left_unprocessed_is_processed_by_the_sweep(support_mailbox: Mailbox):
    # given a mail stored by a receiver that stopped before processing it, and one just arrived
    with time_machine.travel(now() - timedelta(minutes=10)):
        old = mail_receive(mail_bytes(message_id="old@client.test"), mailbox=support_mailbox, source="smtp")
    fresh = mail_receive(mail_bytes(message_id="fresh@client.test"), mailbox=support_mailbox, source="smtp")

    # when
    done = mail_process_stale.call()

    # then
    assert done == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.state, fresh.state) == (InboundMail.State.PROCESSED, InboundMail.State.RECEIVED)
    assert Ticket.objects.count() == 1


def test_old_acknowledgement_log_rows_are_pruned(db: None):
    # given
    AcknowledgementLog.objects.create(address="old@example.com", sent_at=now() - timedelta(days=8))
    AcknowledgementLog.objects.create(address="new@example.com", sent_at=now() - timedelta(hours=2))

    # when
    deleted = acknowledgement_log_prune.call()

    # then
    assert deleted == 1
    assert list(AcknowledgementLog.objects.values_list("address", flat=True)) == ["new@example.com"]
