"""Amazon SES event notifications (bounce, complaint, delivery) that arrive as JSON in a mail body.

Helpdesks that send through SES with an SNS e-mail subscription receive these instead of DSNs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .bounce_reasons import HARD_REASONS, classify, find_status
from .headers import normalize_email
from .model import BounceInfo, BounceRecipient

_START = re.compile(r'\{\s*"notificationType"\s*:\s*"(?:Bounce|Complaint|Delivery)"')


def ses_notification(text: str) -> BounceInfo | None:
    """The SES event in a message body, or None when the body is not one."""
    match = _START.search(text[:5000])
    if not match:
        return None
    body = text[match.start() :]
    try:
        event, _end = json.JSONDecoder().raw_decode(body)
    except ValueError:
        try:  # the notification e-mail wraps its one long line
            event, _end = json.JSONDecoder().raw_decode(re.sub(r"\r?\n ?", "", body))
        except ValueError:
            return None
    if not isinstance(event, dict):
        return None
    kind = event.get("notificationType")
    mail: dict[str, Any] = event["mail"] if isinstance(event.get("mail"), dict) else {}
    original_id = _original_message_id(mail)
    if kind == "Complaint":
        complaint = event.get("complaint") or {}
        people = [normalize_email(str(r.get("emailAddress", ""))) for r in complaint.get("complainedRecipients") or []]
        feedback = str(complaint.get("complaintFeedbackType") or "abuse")
        items = [
            BounceRecipient(
                recipient=p,
                status="",
                action="",
                reason="feedback",
                permanent=False,
                diagnostic=f"feedback-type: {feedback}",
            )
            for p in people
            if p
        ]
        return _info(items, original_id, "feedback") if items else None
    if kind == "Delivery":
        delivery = event.get("delivery") or {}
        response = str(delivery.get("smtpResponse") or "")
        items = [
            BounceRecipient(
                recipient=normalize_email(str(r)),
                status=find_status(response) or "2.0.0",
                action="delivered",
                reason="delivered",
                permanent=False,
                diagnostic=response,
            )
            for r in delivery.get("recipients") or []
        ]
        return _info(items, original_id, "dsn") if items else None
    bounce = event.get("bounce") or {}
    permanent_type = str(bounce.get("bounceType", "")).lower() == "permanent"
    items = []
    for entry in bounce.get("bouncedRecipients") or []:
        diagnostic = str(entry.get("diagnosticCode") or "")
        status = str(entry.get("status") or "") or find_status(diagnostic)
        action = str(entry.get("action") or ("failed" if permanent_type else "delayed")).lower()
        reason = classify(status, diagnostic, action)
        items.append(
            BounceRecipient(
                recipient=normalize_email(str(entry.get("emailAddress", ""))),
                status=status,
                action=action,
                reason=reason,
                permanent=action == "failed" and reason in HARD_REASONS,
                diagnostic=diagnostic,
            )
        )
    return _info(items, original_id, "dsn") if items else None


def _original_message_id(mail: dict[str, Any]) -> str:
    headers = mail.get("headers")
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id":
            return str(header.get("value", "")).strip().strip("<>")
    return ""


def _info(items: list[BounceRecipient], original_id: str, kind: str) -> BounceInfo:
    first = next((r for r in items if r.action == "failed"), items[0])
    return BounceInfo(
        recipient=first.recipient,
        status=first.status,
        action=first.action,
        reason=first.reason,
        permanent=first.permanent,
        original_message_id=original_id,
        diagnostic=first.diagnostic,
        kind=kind,
        recipients=items,
    )
