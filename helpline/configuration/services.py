"""What the settings screens write that no other app owns: the branding, and agent invitations.

Agents, teams, categories, tags, custom fields and tokens are written by their own apps' services;
the views call those directly.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_manage
from helpline.accounts.services import agent_create
from helpline.audit.services import event_record
from helpline.configuration.models import Branding
from helpline.configuration.selectors import BRANDING_CACHE_KEY
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, PermissionDenied, TooLarge
from helpline.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

LOGO_MAX_BYTES = 512 * 1024
# Raster formats only: an SVG is a document that can carry script.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
COMPANY_NAME_MAX = 100


def branding_update(*, actor: Actor | None, company_name: str, portal_passwords: bool) -> Branding:
    """Change the company name and the portal switches (admins only); appends `branding.updated`."""
    _admin_check(actor)
    name = " ".join((company_name or "").split())
    if len(name) > COMPANY_NAME_MAX:
        raise InvalidInput(
            f"The company name has at most {COMPANY_NAME_MAX} characters.",
            errors=[{"field": "company_name", "message": "too long"}],
        )
    with transaction.atomic():
        branding = _branding_for_update()
        before = {"company_name": branding.company_name, "portal_passwords": branding.portal_passwords}
        after = {"company_name": name, "portal_passwords": bool(portal_passwords)}
        if before == after:
            return branding
        branding.company_name, branding.portal_passwords = name, bool(portal_passwords)
        branding.updated_at = now()
        branding.save(update_fields=["company_name", "portal_passwords", "updated_at"])
        event_record(
            actor=actor, entity="branding", entity_id=branding.pk, kind="branding.updated", before=before, after=after
        )
        transaction.on_commit(_branding_forget)
    return branding


def branding_logo_set(*, actor: Actor | None, content: bytes) -> Branding:
    """Replace the logo with a PNG or JPEG of at most LOGO_MAX_BYTES (admins only); appends
    `branding.logo_changed` naming the new logo's digest."""
    _admin_check(actor)
    if len(content) > LOGO_MAX_BYTES:
        raise TooLarge(
            f"The logo is {len(content) // 1024} KB; it may have {LOGO_MAX_BYTES // 1024} KB at most.",
            errors=[{"field": "logo", "message": "too large"}],
        )
    content_type = next((kind for magic, kind in LOGO_SIGNATURES.items() if content.startswith(magic)), "")
    if not content_type:
        raise InvalidInput(
            "The logo must be a PNG or JPEG image.", errors=[{"field": "logo", "message": "not a PNG or JPEG"}]
        )
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        branding = _branding_for_update()
        before = {"logo": branding.logo_digest or None}
        branding.logo, branding.logo_type, branding.logo_digest = content, content_type, digest
        branding.updated_at = now()
        branding.save(update_fields=["logo", "logo_type", "logo_digest", "updated_at"])
        event_record(
            actor=actor,
            entity="branding",
            entity_id=branding.pk,
            kind="branding.logo_changed",
            before=before,
            after={"logo": digest, "type": content_type, "bytes": len(content)},
        )
        transaction.on_commit(_branding_forget)
    return branding


def branding_logo_remove(*, actor: Actor | None) -> Branding:
    """Go back to the Helpline mark (admins only); appends `branding.logo_changed` when there was one."""
    _admin_check(actor)
    with transaction.atomic():
        branding = _branding_for_update()
        if not branding.logo_digest:
            return branding
        before = {"logo": branding.logo_digest}
        branding.logo, branding.logo_type, branding.logo_digest = b"", "", ""
        branding.updated_at = now()
        branding.save(update_fields=["logo", "logo_type", "logo_digest", "updated_at"])
        event_record(
            actor=actor,
            entity="branding",
            entity_id=branding.pk,
            kind="branding.logo_changed",
            before=before,
            after={"logo": None},
        )
        transaction.on_commit(_branding_forget)
    return branding


def agent_invite(*, actor: Actor | None, email: str, name: str, role: str) -> Agent:
    """Add an agent without a password and e-mail them a link to choose one (admins only).

    The agent is created by accounts.services.agent_create (its event); the invitation leaves
    through the outbox in the same transaction. The link is Django's password-reset token: it
    stops working once a password is set, and after PASSWORD_RESET_TIMEOUT.
    """
    with transaction.atomic():
        agent = agent_create(actor=actor, email=email, name=name, role=role)
        agent_invitation_send(actor=actor, agent=agent)
    return agent


def agent_invitation_send(*, actor: Actor | None, agent: Agent) -> None:
    """(Again) e-mail an agent a link to choose their password (admins only); appends
    `agent.invited`."""
    _admin_check(actor)
    if not agent.is_active:
        raise InvalidInput("This agent is deactivated: activate them first.")
    link = settings.SITE_URL.rstrip("/") + reverse(
        "configuration:join",
        args=[urlsafe_base64_encode(force_bytes(agent.pk)), default_token_generator.make_token(agent)],
    )
    context: dict[str, Any] = {"agent": agent, "link": link, "inviter": actor, "branding_name": _company_name()}
    base = "configuration/emails/invitation"
    with transaction.atomic():
        outbox_enqueue(
            kind="email",
            payload={
                "to": [agent.email],
                "subject": " ".join(render_to_string(f"{base}_subject.txt", context).split()),
                "text": render_to_string(f"{base}.txt", context),
                "html": render_to_string(f"{base}.html", context),
            },
        )
        event_record(actor=actor, entity="agent", entity_id=agent.pk, kind="agent.invited", after={"to": agent.email})


def _branding_for_update() -> Branding:
    Branding.objects.get_or_create(pk=Branding.SINGLETON_ID)
    return Branding.objects.select_for_update().get(pk=Branding.SINGLETON_ID)


def _branding_forget() -> None:
    try:
        cache.delete(BRANDING_CACHE_KEY)
    except Exception:  # the entry expires by itself (BRANDING_CACHE_SECONDS)
        logger.warning("cache unavailable; the branding shown may be stale for a while", exc_info=True)


def _company_name() -> str:
    row = Branding.objects.filter(pk=Branding.SINGLETON_ID).only("company_name").first()
    return (row.company_name if row else "") or "Helpline"


def _admin_check(actor: Actor | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins do this.")
