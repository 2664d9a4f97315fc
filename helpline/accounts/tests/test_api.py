"""Agents and teams through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpline.accounts.models import Agent, Membership, Team
from helpline.api.tests.support import api_client, problem

pytestmark = pytest.mark.django_db


def body(response: Any) -> Any:
    return json.loads(response.content)


def test_agents_are_listed_by_name_with_their_teams(agent, other_agent, admin):
    # when
    response = api_client(agent).get("/agents")

    # then
    assert [(a["name"], [t["name"] for t in a["teams"]]) for a in body(response)["items"]] == [
        ("Ada", []),
        ("Alice", ["Support"]),
        ("Oscar", ["Billing"]),
    ]


def test_an_admin_adds_an_agent(admin):
    # when
    response = api_client(admin).post("/agents", {"email": "Bob@Helpline.test", "name": "Bob", "role": "supervisor"})

    # then
    assert response.status_code == 201
    assert (body(response)["email"], body(response)["role"], body(response)["is_active"]) == (
        "bob@helpline.test",
        "supervisor",
        True,
    )
    assert Agent.objects.filter(email="bob@helpline.test").exists()


def test_an_agent_adds_no_agent(agent, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = api.post("/agents", {"email": "bob@helpline.test", "name": "Bob"})

    # then
    assert response.status_code == 403
    assert footprint() == before


def test_an_agent_changes_its_own_availability_but_not_its_role(agent):
    # given
    api = api_client(agent)

    # when
    own = api.patch(f"/agents/{agent.pk}", {"availability": "online"})
    role = api.patch(f"/agents/{agent.pk}", {"role": "admin"})

    # then
    assert (own.status_code, body(own)["availability"]) == (200, "online")
    assert role.status_code == 403
    agent.refresh_from_db()
    assert (agent.availability, agent.role) == ("online", "agent")


def test_an_admin_deactivates_an_agent_whose_token_then_stops_working(admin, agent):
    # given
    alice = api_client(agent)

    # when
    response = api_client(admin).patch(f"/agents/{agent.pk}", {"is_active": False})

    # then
    assert body(response)["is_active"] is False
    assert alice.get("/me").status_code == 401


def test_teams_are_listed_with_their_members(agent, supervisor, support_team, billing_team):
    # when
    response = api_client(agent).get("/teams")

    # then
    teams = {t["name"]: t for t in body(response)["items"]}
    assert sorted(teams) == ["Billing", "Support"]
    assert sorted((m["name"], m["is_lead"]) for m in teams["Support"]["members"]) == [
        ("Alice", False),
        ("Sam", True),
    ]


def test_an_admin_creates_and_renames_a_team(admin):
    # given
    api = api_client(admin)

    # when
    created = api.post("/teams", {"name": "Legal", "is_private": True})
    renamed = api.patch(f"/teams/{body(created)['id']}", {"name": "Legal & Compliance"})
    duplicate = api.post("/teams", {"name": "Legal & Compliance"})

    # then
    assert (created.status_code, body(created)["is_private"], body(renamed)["name"]) == (
        201,
        True,
        "Legal & Compliance",
    )
    assert duplicate.status_code == 409
    assert Team.objects.filter(name="Legal & Compliance").count() == 1


def test_a_team_lead_supervisor_manages_members(supervisor, other_agent, support_team):
    # given
    api = api_client(supervisor)

    # when
    added = api.put(f"/teams/{support_team.pk}/members/{other_agent.pk}", {"is_lead": False})
    removed = api.delete(f"/teams/{support_team.pk}/members/{other_agent.pk}")

    # then
    assert added.status_code == 200
    assert other_agent.pk in [m["id"] for m in body(added)["members"]]
    assert removed.status_code == 204
    assert not Membership.objects.filter(team=support_team, agent=other_agent).exists()


def test_an_agent_manages_no_members(agent, other_agent, support_team, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = api.put(f"/teams/{support_team.pk}/members/{other_agent.pk}", {})

    # then
    assert response.status_code == 403
    assert footprint() == before


def test_unknown_agents_and_teams_are_404(admin, support_team):
    # when
    answers = [
        api_client(admin).get("/agents/999"),
        api_client(admin).put(f"/teams/{support_team.pk}/members/999", {}),
        api_client(admin).patch("/teams/999", {"name": "x"}),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert {problem(a)["code"] for a in answers} == {"not-found"}


def test_customers_see_no_agents_or_teams(customer, agent):
    # when
    answers = [api_client(customer).get(path) for path in ("/agents", f"/agents/{agent.pk}", "/teams")]

    # then
    assert [a.status_code for a in answers] == [403, 403, 403]
