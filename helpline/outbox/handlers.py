"""How each kind of outbox row leaves: one handler per kind, looked up by the drain.

A handler sends one row's payload and returns, or raises: `PermanentFailure` when trying again
cannot help (the row is marked failed at once), any other exception to be retried with backoff.
A channel may replace a kind's handler with `@handler("email")`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import MIMEPart
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from helpline.outbox.models import OutboxMessage

Handler = Callable[[OutboxMessage], None]

HANDLERS: dict[str, Handler] = {}

WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_SIGNATURE_HEADER = "X-Helpline-Signature-256"
WEBHOOK_DELIVERY_HEADER = "X-Helpline-Delivery"
# 4xx answers that may succeed later: timeout, conflict, too early, too many requests.
_RETRYABLE_CLIENT_ERRORS = {408, 409, 425, 429}


class PermanentFailure(Exception):
    """Sending this row can never succeed as it is (bad payload, refused by the receiver)."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that sends outbox rows of `kind` (replacing any earlier one)."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def handler_for(kind: str) -> Handler:
    try:
        return HANDLERS[kind]
    except KeyError:
        raise PermanentFailure(f"No outbox handler for kind {kind!r}") from None


# --- email ---------------------------------------------------------------------------------------


def email_message_build(payload: dict[str, Any]) -> EmailMultiAlternatives:
    """The email a payload describes.

    Payload: `to` (list), optional `cc`, `bcc`, `subject`, `text`, `html`, `from_email`,
    `reply_to` (list), `headers` (dict), `message_id`, `attachments` (Attachment ids, in order;
    `attachment_ids`, as tickets' reply delivery writes it, is read the same way).
    """
    if not payload.get("to"):
        raise PermanentFailure("An email needs at least one address in 'to'")
    headers = dict(payload.get("headers") or {})
    if payload.get("message_id"):
        headers["Message-ID"] = payload["message_id"]
    email = EmailMultiAlternatives(
        subject=payload.get("subject", ""),
        body=payload.get("text", ""),
        from_email=payload.get("from_email") or None,
        to=list(payload["to"]),
        cc=list(payload.get("cc") or []),
        bcc=list(payload.get("bcc") or []),
        reply_to=list(payload.get("reply_to") or []),
        headers=headers,
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    for attachment_id in payload.get("attachments") or payload.get("attachment_ids") or []:
        _email_attach(email, attachment_id)
    return email


def _email_attach(email: EmailMultiAlternatives, attachment_id: int) -> None:
    from helpline.tickets.models import Attachment

    attachment = Attachment.objects.select_related("blob").filter(pk=attachment_id).first()
    if attachment is None:
        raise PermanentFailure(f"Attachment {attachment_id} no longer exists")
    with attachment.blob.file.open("rb") as stored:
        content = stored.read()
    if attachment.is_inline and attachment.content_id:
        maintype, _, subtype = attachment.content_type.partition("/")
        part = MIMEPart()
        part.set_content(
            content,
            maintype,
            subtype or "octet-stream",
            disposition="inline",
            filename=attachment.filename,
            cid=f"<{attachment.content_id}>",
        )
        email.attach(part)
    else:
        email.attach(attachment.filename, content, attachment.content_type)


@handler(OutboxMessage.Kind.EMAIL)
def email_send(row: OutboxMessage) -> None:
    """Send the row's email through the configured email backend (SMTP in production)."""
    email_message_build(row.payload).send()


# --- webhook -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as a GET, or to a host the admin never named.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the body>`: the receiver recomputes it with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@handler(OutboxMessage.Kind.WEBHOOK)
def webhook_post(row: OutboxMessage) -> None:
    """POST `payload["body"]` (or, without one, the payload less `url` and `secret`) as JSON to
    `payload["url"]`, signed with the webhook's secret.

    The secret is `payload["secret"]` (per endpoint) or HELPLINE_WEBHOOK_SECRET. Headers carry the
    signature and the outbox row id (`X-Helpline-Delivery`, the same on every retry, so a receiver
    can drop a repeat). A 2xx answer is success; other 4xx answers, except 408/409/425/429, are final.
    """
    url = row.payload.get("url", "")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise PermanentFailure(f"A webhook URL must be http(s), not {url!r}")
    secret = row.payload.get("secret") or getattr(settings, "HELPLINE_WEBHOOK_SECRET", "")
    if not secret:
        raise PermanentFailure("No webhook secret: set payload['secret'] or HELPLINE_WEBHOOK_SECRET")
    content = row.payload["body"] if "body" in row.payload else _without(row.payload, "url", "secret")
    body = json.dumps(content, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Helpline-Webhook",
            WEBHOOK_SIGNATURE_HEADER: webhook_signature(secret, body),
            WEBHOOK_DELIVERY_HEADER: str(row.pk),
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code not in _RETRYABLE_CLIENT_ERRORS:
            raise PermanentFailure(f"The receiver refused the webhook: HTTP {error.code}") from error
        raise


def _without(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in keys}


# --- notification --------------------------------------------------------------------------------


@handler(OutboxMessage.Kind.NOTIFICATION)
def notification_send(row: OutboxMessage) -> None:
    """Send the payload to the websocket group `agent.<agent_id>` through the channel layer.

    The event's `type` (the consumer method it calls) defaults to `agent.notification`.
    """
    from channels.layers import get_channel_layer

    agent_id = row.payload.get("agent_id")
    if not isinstance(agent_id, int):
        raise PermanentFailure("A notification needs an integer 'agent_id'")
    layer = get_channel_layer()
    if layer is None:
        raise PermanentFailure("No channel layer is configured")
    async_to_sync(layer.group_send)(f"agent.{agent_id}", {"type": "agent.notification", **row.payload})
