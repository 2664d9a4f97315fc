"""Reading canned responses: those an agent may use (their own, their teams', everyone's), one by
id, who may change one, and where one may be shared."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from helpline.accounts.models import Agent, Membership, Team
from helpline.accounts.permissions import can_supervise
from helpline.core.errors import NotFound
from helpline.responses.models import CannedResponse

LIST_LIMIT = 200


def canned_responses_visible(*, actor: Agent, query: str = "") -> list[CannedResponse]:
    """The responses the agent may use, by title, narrowed by words of the title or text."""
    responses = CannedResponse.objects.filter(_visible(actor)).select_related("team", "owner")
    for word in query.split()[:5]:
        responses = responses.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(responses.order_by("title", "id")[:LIST_LIMIT])


def canned_response_get(*, actor: Agent, canned_response_id: int) -> CannedResponse:
    """One response the agent may use; NotFound (revealing nothing) otherwise."""
    found = (
        CannedResponse.objects.filter(_visible(actor), pk=canned_response_id).select_related("team", "owner").first()
    )
    if found is None:
        raise NotFound("No such canned response.")
    return found


def canned_response_may_change(actor: Agent, response: CannedResponse) -> bool:
    """A personal response: its owner. A shared one: admins, and supervisors for everyone's and for
    their own teams' responses."""
    if response.scope == CannedResponse.Scope.PERSONAL:
        return response.owner_id == actor.pk
    return canned_response_may_share(actor, response.scope, response.team)


def canned_response_may_share(actor: Agent, scope: str, team: Team | None) -> bool:
    """Whether the agent may write a response with this scope (and team)."""
    if scope == CannedResponse.Scope.PERSONAL:
        return True
    if not can_supervise(actor):
        return False
    if actor.is_admin or scope == CannedResponse.Scope.EVERYONE:
        return True
    return team is not None and Membership.objects.filter(agent_id=actor.pk, team_id=team.pk).exists()


@dataclass(frozen=True)
class ScopeChoice:
    value: str  # "personal", "everyone" or "team:<id>"
    label: str


def canned_response_scope_choices(*, actor: Agent) -> list[ScopeChoice]:
    """Where the agent may put a response: only themself; supervisors and admins also everyone
    and their teams (admins: every team)."""
    from django.utils.translation import gettext as _

    choices = [ScopeChoice("personal", _("Only me"))]
    if not can_supervise(actor):
        return choices
    choices.append(ScopeChoice("everyone", _("Everyone")))
    teams = Team.objects.order_by("name")
    if not actor.is_admin:
        teams = teams.filter(memberships__agent_id=actor.pk)
    choices.extend(ScopeChoice(f"team:{t.pk}", _("Team %(name)s") % {"name": t.name}) for t in teams)
    return choices


def _visible(actor: Agent) -> Q:
    teams = Membership.objects.filter(agent_id=actor.pk).values("team_id")
    return (
        Q(scope=CannedResponse.Scope.PERSONAL, owner_id=actor.pk)
        | Q(scope=CannedResponse.Scope.EVERYONE)
        | Q(scope=CannedResponse.Scope.TEAM, team_id__in=teams)
    )
