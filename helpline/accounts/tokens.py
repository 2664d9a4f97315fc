"""API tokens: create, authenticate, revoke.

A token reads `hl_<prefix>_<secret>`. The prefix is stored in the clear (unique, indexed) so a
token is found with one lookup and can be named in lists and audit events; only the SHA-256 of
the secret is stored, and the whole token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q

from helpline.accounts.models import Agent, ApiToken
from helpline.accounts.permissions import can_manage
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, PermissionDenied
from helpline.core.prepared import STR_PLACEHOLDER, PreparedQuery

if TYPE_CHECKING:
    from helpline.accounts.permissions import Actor
    from helpline.customers.models import Customer

TOKEN_SCHEME = "hl"  # noqa: S105 - the fixed first part of every token, not a secret
PREFIX_LENGTH = 10
# Lower-case letters and digits only: never "_" (the separator), and easy to type in `token revoke`.
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SECRET_BYTES = 32
# last_used_at is a hint for humans; writing it on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_ATTEMPTS = 5
NAME_MAX_LENGTH = 100  # ApiToken.name


def token_create(
    *,
    agent: Agent | None = None,
    customer: Customer | None = None,
    name: str,
    expires_at: datetime | None = None,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for one agent or one customer and return the row and the plain token.

    The plain token is not stored anywhere: the caller shows it once. `actor` None is the system
    (the command line); an agent may create tokens for itself, an admin for anyone.
    Appends a `token.created` event.
    """
    name = name.strip()
    _check_create(agent=agent, customer=customer, name=name, expires_at=expires_at, actor=actor)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        token = _insert_with_fresh_prefix(
            agent=agent, customer=customer, name=name, expires_at=expires_at, secret=secret
        )
        event_record(
            actor=actor,
            kind="token.created",
            entity="api_token",
            entity_id=token.pk,
            after=_describe(token),
        )
    return token, f"{TOKEN_SCHEME}_{token.prefix}_{secret}"


# Every API request reads its token with the owner: compiled once (helpline/core/prepared.py).
_TOKEN_BY_PREFIX = PreparedQuery(
    lambda prefix: ApiToken.objects.select_related("agent", "customer").filter(prefix=prefix).order_by(),
    prefix=STR_PLACEHOLDER,
)


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token that `raw` names, or None (malformed, unknown, wrong secret, revoked,
    expired, or its owner may no longer sign in).

    Records `last_used_at`, at most once a minute per token, with one conditional UPDATE.
    """
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_SCHEME or not parts[1] or not parts[2]:
        return None
    prefix, secret = parts[1], parts[2]
    token = next(iter(_TOKEN_BY_PREFIX(prefix=prefix)), None)
    if token is None:
        return None
    if not hmac.compare_digest(_hash(secret), token.secret_hash):
        return None
    at = now()
    if not _is_live(token, at):
        return None
    _touch(token, at)
    return token


def token_revoke(*, token: ApiToken, actor: Actor | None = None) -> ApiToken:
    """Revoke a token for good. Revoking a revoked token changes nothing and records nothing.

    Appends a `token.revoked` event when the token was live.
    """
    _check_owner_or_admin(actor, token.agent)
    at = now()
    with transaction.atomic():
        live = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True)
        if not live.update(revoked_at=at):
            token.refresh_from_db(fields=["revoked_at"])
            return token
        token.revoked_at = at
        event_record(
            actor=actor,
            kind="token.revoked",
            entity="api_token",
            entity_id=token.pk,
            before={"revoked_at": None},
            after=_describe(token),
        )
    return token


def _check_create(
    *,
    agent: Agent | None,
    customer: Customer | None,
    name: str,
    expires_at: datetime | None,
    actor: Actor | None,
) -> None:
    errors = []
    if (agent is None) == (customer is None):
        errors.append({"field": "owner", "message": "give exactly one of agent or customer"})
    if agent is not None and not agent.is_active:
        errors.append({"field": "agent", "message": "this agent is deactivated"})
    if not name:
        errors.append({"field": "name", "message": "this field is required"})
    elif len(name) > NAME_MAX_LENGTH:
        errors.append({"field": "name", "message": f"longer than {NAME_MAX_LENGTH} characters"})
    if expires_at is not None and expires_at <= now():
        errors.append({"field": "expires_at", "message": "must be in the future"})
    if errors:
        raise InvalidInput("The token cannot be created.", errors=errors)
    if customer is not None and actor is not None and not can_manage(actor):
        raise PermissionDenied("Only an admin may create customer tokens.")
    _check_owner_or_admin(actor, agent)


def _check_owner_or_admin(actor: Actor | None, owner: Agent | None) -> None:
    if actor is None:
        return
    is_owner = owner is not None and isinstance(actor, Agent) and owner.pk == actor.pk
    if is_owner or can_manage(actor):
        return
    raise PermissionDenied("You may manage only your own tokens.")


def _insert_with_fresh_prefix(
    *,
    agent: Agent | None,
    customer: Customer | None,
    name: str,
    expires_at: datetime | None,
    secret: str,
) -> ApiToken:
    for attempt in range(_PREFIX_ATTEMPTS):
        try:
            with transaction.atomic():
                return ApiToken.objects.create(
                    agent=agent,
                    customer=customer,
                    name=name,
                    prefix=_new_prefix(),
                    secret_hash=_hash(secret),
                    expires_at=expires_at,
                )
        except IntegrityError:
            # A prefix collision is astronomically rare; any other integrity error repeats.
            if attempt == _PREFIX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _new_prefix() -> str:
    return "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_live(token: ApiToken, at: datetime) -> bool:
    if token.revoked_at is not None:
        return False
    if token.expires_at is not None and token.expires_at <= at:
        return False
    if token.agent is not None:
        return token.agent.is_active
    # A customer merged into another no longer exists on its own; its tokens die with it.
    return token.customer is not None and token.customer.merged_into_id is None


def _touch(token: ApiToken, at: datetime) -> None:
    if token.last_used_at is not None and token.last_used_at > at - LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=at - LAST_USED_RESOLUTION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at):
        token.last_used_at = at


def _describe(token: ApiToken) -> dict[str, object]:
    """What an audit event may say about a token: never the secret or its hash."""
    return {
        "name": token.name,
        "prefix": token.prefix,
        "owner": f"agent:{token.agent_id}" if token.agent_id else f"customer:{token.customer_id}",
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
