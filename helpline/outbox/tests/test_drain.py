from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from helpline.jobs.tests.support import run_concurrently
from helpline.outbox.drain import backoff_after, outbox_drain_due
from helpline.outbox.models import OutboxMessage
from helpline.outbox.selectors import outbox_failed_list
from helpline.tickets.models import Message
from helpline.tickets.tests.factories import MessageFactory

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "s3cret"
BODY = {"event": "ticket.created", "number": 1001}
THIS_PROCESS = f"{socket.gethostname()[:40]}-{os.getpid()}-"


@pytest.fixture
def now_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def _webhook_row(receiver: Any, **fields: Any) -> OutboxMessage:
    payload = {"url": receiver.url, "secret": SECRET, "body": BODY}
    fields = {"next_attempt_at": T0, "created_at": T0, **fields}
    return OutboxMessage.objects.create(kind=OutboxMessage.Kind.WEBHOOK, payload=payload, **fields)


def _state(row: OutboxMessage) -> tuple[Any, ...]:
    row.refresh_from_db()
    return row.state, row.attempts, row.next_attempt_at, row.sent_at, row.last_error


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 30), (2, 120), (3, 600), (4, 3600), (5, 21600), (6, 21600), (7, 21600)],
)
def test_backoff_grows_from_30_seconds_to_6_hours(attempts, seconds):
    # given, when, then
    assert backoff_after(attempts) == timedelta(seconds=seconds)


@pytest.mark.django_db
def test_a_due_webhook_is_posted_signed_and_marked_sent(now_t0, webhook_receiver):
    # given a pending webhook tied to a ticket reply
    message = MessageFactory.create(kind=Message.Kind.REPLY)
    row = _webhook_row(webhook_receiver, message=message)

    # when the drain runs
    handled = outbox_drain_due()

    # then the receiver got one POST, with the JSON body, the row id and a valid signature
    assert handled == 1
    [request] = webhook_receiver.requests
    body = json.dumps(BODY, separators=(",", ":"), sort_keys=True).encode()
    assert (request["path"], request["body"]) == ("/hook", body)
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Helpline-Delivery"] == str(row.pk)
    expected_signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Helpline-Signature-256"] == expected_signature
    # and the row is sent, claimed by this process; the message shows it
    assert _state(row) == (OutboxMessage.State.SENT, 1, T0, T0, "")
    assert row.claimed_by.startswith(THIS_PROCESS) and row.claimed_at == T0
    message.refresh_from_db()
    assert message.metadata["delivery"] == {"state": "sent", "attempts": 1, "last_error": "", "at": T0.isoformat()}


@pytest.mark.django_db
def test_a_failed_webhook_waits_its_backoff_then_is_tried_again(now_t0, webhook_receiver):
    # given a pending webhook whose receiver answers 500
    message = MessageFactory.create(kind=Message.Kind.REPLY)
    row = _webhook_row(webhook_receiver, message=message)
    webhook_receiver.status = 500

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the row waits 30 s with the error recorded, on the row and on the message
    error = "HTTPError: HTTP Error 500: Internal Server Error"
    assert _state(row) == (OutboxMessage.State.PENDING, 1, T0 + timedelta(seconds=30), None, error)
    message.refresh_from_db()
    delivery = {"state": "pending", "attempts": 1, "last_error": error, "at": T0.isoformat()}
    assert message.metadata["delivery"] == delivery

    # when the drain runs again before then, then nothing is sent
    now_t0.shift(29)
    assert outbox_drain_due() == 0
    assert len(webhook_receiver.requests) == 1

    # when the receiver is back and the time has come, then it is sent on attempt 2
    webhook_receiver.status = 200
    now_t0.shift(1)
    assert outbox_drain_due() == 1
    assert _state(row) == (OutboxMessage.State.SENT, 2, T0 + timedelta(seconds=30), T0 + timedelta(seconds=30), "")
    assert len(webhook_receiver.requests) == 2


