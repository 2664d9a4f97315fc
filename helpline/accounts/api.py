"""REST operations on the caller, agents and teams (agents only, except /me)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from helpline.accounts import services
from helpline.accounts.models import Agent, Membership, Team
from helpline.accounts.schemas import (
    AgentCreateIn,
    AgentOut,
    AgentPage,
    AgentUpdateIn,
    MembershipIn,
    MeOut,
    TeamCreateIn,
    TeamOut,
    TeamPage,
    TeamUpdateIn,
    agent_json,
    me_json,
    team_json,
)
from helpline.api.operations import CURSOR, actor_of, agent_of, responses
from helpline.api.schemas import Id
from helpline.core.errors import NotFound
from helpline.core.keyset import keyset_page

router = Router(tags=["accounts"])


@router.get("/me", response=responses(MeOut))
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the credentials belong to."""
    return me_json(actor_of(request))


# ------------------------------------------------------------------ agents


@router.get("/agents", response=responses(AgentPage))
def agents_list(
    request: HttpRequest,
    is_active: bool | None = None,
    limit: int = Query(100, ge=1, le=100),
    cursor: str | None = Query(None, **CURSOR),
) -> dict[str, Any]:
    """Agents by name."""
    agent_of(request)
    agents = _agents()
    if is_active is not None:
        agents = agents.filter(is_active=is_active)
    page = keyset_page(agents, field="name", descending=False, field_type=str, limit=limit, cursor=cursor)
    return {"items": [agent_json(a) for a in page.items], "next_cursor": page.next_cursor}


@router.post("/agents", response=responses(AgentOut, 409, status=201))
def agent_create(request: HttpRequest, payload: AgentCreateIn) -> Status:
    """Add an agent (admins)."""
    agent = services.agent_create(
        actor=agent_of(request),
        email=payload.email,
        name=payload.name,
        role=payload.role,
        password=payload.password,
        capacity=payload.capacity,
    )
    return Status(201, agent_json(_agent(agent.pk)))


@router.get("/agents/{agent_id}", response=responses(AgentOut))
def agent_detail(request: HttpRequest, agent_id: Id) -> dict[str, Any]:
    agent_of(request)
    return agent_json(_agent(agent_id))


@router.patch("/agents/{agent_id}", response=responses(AgentOut))
def agent_patch(request: HttpRequest, agent_id: Id, payload: AgentUpdateIn) -> dict[str, Any]:
    """Agents change their own name, availability and time zone; admins anything."""
    actor = agent_of(request)
    agent = _agent(agent_id)
    changes = payload.model_dump(include=payload.model_fields_set)
    services.agent_update(actor=actor, agent=agent, changes=changes)
    return agent_json(agent)


# ------------------------------------------------------------------ teams


@router.get("/teams", response=responses(TeamPage))
def teams_list(
    request: HttpRequest, limit: int = Query(100, ge=1, le=100), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """Teams by name, with their members."""
    agent_of(request)
    page = keyset_page(_teams(), field="name", descending=False, field_type=str, limit=limit, cursor=cursor)
    return {"items": [team_json(t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/teams", response=responses(TeamOut, 409, status=201))
def team_create(request: HttpRequest, payload: TeamCreateIn) -> Status:
    """Add a team (admins); a private team's tickets are seen by its members only."""
    team = services.team_create(
        actor=agent_of(request), name=payload.name, description=payload.description, is_private=payload.is_private
    )
    return Status(201, team_json(_team(team.pk)))


@router.patch("/teams/{team_id}", response=responses(TeamOut, 409))
def team_patch(request: HttpRequest, team_id: Id, payload: TeamUpdateIn) -> dict[str, Any]:
    actor = agent_of(request)
    team = services.team_update(
        actor=actor, team=_team(team_id), changes=payload.model_dump(include=payload.model_fields_set)
    )
    return team_json(_team(team.pk))


@router.put("/teams/{team_id}/members/{agent_id}", response=responses(TeamOut))
def team_member_put(request: HttpRequest, team_id: Id, agent_id: Id, payload: MembershipIn) -> dict[str, Any]:
    """Make the agent a member (or lead) of the team: admins and the team's supervising leads."""
    actor = agent_of(request)
    services.team_member_set(
        actor=actor, team=_team(team_id), agent=_agent(agent_id), member=True, is_lead=payload.is_lead
    )
    return team_json(_team(team_id))


@router.delete("/teams/{team_id}/members/{agent_id}", response=responses(None, status=204))
def team_member_delete(request: HttpRequest, team_id: Id, agent_id: Id) -> Status:
    actor = agent_of(request)
    services.team_member_set(actor=actor, team=_team(team_id), agent=_agent(agent_id), member=False)
    return Status(204, None)


# ------------------------------------------------------------------ helpers


def _agents() -> QuerySet[Agent]:
    return Agent.objects.prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("team")))


def _teams() -> QuerySet[Team]:
    return Team.objects.prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("agent")))


def _agent(agent_id: int) -> Agent:
    agent = _agents().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent


def _team(team_id: int) -> Team:
    team = _teams().filter(pk=team_id).first()
    if team is None:
        raise NotFound("No such team.")
    return team
