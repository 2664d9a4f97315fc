"""The small lists the workspace's menus offer: teams, agents, categories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from helpline.accounts.models import Agent, Membership, Team
from helpline.tickets.models import Category


@dataclass(frozen=True)
class Directory:
    """The small lists the workspace's menus offer: teams, agents who may own tickets, categories,
    and the teams the agent may share a saved view with."""

    teams: list[Team]
    agents: list[Agent]
    categories: list[Category]
    share_teams: list[Team] = field(default_factory=list)

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


def _directory_sql() -> str:
    team, member, agent, category = (
        Team._meta.db_table,
        Membership._meta.db_table,
        Agent._meta.db_table,
        Category._meta.db_table,
    )
    is_member = (
        f'EXISTS (SELECT 1 FROM "{member}" WHERE "{member}"."team_id" = "{team}"."id" '  # noqa: S608
        f'AND "{member}"."agent_id" = %s)'
    )
    # One row shape for the three lists: kind, id, name (the sort key), email, role, is_private, is_member.
    return (
        f'SELECT \'t\', "{team}"."id", "{team}"."name", NULL, NULL, "{team}"."is_private", {is_member} '  # noqa: S608
        f'FROM "{team}" WHERE %s OR NOT "{team}"."is_private" OR {is_member} '
        f'UNION ALL SELECT \'a\', "id", "name", "email", "role", NULL, NULL FROM "{agent}" WHERE "is_active" '
        f'UNION ALL SELECT \'c\', "id", "path", NULL, NULL, NULL, NULL FROM "{category}" WHERE "is_active" AND %s '
        "ORDER BY 1, 3, 2"
    )


_SQL: dict[str, str] = {}


def directory_get(*, actor: Agent, with_categories: bool = True) -> Directory:
    """Teams the agent may see, active agents (collaborators too: they can be mentioned), active
    categories, and the teams the agent may share a saved view with (their own; admins: every
    team), in one query of SQL written once: three ORM querysets compiled on every page cost more
    CPU than the lists. The rows are the models' own, loaded with only these columns."""
    sql = _SQL.get(connection.vendor) or _SQL.setdefault(connection.vendor, _directory_sql())
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.pk, actor.is_admin, actor.pk, with_categories])
        rows = cursor.fetchall()
    db = connection.alias
    teams: list[Team] = []
    share_teams: list[Team] = []
    agents: list[Agent] = []
    categories: list[Category] = []
    for kind, pk, name, email, role, is_private, is_member in rows:
        if kind == "t":
            team = _loaded(Team, db, ("id", "name", "is_private"), (pk, name, bool(is_private)))
            teams.append(team)
            if actor.is_admin or is_member:
                share_teams.append(team)
        elif kind == "a":
            agents.append(_loaded(Agent, db, ("id", "name", "email", "role"), (pk, name, email, role)))
        else:
            categories.append(_loaded(Category, db, ("id", "path"), (pk, name)))
    return Directory(teams=teams, agents=agents, categories=categories, share_teams=share_teams)


def _loaded[M: Any](model: type[M], db: str, names: tuple[str, ...], values: tuple[Any, ...]) -> M:
    """An instance as `.only(*names)` would load it (from_db takes the values in field order)."""
    given = dict(zip(names, values, strict=True))
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in given]
    return model.from_db(db, ordered, [given[name] for name in ordered])
