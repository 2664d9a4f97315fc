"""Receiving the messages of one fetch together: recorded in one transaction, each once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.mail.models import InboundMail
from helpline.mail.services import mail_receive, mail_receive_many
from helpline.mail.tests.support import mail_bytes

pytestmark = pytest.mark.django_db


def test_a_fetch_is_recorded_in_order_and_a_repeat_counts_as_another_delivery(mail_env):
    # given a mail that arrived before
    earlier = mail_receive(mail_bytes(message_id="a@client.test"), mailbox=None, source="imap")

    # when a fetch brings it again, two new ones, and one of those twice
    raws = [mail_bytes(message_id=f"{n}@client.test", subject=f"Mail {n}") for n in ("b", "a", "c", "b")]
    rows = mail_receive_many(raws, mailbox=None, source="imap")

    # then each message has one row, returned in the fetch's order, with its deliveries counted
    assert [r.message_id for r in rows] == ["b@client.test", "a@client.test", "c@client.test", "b@client.test"]
    assert rows[1].pk == earlier.pk and rows[0].pk == rows[3].pk
    assert InboundMail.objects.count() == 3
    deliveries = dict(InboundMail.objects.values_list("message_id", "deliveries"))
    assert deliveries == {"a@client.test": 2, "b@client.test": 2, "c@client.test": 1}
    assert set(InboundMail.objects.values_list("state", flat=True)) == {InboundMail.State.RECEIVED}


def test_the_whole_fetch_is_one_transaction(mail_env):
    # given five new mails
    raws = [mail_bytes(message_id=f"t{n}@client.test") for n in range(5)]

    # when they are received together
    with CaptureQueriesContext(connection) as queries:
        mail_receive_many(raws, mailbox=None, source="imap")

    # then the database was asked for one savepoint (the test's transaction stands for the real one)
    # and one insert per mail, nothing else
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("INSERT") == 5
    assert statements.count("SAVEPOINT") == 1
    assert set(statements) <= {"INSERT", "SAVEPOINT", "RELEASE"}
