"""Who else is on a ticket, and who is typing a reply (`ws/tickets/<number>/presence/`).

Nothing is stored: presence lives in the sockets themselves. A newcomer announces itself to the
ticket's group and everyone already there answers it directly; typing changes and a heartbeat go
to the group; a leaving socket says goodbye. Clients forget a peer that has not been heard from
for a while (a process that died cannot say goodbye). Works the same with one process and the
in-memory layer or many processes and Redis.
"""

from __future__ import annotations

import hashlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from helpline.accounts.models import Agent
from helpline.core.errors import NotFound
from helpline.tickets.selectors import ticket_get


def presence_group(ticket_id: int) -> str:
    return f"presence.ticket.{ticket_id}"


def _ticket_id(agent: Agent, number: int) -> int | None:
    try:
        return ticket_get(actor=agent, number=number).pk
    except NotFound:
        return None


class TicketPresenceConsumer(AsyncJsonWebsocketConsumer):
    """Active agents who may see the ticket; everyone else is refused at the handshake."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        number = self.scope["url_route"]["kwargs"]["number"]
        if not isinstance(user, Agent) or not user.is_active:
            await self.close()
            return
        ticket_id = await database_sync_to_async(_ticket_id)(user, number)
        if ticket_id is None:
            await self.close()
            return
        self.agent = user
        self.group = presence_group(ticket_id)
        self.typing = False
        # Peers see an opaque id per socket, never the layer's channel name.
        self.public_id = hashlib.sha256(self.channel_name.encode()).hexdigest()[:12]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._tell_group("presence.join")

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self._tell_group("presence.leave")
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("action") not in ("typing", "heartbeat"):
            return
        self.typing = bool(content.get("typing"))
        await self._tell_group("presence.update")

    # --- group events ---------------------------------------------------------------------------

    async def presence_join(self, event: dict[str, Any]) -> None:
        if event["sender"] == self.channel_name:
            return
        await self._forward("presence.here", event)
        await self.channel_layer.send(event["sender"], {"type": "presence.state", **self._state()})

    async def presence_state(self, event: dict[str, Any]) -> None:
        await self._forward("presence.here", event)

    async def presence_update(self, event: dict[str, Any]) -> None:
        if event["sender"] != self.channel_name:
            await self._forward("presence.here", event)

    async def presence_leave(self, event: dict[str, Any]) -> None:
        if event["sender"] != self.channel_name:
            await self._forward("presence.leave", event)

    # --- helpers --------------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        return {
            "sender": self.channel_name,
            "public_id": self.public_id,
            "agent_id": self.agent.pk,
            "name": self.agent.name,
            "typing": self.typing,
        }

    async def _tell_group(self, kind: str) -> None:
        await self.channel_layer.group_send(self.group, {"type": kind, **self._state()})

    async def _forward(self, kind: str, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": kind,
                "channel": event["public_id"],
                "agent_id": event["agent_id"],
                "name": event["name"],
                "typing": bool(event.get("typing")),
            }
        )
