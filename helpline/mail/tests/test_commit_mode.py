"""Processing a stored mail may commit without waiting for the disk; storing it never does."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from helpline.mail.models import InboundMail
from helpline.mail.services import mail_receive
from helpline.mail.services.process import _claim

pytestmark = pytest.mark.django_db(transaction=True)

RAW = (
    b"From: Ann <ann@example.com>\r\nTo: support@example.com\r\nSubject: Hi\r\n"
    b"Message-ID: <c1@example.com>\r\n\r\nHello\r\n"
)


def _synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_only_the_processing_transaction_relaxes_its_commit():
    # given a stored mail and the server's durable default
    row = mail_receive(RAW, mailbox=None, source=InboundMail.Source.PIPE)
    before = _synchronous_commit()

    # when a processing transaction claims it
    with transaction.atomic():
        claimed = _claim(row, commit_without_waiting_for_disk=True)
        inside = _synchronous_commit()

    # then the claim counted the attempt, and only that transaction relaxed its commit (SET LOCAL):
    # the next one, a raw store say, waits for the disk
    after = _synchronous_commit()
    assert claimed and InboundMail.objects.get(pk=row.pk).attempts == 1
    if connection.vendor == "postgresql":
        assert (before, inside, after) == ("on", "off", "on")
    else:
        assert (before, inside, after) == (None, None, None)  # SQLite: nothing to relax (WAL mode)


def test_a_mail_claimed_already_is_not_claimed_again_and_relaxes_nothing():
    # given a mail that was processed already
    row = mail_receive(RAW, mailbox=None, source=InboundMail.Source.PIPE)
    InboundMail.objects.filter(pk=row.pk).update(state=InboundMail.State.PROCESSED)

    # when another processor tries to claim it
    with transaction.atomic():
        claimed = _claim(row, commit_without_waiting_for_disk=True)
        inside = _synchronous_commit()

    # then it is not its to process, and its transaction keeps the durable commit
    assert not claimed
    assert inside in (None, "on")
