"""Who may see and do what. Selectors and services ask these; nothing else decides.

An actor is an Agent (staff) or a Customer (a requester, through the portal or a customer token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from django.db.models import Q

from helpline.accounts.models import Agent, Team

if TYPE_CHECKING:
    from helpline.customers.models import Customer
    from helpline.tickets.models import Ticket

Actor = Union[Agent, "Customer"]


def is_agent(actor: object) -> bool:
    return isinstance(actor, Agent)


def hidden_team_ids(agent: Agent) -> list[int]:
    """The private teams whose tickets this agent may not see (admins see every team)."""
    if agent.is_admin:
        return []
    return list(Team.objects.filter(is_private=True).exclude(memberships__agent=agent).values_list("id", flat=True))


def ticket_visibility(actor: Actor) -> Q:
    """A filter on tickets that keeps only those the actor may see."""
    if isinstance(actor, Agent):
        hidden = hidden_team_ids(actor)
        return ~Q(team_id__in=hidden) if hidden else Q()
    from helpline.customers.selectors import customer_visible_requester_ids

    return Q(requester_id__in=customer_visible_requester_ids(actor))


def can_view_ticket(actor: Actor, ticket: Ticket) -> bool:
    if isinstance(actor, Agent):
        if actor.is_admin or ticket.team_id is None:
            return True
        team = ticket.team
        assert team is not None  # noqa: S101 - team_id is set
        return not team.is_private or team.memberships.filter(agent=actor).exists()
    from helpline.customers.selectors import customer_visible_requester_ids

    return ticket.requester_id in customer_visible_requester_ids(actor)


def can_edit_ticket(actor: Actor, ticket: Ticket) -> bool:
    """Change properties (status, assignee, team…): agents, supervisors and admins."""
    return isinstance(actor, Agent) and actor.role != Agent.Role.COLLABORATOR and can_view_ticket(actor, ticket)


def can_reply(actor: Actor, ticket: Ticket) -> bool:
    """Write something the customer will see."""
    if isinstance(actor, Agent):
        return actor.may_reply and can_view_ticket(actor, ticket)
    return can_view_ticket(actor, ticket)


def can_note(actor: Actor, ticket: Ticket) -> bool:
    """Write an internal note: any agent, collaborators included; never a customer."""
    return isinstance(actor, Agent) and can_view_ticket(actor, ticket)


def can_manage(actor: Actor) -> bool:
    """Manage agents, teams, custom fields: admins (supervisors for teams they lead; categories and
    tags are managed by supervisors too, see can_supervise)."""
    return isinstance(actor, Agent) and actor.is_admin


def can_supervise(actor: Actor) -> bool:
    return isinstance(actor, Agent) and actor.role in (Agent.Role.ADMIN, Agent.Role.SUPERVISOR)
