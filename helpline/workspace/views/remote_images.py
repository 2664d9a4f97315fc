"""Remote images of a message, for agents who ask: the message again with its images loaded
("Load remote images"), and the image proxy that serves each of them from Helpline's own origin
(the fetching is `helpline.core.remote_images`)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from helpline.core.remote_images import RemoteImageError, remote_image_load, remote_image_urls
from helpline.workspace.presenters import message_card
from helpline.workspace.selectors import thread_message_get
from helpline.workspace.views._common import agent_of, agent_view

logger = logging.getLogger(__name__)

# Whatever the sender's server answered, the browser renders it as this type and nothing else.
PROXY_CSP = "default-src 'none'; sandbox"


@agent_view
@require_safe
def message_images(request: HttpRequest, message_id: int) -> HttpResponse:
    """The message's card of the thread, its remote images pointing at the image proxy (htmx swaps
    it in place of the card). Nothing is remembered: the thread shows placeholders again."""
    message = thread_message_get(actor=agent_of(request), message_id=message_id)
    return render(request, "workspace/ticket.html#message", {"card": message_card(message, load_images=True)})


@agent_view
@require_safe
def message_remote_image(request: HttpRequest, message_id: int, index: int) -> HttpResponse:
    """Remote image number `index` of a message the agent may see, fetched by Helpline (never an
    address from the request: the URL is read from the stored message)."""
    message = thread_message_get(actor=agent_of(request), message_id=message_id)
    urls = remote_image_urls(message.body_html)
    if index >= len(urls):
        return _refusal(404, "This message has no such image.")
    try:
        image = remote_image_load(url=urls[index], cache_key=f"{message.pk}:{index}")
    except RemoteImageError as error:
        logger.info("Remote image %s of message %s not served: %s", index, message.pk, error.detail)
        return _refusal(error.status, error.detail)
    response = HttpResponse(image.content, content_type=image.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return _hardened(response)


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(f"{text}\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return _hardened(response)


def _hardened(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PROXY_CSP
    return response
