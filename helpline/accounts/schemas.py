"""REST shapes of the caller, agents and teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from helpline.accounts.models import Agent, Team
from helpline.accounts.permissions import Actor
from helpline.api.schemas import InputSchema, OutputSchema, Text, Text64, Text100, Text200

Role = Literal["admin", "supervisor", "agent", "collaborator"]
Availability = Literal["online", "away", "offline"]
Capacity = Annotated[int, Field(ge=0, le=10_000)]
EmailAddress = Annotated[str, Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]


class Membership(OutputSchema):
    id: int = Field(description="The team's id.")
    name: str
    is_lead: bool


class Member(OutputSchema):
    id: int = Field(description="The agent's id.")
    name: str
    is_lead: bool


class MeOut(OutputSchema):
    type: Literal["agent", "customer"]
    id: int
    name: str
    email: str
    role: Role | None = Field(description="Agents only.")
    time_zone: str
    teams: list[Membership] = Field(description="Agents only: empty for customers.")


class AgentOut(OutputSchema):
    id: int
    email: str
    name: str
    role: Role
    availability: Availability
    capacity: int
    skills: list[Any]
    time_zone: str
    is_active: bool
    created_at: datetime
    teams: list[Membership]


class AgentPage(OutputSchema):
    items: list[AgentOut]
    next_cursor: str | None


class TeamOut(OutputSchema):
    id: int
    name: str
    description: str
    is_private: bool
    members: list[Member]


class TeamPage(OutputSchema):
    items: list[TeamOut]
    next_cursor: str | None


class AgentCreateIn(InputSchema):
    email: EmailAddress
    name: Text200
    role: Role = "agent"
    password: Annotated[str, Field(min_length=8, max_length=200)] | None = Field(
        None, description="Without one the agent cannot sign in to the web UI until one is set."
    )
    capacity: Capacity = 10


class AgentUpdateIn(InputSchema):
    """Agents change their own name, availability and time zone; admins anything."""

    name: Text200 | None = None
    role: Role | None = None
    availability: Availability | None = None
    capacity: Capacity | None = None
    skills: list[Text64] | None = Field(None, max_length=100)
    time_zone: Text64 | None = None
    is_active: bool | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class TeamCreateIn(InputSchema):
    name: Annotated[Text100, Field(min_length=1)]
    description: Text = ""
    is_private: bool = False


class TeamUpdateIn(InputSchema):
    name: Annotated[Text100, Field(min_length=1)] | None = None
    description: Text | None = None
    is_private: bool | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class MembershipIn(InputSchema):
    is_lead: bool = False


def me_json(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, Agent):
        return {
            "type": "agent",
            "id": actor.pk,
            "name": actor.name,
            "email": actor.email,
            "role": actor.role,
            "time_zone": actor.time_zone,
            "teams": [_membership(m) for m in actor.memberships.select_related("team")],
        }
    return {
        "type": "customer",
        "id": actor.pk,
        "name": actor.name,
        "email": actor.primary_email,
        "role": None,
        "time_zone": actor.time_zone,
        "teams": [],
    }


def agent_json(agent: Agent) -> dict[str, Any]:
    """An agent; `memberships__team` should be prefetched."""
    return {
        "id": agent.pk,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "availability": agent.availability,
        "capacity": agent.capacity,
        "skills": agent.skills,
        "time_zone": agent.time_zone,
        "is_active": agent.is_active,
        "created_at": agent.created_at,
        "teams": [_membership(m) for m in agent.memberships.all()],
    }


def team_json(team: Team) -> dict[str, Any]:
    """A team; `memberships__agent` should be prefetched."""
    return {
        "id": team.pk,
        "name": team.name,
        "description": team.description,
        "is_private": team.is_private,
        "members": [{"id": m.agent_id, "name": m.agent.name, "is_lead": m.is_lead} for m in team.memberships.all()],
    }


def _membership(membership: Any) -> dict[str, Any]:
    return {"id": membership.team_id, "name": membership.team.name, "is_lead": membership.is_lead}
