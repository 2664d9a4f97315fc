"""The agents' live feed of ticket changes (`ws/tickets/`)."""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from helpline.accounts.models import Agent
from helpline.accounts.permissions import hidden_team_ids

TICKETS_GROUP = "tickets"
# Team memberships can change while a socket stays open; re-read them this often.
VISIBILITY_TTL_SECONDS = 60.0


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


class TicketsConsumer(AsyncJsonWebsocketConsumer):
    """Signed-in, active agents only. Joins `tickets` and `agent.<id>` and forwards each
    `ticket.event` as JSON, except events of private teams the agent may not see."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, Agent) or not user.is_active:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.agent = user
        self.joined = [TICKETS_GROUP, agent_group(user.pk)]
        await self._refresh_hidden_teams()
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; whatever they send is ignored."""

    async def ticket_event(self, event: dict[str, Any]) -> None:
        if time.monotonic() - self.hidden_read_at > VISIBILITY_TTL_SECONDS:
            await self._refresh_hidden_teams()
        if event.get("team_id") in self.hidden_teams:
            return
        await self.send_json(
            {
                "type": "ticket.event",
                "ticket_id": event["ticket_id"],
                "team_id": event.get("team_id"),
                "kind": event["kind"],
                "data": event.get("data", {}),
            }
        )

    async def agent_notification(self, event: dict[str, Any]) -> None:
        """A notification for this agent (group `agent.<id>`, sent by the outbox drain): mentioned
        in a note, assigned a ticket, the customer answered. Forwarded as it came."""
        payload = {key: value for key, value in event.items() if key != "type"}
        await self.send_json({"type": "agent.notification", **payload})

    async def _refresh_hidden_teams(self) -> None:
        self.hidden_teams = frozenset(await database_sync_to_async(hidden_team_ids)(self.agent))
        self.hidden_read_at = time.monotonic()
