"""The live ticket feed, through the real ASGI application (origin check, session auth, routing).

The tests are sync functions that drive the websocket with async_to_sync, and they commit
(`transactional_db`): the consumer reads the session and the agent from its own connection,
and `publish_ticket_event_on_commit` only sends once a transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.test import Client

from helpline.accounts.models import Agent
from helpline.asgi import application
from helpline.realtime.publish import publish_ticket_event_on_commit

# channels.testing imports daphne (for its live-server test case) at package import.
pytest.importorskip("daphne", reason="channels.testing needs daphne: add it to requirements/test.in")
from channels.testing import WebsocketCommunicator  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY  # a fresh layer per test (channels resets on the change)


def _session_cookie(agent: Agent) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(agent)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _socket(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/tickets/", headers=list(headers))


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def _publish(**kwargs) -> None:
    with transaction.atomic():
        publish_ticket_event_on_commit(**kwargs)


def test_an_agent_receives_a_ticket_event_once_it_is_committed(agent):
    # given
    cookie = _session_cookie(agent)

    async def scenario() -> None:
        socket = _socket(ORIGIN, cookie)
        connected, _ = await socket.connect()
        assert connected

        # when
        await sync_to_async(_publish)(
            ticket_id=42,
            team_id=None,
            kind="ticket.status_changed",
            data={"status": "open", "at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "due": date(2026, 3, 3)},
        )

        # then
        assert await socket.receive_json_from(timeout=2) == {
            "type": "ticket.event",
            "ticket_id": 42,
            "team_id": None,
            "kind": "ticket.status_changed",
            "data": {"status": "open", "at": "2026-03-02T09:00:00Z", "due": "2026-03-03"},
        }
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    _run(scenario)


def test_an_anonymous_connection_is_refused():
    async def scenario() -> None:
        # when
        socket = _socket(ORIGIN)
        connected, code = await socket.connect()

        # then
        assert (connected, code) == (False, 1000)
        await socket.disconnect()

    _run(scenario)


def test_a_deactivated_agent_is_refused(agent):
    # given
    cookie = _session_cookie(agent)
    Agent.objects.filter(pk=agent.pk).update(is_active=False)

    async def scenario() -> None:
        # when
        connected, _ = await _socket(ORIGIN, cookie).connect()

        # then
        assert connected is False

    _run(scenario)


def test_a_foreign_or_missing_origin_is_refused_even_with_a_session(agent):
    # given
    cookie = _session_cookie(agent)

    async def scenario() -> None:
        # when
        foreign, _ = await _socket((b"origin", b"https://evil.example"), cookie).connect()
        missing, _ = await _socket(cookie).connect()
        own = _socket(ORIGIN, cookie)
        same_session_own_origin, _ = await own.connect()
        await own.disconnect()

        # then
        assert (foreign, missing, same_session_own_origin) == (False, False, True)

    _run(scenario)


def test_nothing_is_sent_when_the_transaction_rolls_back(agent):
    # given
    cookie = _session_cookie(agent)

    def publish_then_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_ticket_event_on_commit(ticket_id=7, team_id=None, kind="ticket.created", data={})
            raise RuntimeError("the service failed")

    async def scenario() -> None:
        socket = _socket(ORIGIN, cookie)
        assert (await socket.connect())[0]

        # when
        await sync_to_async(publish_then_roll_back)()

        # then
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    _run(scenario)


def test_events_of_a_private_team_reach_its_members_and_admins_only(agent, private_member, admin, hr_team):
    # given: Alice is in Support; Priya is in the private HR team; Ada is an admin
    cookies = [_session_cookie(someone) for someone in (agent, private_member, admin)]

    async def scenario() -> None:
        alice, priya, ada = (_socket(ORIGIN, cookie) for cookie in cookies)
        for socket in (alice, priya, ada):
            assert (await socket.connect())[0]

        # when
        await sync_to_async(_publish)(ticket_id=9, team_id=hr_team.pk, kind="ticket.created", data={})

        # then
        for member in (priya, ada):
            received = await member.receive_json_from(timeout=2)
            assert (received["ticket_id"], received["team_id"]) == (9, hr_team.pk)
        assert await alice.receive_nothing(timeout=0.3)
        for socket in (alice, priya, ada):
            await socket.disconnect()

    _run(scenario)


def test_publishing_never_raises_into_the_service_when_the_layer_fails(settings, caplog):
    # given: a real Redis layer with nothing listening on its port
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }

    # when
    with caplog.at_level(logging.WARNING, logger="helpline.realtime.publish"):
        _publish(ticket_id=5, team_id=None, kind="ticket.created", data={})

    # then
    assert [r.getMessage() for r in caplog.records] == ["could not publish ticket.created for ticket 5"]


def test_data_that_is_not_json_is_logged_not_raised(caplog):
    # when
    with caplog.at_level(logging.WARNING, logger="helpline.realtime.publish"):
        _publish(ticket_id=6, team_id=None, kind="ticket.created", data={"oops": object()})

    # then
    assert [r.getMessage() for r in caplog.records] == ["could not publish ticket.created for ticket 6"]
