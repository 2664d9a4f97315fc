"""Everything that writes agents and teams (tokens: accounts/tokens.py)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.db import IntegrityError, transaction

from helpline.accounts.models import Agent, Membership, Team
from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied

# What an agent may change about themself; everything else needs an admin.
NOTIFICATION_FIELDS = {"notify_email_assigned", "notify_email_reply", "notify_email_mention"}
SELF_SERVICE = {"name", "availability", "time_zone", *NOTIFICATION_FIELDS}
AGENT_FIELDS = {"name", "role", "availability", "capacity", "skills", "time_zone", "is_active", *NOTIFICATION_FIELDS}


def agent_create(
    *,
    actor: Actor | None,
    email: str,
    name: str,
    role: str = Agent.Role.AGENT,
    password: str | None = None,
    capacity: int = 10,
) -> Agent:
    """Add an agent (admins only). Without a password the agent cannot sign in until one is set."""
    _admin_check(actor)
    if role not in Agent.Role.values:
        raise InvalidInput(f"'{role}' is not a role; choose one of {', '.join(Agent.Role.values)}.")
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput(f"'{email}' is not an e-mail address.")
    try:
        with transaction.atomic():
            agent = Agent.objects.create_user(
                email,
                password,
                name=name.strip() or email,
                role=role,
                capacity=capacity,
                is_staff=role == Agent.Role.ADMIN,
            )
            event_record(
                actor=actor,
                entity="agent",
                entity_id=agent.pk,
                kind="agent.created",
                after={"email": email, "role": role},
            )
    except IntegrityError:
        raise Conflict(f"An agent with the address {email} exists already.") from None
    return agent


def agent_update(*, actor: Actor | None, agent: Agent, changes: dict[str, Any]) -> Agent:
    """Change an agent. Agents change their own name, availability, time zone and notification
    preferences; admins anything. Appends `agent.updated` when something changed."""
    unknown = set(changes) - AGENT_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown agent field(s): {', '.join(sorted(unknown))}.")
    if actor is not None and not can_manage(actor):
        if actor != agent or set(changes) - SELF_SERVICE:
            raise PermissionDenied("Only admins change other agents, roles and capacity.")
    if "role" in changes and changes["role"] not in Agent.Role.values:
        raise InvalidInput(f"'{changes['role']}' is not a role.")
    if "availability" in changes and changes["availability"] not in Agent.Availability.values:
        raise InvalidInput(f"'{changes['availability']}' is not an availability.")
    if "time_zone" in changes and changes["time_zone"] not in available_timezones():
        raise InvalidInput(f"'{changes['time_zone']}' is not a time zone.")
    if "capacity" in changes and (
        isinstance(changes["capacity"], bool) or not isinstance(changes["capacity"], int) or changes["capacity"] < 0
    ):
        raise InvalidInput("Capacity is a whole number, 0 or more.")
    if any(not isinstance(changes[key], bool) for key in NOTIFICATION_FIELDS & set(changes)):
        raise InvalidInput("Notification preferences are true or false.")
    if "name" in changes:
        changes = {**changes, "name": " ".join(str(changes["name"] or "").split())}
        if not changes["name"] or len(changes["name"]) > 200:
            raise InvalidInput("A name has 1 to 200 characters.")
    if agent == actor and changes.get("is_active", True) is False:
        raise InvalidInput("You cannot deactivate yourself.")
    if agent == actor and changes.get("role", agent.role) != Agent.Role.ADMIN and agent.is_admin:
        raise InvalidInput("Admins cannot take away their own admin role.")
    with transaction.atomic():
        before = {k: getattr(agent, k) for k in changes}
        for key, value in changes.items():
            setattr(agent, key, value)
        if "role" in changes:
            agent.is_staff = agent.role == Agent.Role.ADMIN or agent.is_superuser
        agent.save()
        if before != changes:
            event_record(
                actor=actor, entity="agent", entity_id=agent.pk, kind="agent.updated", before=before, after=changes
            )
    return agent


def team_create(*, actor: Actor | None, name: str, description: str = "", is_private: bool = False) -> Team:
    """Add a team (admins only); a private team's tickets are seen by its members and admins only."""
    _admin_check(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("A team name has 1 to 100 characters.")
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, description=description, is_private=is_private)
            event_record(
                actor=actor,
                entity="team",
                entity_id=team.pk,
                kind="team.created",
                after={"name": name, "is_private": is_private},
            )
    except IntegrityError:
        raise Conflict(f"A team named '{name}' exists already.") from None
    return team


def team_update(*, actor: Actor | None, team: Team, changes: dict[str, Any]) -> Team:
    _admin_check(actor)
    unknown = set(changes) - {"name", "description", "is_private"}
    if unknown:
        raise InvalidInput(f"Unknown team field(s): {', '.join(sorted(unknown))}.")
    if "name" in changes:
        changes = {**changes, "name": " ".join((changes["name"] or "").split())}
        if not changes["name"] or len(changes["name"]) > 100:
            raise InvalidInput("A team name has 1 to 100 characters.")
    before = {k: getattr(team, k) for k in changes}
    try:
        with transaction.atomic():
            for key, value in changes.items():
                setattr(team, key, value)
            team.save()
            event_record(
                actor=actor, entity="team", entity_id=team.pk, kind="team.updated", before=before, after=changes
            )
    except IntegrityError:
        raise Conflict("A team with that name exists already.") from None
    return team


def team_member_set(*, actor: Actor | None, team: Team, agent: Agent, member: bool, is_lead: bool = False) -> None:
    """Add (or update) or remove a member. Admins, and supervisors who lead the team."""
    if actor is not None and not can_manage(actor):
        leads = (
            isinstance(actor, Agent)
            and actor.role == Agent.Role.SUPERVISOR
            and Membership.objects.filter(team=team, agent=actor, is_lead=True).exists()
        )
        if not leads:
            raise PermissionDenied("Only admins and the team's leads change its members.")
    with transaction.atomic():
        if member:
            Membership.objects.update_or_create(team=team, agent=agent, defaults={"is_lead": is_lead})
            kind = "team.member_added"
        else:
            Membership.objects.filter(team=team, agent=agent).delete()
            kind = "team.member_removed"
        event_record(
            actor=actor, entity="team", entity_id=team.pk, kind=kind, after={"agent": agent.pk, "is_lead": is_lead}
        )


def _admin_check(actor: Actor | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins do this.")
