"""Telling connected agents that a ticket changed, once the change is committed."""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from helpline.realtime.consumers import TICKETS_GROUP

logger = logging.getLogger(__name__)


def publish_ticket_event_on_commit(*, ticket_id: int, team_id: int | None, kind: str, data: dict[str, Any]) -> None:
    """After the caller's transaction commits, send a `ticket.event` to every connected agent.

    Nothing is sent when the transaction rolls back. `data` must be JSON-serializable (dates and
    decimals are fine) and fit for every agent who may see the ticket; the consumers drop events
    of private teams for non-members. Never raises into the caller: a failing channel layer is
    logged and the change stands (agents see it on their next page load).
    """
    message = {
        "type": "ticket.event",
        "ticket_id": ticket_id,
        "team_id": team_id,
        "kind": kind,
        "data": data,
    }
    transaction.on_commit(lambda: _send(message))


def _send(message: dict[str, Any]) -> None:
    try:
        # Round-trip through JSON so every layer (in-memory or Redis) carries the same plain values.
        payload = json.loads(json.dumps(message, cls=DjangoJSONEncoder))
        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(TICKETS_GROUP):
            return  # embedded mode and no agent screen open: nobody to tell, skip the thread hop
        async_to_sync(layer.group_send)(TICKETS_GROUP, payload)
    except Exception:
        kind, ticket_id = message["kind"], message["ticket_id"]
        logger.warning("could not publish %s for ticket %s", kind, ticket_id, exc_info=True)
