"""Websocket routes; helpline.asgi wraps them in session auth and an origin check."""

from __future__ import annotations

from typing import Any

from django.urls import path

from helpline.realtime.consumers import TicketsConsumer
from helpline.realtime.presence import TicketPresenceConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/tickets/", TicketsConsumer.as_asgi()),
    path("ws/tickets/<int:number>/presence/", TicketPresenceConsumer.as_asgi()),
]
