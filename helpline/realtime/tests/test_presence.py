"""Presence on a ticket and agent notifications, through the real ASGI application."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from helpline.accounts.models import Agent
from helpline.asgi import application

pytest.importorskip("daphne", reason="channels.testing needs daphne: add it to requirements/test.in")
from channels.layers import get_channel_layer  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY


def _cookie(agent: Agent) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(agent)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _presence(agent: Agent, number: int) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/tickets/{number}/presence/", headers=[ORIGIN, _cookie(agent)])


def test_two_agents_on_a_ticket_see_each_other_typing_and_leaving(agent, supervisor, carla_ticket):
    # given
    alice, sam = _presence(agent, carla_ticket.number), _presence(supervisor, carla_ticket.number)

    async def scenario() -> None:
        assert (await alice.connect())[0]
        assert (await sam.connect())[0]
        # when Sam arrives, Alice hears of him and Sam hears of Alice
        joined = await alice.receive_json_from(timeout=2)
        answered = await sam.receive_json_from(timeout=2)
        # and Sam types
        await sam.send_json_to({"action": "typing", "typing": True})
        typing = await alice.receive_json_from(timeout=2)
        await sam.disconnect()
        left = await alice.receive_json_from(timeout=2)
        await alice.disconnect()
        # then
        assert (joined["type"], joined["name"], joined["typing"]) == ("presence.here", "Sam", False)
        assert (answered["type"], answered["name"]) == ("presence.here", "Alice")
        assert (typing["name"], typing["typing"]) == ("Sam", True)
        assert (left["type"], left["channel"]) == ("presence.leave", joined["channel"])
        assert "specific" not in joined["channel"]  # the layer's channel names stay private

    async_to_sync(scenario)()


def test_an_agent_who_may_not_see_the_ticket_is_refused(agent, hr_ticket):
    # given
    socket = _presence(agent, hr_ticket.number)

    async def scenario() -> None:
        connected, _ = await socket.connect()
        assert not connected

    async_to_sync(scenario)()


def test_a_visitor_without_a_session_is_refused(carla_ticket):
    socket = WebsocketCommunicator(application, f"/ws/tickets/{carla_ticket.number}/presence/", headers=[ORIGIN])

    async def scenario() -> None:
        connected, _ = await socket.connect()
        assert not connected

    async_to_sync(scenario)()


def test_a_notification_reaches_the_agents_socket(agent):
    # given
    socket = WebsocketCommunicator(application, "/ws/tickets/", headers=[ORIGIN, _cookie(agent)])

    async def scenario() -> None:
        assert (await socket.connect())[0]
        # when
        await get_channel_layer().group_send(
            f"agent.{agent.pk}",
            {"type": "agent.notification", "agent_id": agent.pk, "event": "note.mentioned", "number": 1042},
        )
        received = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        # then
        assert received == {
            "type": "agent.notification",
            "agent_id": agent.pk,
            "event": "note.mentioned",
            "number": 1042,
        }

    async_to_sync(scenario)()
