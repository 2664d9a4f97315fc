"""Writing canned responses: create, change, delete; each writes an event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from helpline.accounts.models import Agent, Team
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.responses.models import CannedResponse
from helpline.responses.selectors import canned_response_may_change, canned_response_may_share

TITLE_MAX = 200
BODY_MAX = 20_000


def canned_response_create(
    *, actor: Agent, title: str, body: str, scope: str = CannedResponse.Scope.PERSONAL, team: Team | None = None
) -> CannedResponse:
    """Write a canned response owned by `actor`: personal (any agent), or shared with everyone or
    with a team (supervisors for their teams, admins). Writes the row and a
    `canned_response.created` event."""
    values = _values(actor, title=title, body=body, scope=scope, team=team)
    with transaction.atomic():
        response = CannedResponse.objects.create(owner=actor, **values)
        event_record(
            actor=actor,
            kind="canned_response.created",
            entity="canned_response",
            entity_id=response.pk,
            after=_snapshot(response),
        )
    return response


def canned_response_update(
    *,
    actor: Agent,
    canned_response: CannedResponse | int,
    title: str,
    body: str,
    scope: str,
    team: Team | None = None,
) -> CannedResponse:
    """Change a response's title, text or scope. Its owner may change a personal one; admins and
    supervisors shared ones (see canned_response_may_change), and the new scope must be one the
    actor may use too. A response made personal becomes the actor's. Writes the row and a
    `canned_response.updated` event with what changed."""
    with transaction.atomic():
        response = _lock(actor, canned_response)
        values = _values(actor, title=title, body=body, scope=scope, team=team)
        if values["scope"] == CannedResponse.Scope.PERSONAL and response.scope != CannedResponse.Scope.PERSONAL:
            values["owner"] = actor
        before = _snapshot(response)
        for key, value in values.items():
            setattr(response, key, value)
        after = _snapshot(response)
        changed = [key for key in after if before[key] != after[key]]
        if not changed:
            return response
        response.updated_at = now()
        response.save()
        event_record(
            actor=actor,
            kind="canned_response.updated",
            entity="canned_response",
            entity_id=response.pk,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return response


def canned_response_delete(*, actor: Agent, canned_response: CannedResponse | int) -> None:
    """Delete a response (same rule as canned_response_update); the `canned_response.deleted`
    event keeps what it said."""
    with transaction.atomic():
        response = _lock(actor, canned_response)
        event_record(
            actor=actor,
            kind="canned_response.deleted",
            entity="canned_response",
            entity_id=response.pk,
            before=_snapshot(response),
        )
        response.delete()


def _lock(actor: Agent, canned_response: CannedResponse | int) -> CannedResponse:
    pk = canned_response if isinstance(canned_response, int) else canned_response.pk
    response = CannedResponse.objects.select_for_update().filter(pk=pk).first()
    if response is None or (response.scope == CannedResponse.Scope.PERSONAL and response.owner_id != actor.pk):
        raise NotFound("No such canned response.")
    if not canned_response_may_change(actor, response):
        raise PermissionDenied("Only admins and the team's supervisors change shared canned responses.")
    return response


def _values(actor: Agent, *, title: str, body: str, scope: str, team: Team | None) -> dict[str, Any]:
    title = " ".join((title or "").split())
    errors = []
    if not title or len(title) > TITLE_MAX:
        errors.append({"field": "title", "message": f"1 to {TITLE_MAX} characters"})
    if not (body or "").strip() or len(body) > BODY_MAX:
        errors.append({"field": "body", "message": f"1 to {BODY_MAX} characters"})
    if scope not in CannedResponse.Scope.values:
        errors.append({"field": "scope", "message": "personal, team or everyone"})
    elif (scope == CannedResponse.Scope.TEAM) != (team is not None):
        errors.append({"field": "team", "message": "a team response names its team; others none"})
    if errors:
        raise InvalidInput("The canned response is not valid.", errors=errors)
    if not canned_response_may_share(actor, scope, team):
        raise PermissionDenied("Only supervisors (for their teams) and admins share canned responses.")
    return {"title": title, "body": body, "scope": scope, "team": team}


def _snapshot(response: CannedResponse) -> dict[str, Any]:
    return {
        "title": response.title,
        "body": response.body,
        "scope": response.scope,
        "team": response.team_id,
        "owner": response.owner_id,
    }