@pytest.mark.django_db
def test_a_row_that_fails_its_last_attempt_is_marked_failed(now_t0, webhook_receiver):
    # given a webhook that already failed 7 times (8 are allowed)
    message = MessageFactory.create(kind=Message.Kind.REPLY)
    row = _webhook_row(webhook_receiver, message=message, attempts=7)
    webhook_receiver.status = 503

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the row gave up, and the message says so
    error = "HTTPError: HTTP Error 503: Service Unavailable"
    assert _state(row) == (OutboxMessage.State.FAILED, 8, T0, None, error)
    message.refresh_from_db()
    assert message.metadata["delivery"] == {"state": "failed", "attempts": 8, "last_error": error, "at": T0.isoformat()}
    assert outbox_failed_list() == [row]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "state", "retry_in", "error"),
    [
        (410, "failed", 0, "PermanentFailure: The receiver refused the webhook: HTTP 410"),
        (400, "failed", 0, "PermanentFailure: The receiver refused the webhook: HTTP 400"),
        (429, "pending", 30, "HTTPError: HTTP Error 429: Too Many Requests"),
        (408, "pending", 30, "HTTPError: HTTP Error 408: Request Timeout"),
    ],
)
def test_a_refusing_receiver_fails_the_webhook_a_busy_one_gets_it_again(
    now_t0, webhook_receiver, status, state, retry_in, error
):
    # given a receiver answering `status`
    row = _webhook_row(webhook_receiver)
    webhook_receiver.status = status

    # when the drain runs
    assert outbox_drain_due() == 1

    # then a refusal fails the row at once; a busy answer plans a retry in 30 s
    assert _state(row) == (state, 1, T0 + timedelta(seconds=retry_in), None, error)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"url": "file:///etc/passwd", "secret": SECRET}, "PermanentFailure: A webhook URL must be http(s), not "),
        ({"url": "http://127.0.0.1:9/hook"}, "PermanentFailure: No webhook secret: set payload['secret'] or "),
    ],
)
def test_a_webhook_without_a_usable_url_or_secret_fails_without_a_request(now_t0, webhook_receiver, payload, error):
    # given a webhook to a file URL, or without a secret
    row = OutboxMessage.objects.create(kind=OutboxMessage.Kind.WEBHOOK, payload=payload, next_attempt_at=T0)

    # when the drain runs
    assert outbox_drain_due() == 1

    # then it failed at once and nothing was sent anywhere
    state, attempts, _, sent_at, last_error = _state(row)
    assert (state, attempts, sent_at) == (OutboxMessage.State.FAILED, 1, None)
    assert last_error.startswith(error)
    assert webhook_receiver.requests == []


@pytest.mark.django_db
def test_rows_not_due_or_not_pending_are_left_alone(now_t0, webhook_receiver):
    # given a row due in a second, a sent one and a failed one
    later = _webhook_row(webhook_receiver, next_attempt_at=T0 + timedelta(seconds=1))
    sent = _webhook_row(webhook_receiver, state=OutboxMessage.State.SENT, attempts=1, sent_at=T0)
    failed = _webhook_row(webhook_receiver, state=OutboxMessage.State.FAILED, attempts=8)

    # when the drain runs
    assert outbox_drain_due() == 0

    # then nothing was sent and no row changed
    assert webhook_receiver.requests == []
    assert _state(later) == (OutboxMessage.State.PENDING, 0, T0 + timedelta(seconds=1), None, "")
    assert _state(sent) == (OutboxMessage.State.SENT, 1, T0, T0, "")
    assert _state(failed) == (OutboxMessage.State.FAILED, 8, T0, None, "")


