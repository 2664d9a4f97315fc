"""The small lists the workspace's menus offer: teams, agents, categories."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from helpline.accounts.models import Agent, Team
from helpline.tickets.models import Category


@dataclass(frozen=True)
class Directory:
    """The small lists the workspace's menus offer: teams, agents who may own tickets, categories."""

    teams: list[Team]
    agents: list[Agent]
    categories: list[Category]

    @property
    def team_names(self) -> dict[int, str]:
        return {t.pk: t.name for t in self.teams}

    @property
    def agent_names(self) -> dict[int, str]:
        return {a.pk: a.name for a in self.agents}

    @property
    def category_names(self) -> dict[int, str]:
        return {c.pk: c.path for c in self.categories}

    def team(self, pk: int) -> Team | None:
        return next((t for t in self.teams if t.pk == pk), None)

    def agent(self, pk: int) -> Agent | None:
        return next((a for a in self.agents if a.pk == pk), None)

    def category(self, pk: int) -> Category | None:
        return next((c for c in self.categories if c.pk == pk), None)

    @property
    def assignable(self) -> list[Agent]:
        return [a for a in self.agents if a.role != Agent.Role.COLLABORATOR]


def directory_get(*, actor: Agent, with_categories: bool = True) -> Directory:
    """Teams the agent may see, active agents (collaborators too: they can be mentioned), and
    active categories: three small queries."""
    teams = Team.objects.only("id", "name", "is_private")
    if not actor.is_admin:
        teams = teams.filter(Q(is_private=False) | Q(memberships__agent=actor))
    agents = Agent.objects.filter(is_active=True).only("id", "name", "email", "role").order_by("name", "id")
    categories = (
        list(Category.objects.filter(is_active=True).only("id", "path").order_by("path")) if with_categories else []
    )
    return Directory(teams=list(teams.distinct()), agents=list(agents), categories=categories)
