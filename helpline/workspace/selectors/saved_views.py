"""Saved views: those an agent may see (their own, those shared with their teams), one by id, what
each one lists, and who may change one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Q
from django.http import QueryDict

from helpline.accounts.models import Agent, Membership, Team
from helpline.accounts.permissions import can_supervise
from helpline.core.errors import NotFound
from helpline.workspace.models import SavedView
from helpline.workspace.selectors.inbox import (
    COUNTS_SECONDS,
    VIEWS_BY_SLUG,
    InboxFilters,
    InboxView,
    SavedCount,
    inbox_filters_parse,
    saved_views_key,
)

# The sidebar lists at most this many; the counts of all of them travel in the one counts query.
SAVED_VIEWS_LIMIT = 30


def saved_views_visible(*, actor: Agent) -> list[SavedView]:
    """The agent's own saved views and those shared with a team they belong to, by name."""
    teams = Membership.objects.filter(agent_id=actor.pk).values("team_id")
    return list(
        SavedView.objects.filter(Q(owner_id=actor.pk) | Q(team_id__in=teams))
        .only("id", "name", "owner_id", "team_id", "base", "filters", "sort", "columns")
        .order_by("name", "id")[:SAVED_VIEWS_LIMIT]
    )


def saved_views_recent(*, actor: Agent, fresh: bool = False) -> list[SavedView]:
    """saved_views_visible, kept COUNTS_SECONDS in the cache with the counts (the sidebar is on
    every page). The agent's own changes forget it (counts_forget); a view someone shares with
    the agent's team shows within COUNTS_SECONDS."""
    key = saved_views_key(actor)
    if not fresh:
        try:
            cached = cache.get(key)
        except Exception:  # a cache outage costs the query, nothing else
            cached = None
        if isinstance(cached, list):
            return cached
    found = saved_views_visible(actor=actor)
    try:
        cache.set(key, found, COUNTS_SECONDS)
    except Exception:  # noqa: S110 - the list is shown anyway
        pass
    return found


def saved_view_get(*, actor: Agent, saved_view_id: int) -> SavedView:
    """One saved view the agent may see or change; NotFound (revealing nothing) otherwise."""
    saved = SavedView.objects.select_related("owner", "team").filter(pk=saved_view_id).first()
    if saved is None or not (saved_view_may_see(actor, saved) or saved_view_may_change(actor, saved)):
        raise NotFound("No such view.")
    return saved


def saved_view_may_see(actor: Agent, saved: SavedView) -> bool:
    if saved.owner_id == actor.pk:
        return True
    return saved.team_id is not None and Membership.objects.filter(agent_id=actor.pk, team_id=saved.team_id).exists()


def saved_view_may_change(actor: Agent, saved: SavedView) -> bool:
    """Its owner; for a shared view also admins and the supervisors who lead its team."""
    if saved.owner_id == actor.pk:
        return True
    if saved.team_id is None:
        return False
    if actor.is_admin:
        return True
    return (
        can_supervise(actor)
        and Membership.objects.filter(agent_id=actor.pk, team_id=saved.team_id, is_lead=True).exists()
    )


def saved_view_share_teams(*, actor: Agent) -> list[Team]:
    """The teams the agent may share a view with: their own (admins: every team)."""
    teams = Team.objects.only("id", "name").order_by("name")
    if not actor.is_admin:
        teams = teams.filter(memberships__agent_id=actor.pk)
    return list(teams)


def saved_view_base(saved: SavedView) -> InboxView:
    """The built-in view it narrows (All, should that one be gone)."""
    return VIEWS_BY_SLUG.get(saved.base) or VIEWS_BY_SLUG["all"]


def saved_view_query(saved: SavedView) -> QueryDict:
    """Its filters, sort and columns as the filter bar would send them."""
    values: dict[str, list[str]] = {**saved.filters}
    if saved.sort:
        values["sort"] = [saved.sort]
    if saved.columns:
        values["col"] = list(saved.columns)
    return QueryDict(urlencode(values, doseq=True))


def saved_view_filters(saved: SavedView) -> InboxFilters:
    return inbox_filters_parse(saved_view_query(saved))


def saved_view_key(saved: SavedView) -> str:
    """Its key among the sidebar's counts."""
    return f"saved-{saved.pk}"


def saved_view_counts(saved_views: list[SavedView]) -> list[SavedCount]:
    """What inbox_counts needs to count these saved views too."""
    return [SavedCount(saved_view_key(s), saved_view_base(s), saved_view_filters(s)) for s in saved_views]
