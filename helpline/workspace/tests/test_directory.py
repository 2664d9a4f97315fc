"""The menus' lists (selectors/directory.py): read in one query, they must hold what the separate
reads held: the teams the agent may see, active agents, active categories, and the teams a saved
view may be shared with."""

from __future__ import annotations

import pytest

from helpline.accounts.models import Agent, Team
from helpline.accounts.tests.factories import AgentFactory
from helpline.tickets.tests.factories import CategoryFactory
from helpline.workspace.selectors import directory_get, saved_view_share_teams

pytestmark = pytest.mark.django_db


def test_an_agent_sees_the_public_teams_and_shares_with_their_own(
    agent: Agent, support_team: Team, billing_team: Team, hr_team: Team
) -> None:
    # when
    directory = directory_get(actor=agent)
    # then
    assert [t.name for t in directory.teams] == ["Billing", "Support"]
    assert [t.name for t in directory.share_teams] == ["Support"]
    assert [t.pk for t in directory.share_teams] == [t.pk for t in saved_view_share_teams(actor=agent)]
    assert [t.is_private for t in directory.teams] == [False, False]


def test_a_member_of_a_private_team_sees_it_and_an_admin_sees_and_shares_every_team(
    private_member: Agent, admin: Agent, support_team: Team, hr_team: Team
) -> None:
    # when
    member, ada = directory_get(actor=private_member), directory_get(actor=admin)
    # then
    assert [(t.name, t.is_private) for t in member.teams] == [("HR", True), ("Support", False)]
    assert [t.name for t in member.share_teams] == ["HR"]
    assert [t.name for t in ada.teams] == ["HR", "Support"]
    assert [t.name for t in ada.share_teams] == ["HR", "Support"]


def test_active_agents_by_name_and_active_categories_by_path(agent: Agent, collaborator: Agent, admin: Agent) -> None:
    # given
    AgentFactory.create(name="Zed", email="zed@helpline.test", is_active=False)
    CategoryFactory.create(name="Refunds")
    CategoryFactory.create(name="Billing")
    CategoryFactory.create(name="Old", is_active=False)
    # when
    directory = directory_get(actor=agent)
    # then
    assert [(a.name, a.email, a.role) for a in directory.agents] == [
        ("Ada", "ada@helpline.test", Agent.Role.ADMIN),
        ("Alice", "alice@helpline.test", Agent.Role.AGENT),
        ("Cole", "cole@helpline.test", Agent.Role.COLLABORATOR),
    ]
    assert [a.name for a in directory.assignable] == ["Ada", "Alice"]
    assert [c.path for c in directory.categories] == ["Billing", "Refunds"]
    assert directory_get(actor=agent, with_categories=False).categories == []


def test_script_in_an_agent_name_is_shown_as_text_in_every_menu(agent: Agent, support_team: Team) -> None:
    # given
    from django.test import Client

    from helpline.customers.tests.factories import CustomerFactory
    from helpline.tickets.tests.factories import TicketFactory

    AgentFactory.create(name='<img src=x onerror=alert(1)>"', email="mallory@helpline.test")
    ticket = TicketFactory.create(requester=CustomerFactory.create(), team=support_team)
    client = Client()
    client.force_login(agent)
    # when
    inbox = client.get("/views/all").content.decode()
    page = client.get(f"/tickets/{ticket.number}").content.decode()
    # then: in the filter bar and the bulk bar; in the assignee, follower and mention menus
    escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;"
    assert "<img src=x" not in inbox and "<img src=x" not in page
    assert inbox.count(f">{escaped}</option>") == 2
    assert page.count(f">{escaped}</option>") == 2
    assert f'data-name="{escaped}">{escaped}</label>' in page