@pytest.mark.django_db
def test_a_row_whose_sender_died_is_handed_back_and_sent(now_t0, webhook_receiver):
    # given rows claimed 11 minutes ago (the sender died), 9 minutes ago (still its own), and one
    # claimed 11 minutes ago on its last attempt
    def claimed(by: str, minutes: int, attempts: int, **fields: Any) -> OutboxMessage:
        since = T0 - timedelta(minutes=minutes)
        sending = OutboxMessage.State.SENDING
        return _webhook_row(
            webhook_receiver, state=sending, attempts=attempts, claimed_by=by, claimed_at=since, **fields
        )

    message = MessageFactory.create(kind=Message.Kind.REPLY)
    dead, slow, last = claimed("dead", 11, 1), claimed("slow", 9, 1), claimed("dead", 11, 8, message=message)

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the first is sent on attempt 2, the second untouched, the third failed
    assert _state(dead) == (OutboxMessage.State.SENT, 2, T0, T0, "")
    assert dead.claimed_by.startswith(THIS_PROCESS)
    assert _state(slow) == (OutboxMessage.State.SENDING, 1, T0, None, "")
    assert slow.claimed_by == "slow"
    stopped = "ClaimExpired: The sender stopped before recording the result"
    assert _state(last) == (OutboxMessage.State.FAILED, 8, T0, None, stopped)
    message.refresh_from_db()
    assert message.metadata["delivery"] == {
        "state": "failed",
        "attempts": 8,
        "last_error": stopped,
        "at": T0.isoformat(),
    }
    assert [request["headers"]["X-Helpline-Delivery"] for request in webhook_receiver.requests] == [str(dead.pk)]


@pytest.mark.django_db
def test_a_row_of_an_unknown_kind_fails(now_t0):
    # given a row of a kind without a handler
    row = OutboxMessage.objects.create(kind="fax", payload={}, next_attempt_at=T0)

    # when, then
    assert outbox_drain_due() == 1
    error = "PermanentFailure: No outbox handler for kind 'fax'"
    assert _state(row) == (OutboxMessage.State.FAILED, 1, T0, None, error)


@pytest.mark.django_db
def test_a_notification_reaches_the_agents_group(now_t0):
    # given a channel listening to agent 7's group
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("agent.7", channel)
    payload = {"agent_id": 7, "event": "ticket.assigned", "number": 1001, "subject": "My invoice is wrong"}
    row = OutboxMessage.objects.create(kind=OutboxMessage.Kind.NOTIFICATION, payload=payload, next_attempt_at=T0)

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the channel received the payload as an agent.notification event
    assert async_to_sync(layer.receive)(channel) == {"type": "agent.notification", **payload}
    assert _state(row) == (OutboxMessage.State.SENT, 1, T0, T0, "")
    async_to_sync(layer.group_discard)("agent.7", channel)


@pytest.mark.django_db
def test_the_drain_takes_at_most_limit_rows_oldest_due_first(now_t0, webhook_receiver):
    # given three due rows
    rows = [_webhook_row(webhook_receiver, next_attempt_at=T0 - timedelta(seconds=n)) for n in (1, 3, 2)]

    # when a drain of two runs
    assert outbox_drain_due(limit=2) == 2

    # then the two that were due first are sent, the third waits
    assert [_state(row)[0] for row in rows] == [OutboxMessage.State.PENDING, "sent", "sent"]


@pytest.mark.django_db(transaction=True)
def test_racing_drains_send_each_row_exactly_once(webhook_receiver):
    # given 30 due webhooks
    rows = [_webhook_row(webhook_receiver, next_attempt_at=T0) for _ in range(30)]

    # when three drains, each with its own database connection, start at the same instant
    handled = run_concurrently(outbox_drain_due, times=3)

    # then together they handled 30 rows, and the receiver got each row exactly once
    assert sum(handled) == 30
    deliveries = sorted(int(request["headers"]["X-Helpline-Delivery"]) for request in webhook_receiver.requests)
    assert deliveries == sorted(row.pk for row in rows)
    assert {(_state(row)[0], row.attempts) for row in rows} == {(OutboxMessage.State.SENT, 1)}
