"""Agents and roles, teams and members, through the settings screens."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from helpline.accounts.models import Agent, Membership, Team
from helpline.audit.models import Event
from helpline.customers.models import Organization
from helpline.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _events(entity, pk):
    return [e.kind for e in Event.objects.filter(entity=entity, entity_id=pk).order_by("id")]


# ------------------------------------------------------------------ agents


def test_an_admin_invites_an_agent_who_then_chooses_a_password(admin, signed_in, settings):
    # given
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # when
    response = signed_in(admin).post(
        "/settings/agents/", {"name": "Bea", "email": "Bea@Helpline.test", "role": "supervisor", "password": ""}
    )
    # then
    assert response.status_code == 302
    bea = Agent.objects.get(email="bea@helpline.test")
    assert (bea.name, bea.role, bea.has_usable_password()) == ("Bea", "supervisor", False)
    assert _events("agent", bea.pk) == ["agent.created", "agent.invited"]
    mail = OutboxMessage.objects.get(kind="email")
    assert mail.payload["to"] == ["bea@helpline.test"]
    found = re.search(r"https?://[^/]+(/settings/join/\S+)", mail.payload["text"])
    assert found is not None
    link = found.group(1)

    # when: Bea follows the link
    browser = Client()
    page = browser.get(link)
    chosen = browser.post(link, {"new_password1": "a long enough pass 42", "new_password2": "a long enough pass 42"})
    # then
    assert page.status_code == 200 and "Welcome, Bea" in page.content.decode()
    assert chosen.status_code == 302 and chosen["Location"] == "/"
    bea.refresh_from_db()
    assert bea.check_password("a long enough pass 42")
    assert Client().get(link).status_code == 400  # the link works once


def test_an_admin_adds_an_agent_with_a_password_and_no_mail_leaves(admin, signed_in, settings):
    # given
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # when
    form = {"name": "Ben", "email": "ben@helpline.test", "role": "agent", "password": "correct horse 9"}
    signed_in(admin).post("/settings/agents/", form)
    # then
    assert Agent.objects.get(email="ben@helpline.test").check_password("correct horse 9")
    assert not OutboxMessage.objects.exists()


def test_a_taken_address_is_refused_with_a_message_and_nothing_changes(admin, agent, signed_in, footprint):
    # given
    client = signed_in(admin)
    before = footprint()
    # when
    response = client.post("/settings/agents/", {"name": "Again", "email": "alice@helpline.test", "role": "agent"})
    # then
    assert response.status_code == 422
    assert "An agent with the address alice@helpline.test exists already." in response.content.decode()
    assert footprint() == before


def test_a_supervisor_sees_agents_but_cannot_add_one(supervisor, signed_in, footprint):
    # given
    client = signed_in(supervisor)
    before = footprint()
    # when
    page = client.get("/settings/agents/").content.decode()
    refused = client.post("/settings/agents/", {"name": "X", "email": "x@helpline.test", "role": "admin"})
    # then
    assert "Add an agent" not in page and "Sam" in page
    assert refused.status_code == 403
    assert footprint() == before


def test_an_admin_changes_a_role_and_deactivates_an_agent(admin, agent, signed_in):
    # when
    response = signed_in(admin).post(
        f"/settings/agents/{agent.pk}", {"name": "Alice", "role": "supervisor", "capacity": "7"}
    )
    # then
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.role, agent.capacity, agent.is_active) == ("supervisor", 7, False)
    event = Event.objects.get(entity="agent", entity_id=agent.pk, kind="agent.updated")
    assert event.before == {"role": "agent", "capacity": 10, "is_active": True}
    assert event.after == {"role": "supervisor", "capacity": 7, "is_active": False}
    assert event.actor_agent == admin


def test_an_admin_cannot_deactivate_themself(admin, signed_in):
    # when
    response = signed_in(admin).post(f"/settings/agents/{admin.pk}", {"name": "Ada", "role": "admin", "capacity": "10"})
    # then
    assert response.status_code == 422 and "You cannot deactivate yourself." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_a_supervisor_cannot_open_an_agent_for_editing(supervisor, agent, signed_in):
    assert signed_in(supervisor).post(f"/settings/agents/{agent.pk}", {"role": "admin"}).status_code == 403
    agent.refresh_from_db()
    assert agent.role == "agent"


# ------------------------------------------------------------------ teams


def test_an_admin_adds_a_private_team(admin, signed_in):
    # when
    response = signed_in(admin).post("/settings/teams/", {"name": "  Legal  ", "is_private": "on"})
    # then
    team = Team.objects.get(name="Legal")
    assert response["Location"] == f"/settings/teams/{team.pk}"
    assert team.is_private
    assert _events("team", team.pk) == ["team.created"]


def test_a_team_name_taken_already_is_refused_with_a_message(admin, support_team, signed_in):
    response = signed_in(admin).post("/settings/teams/", {"name": "Support"})
    assert response.status_code == 422
    assert "A team named &#x27;Support&#x27; exists already." in response.content.decode()


def test_the_lead_adds_and_removes_members_of_their_team_with_htmx(supervisor, support_team, other_agent, signed_in):
    # given
    client = signed_in(supervisor)
    url = f"/settings/teams/{support_team.pk}/members"
    # when
    added = client.post(url, {"agent": other_agent.pk, "action": "add"}, HTTP_HX_REQUEST="true")
    # then
    assert added.status_code == 200
    html = added.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="team-members"') and "Oscar" in html
    assert Membership.objects.filter(team=support_team, agent=other_agent, is_lead=False).exists()

    # when
    client.post(url, {"agent": other_agent.pk, "action": "remove"}, HTTP_HX_REQUEST="true")
    # then
    assert not Membership.objects.filter(team=support_team, agent=other_agent).exists()
    assert _events("team", support_team.pk) == ["team.member_added", "team.member_removed"]


def test_a_supervisor_cannot_change_a_team_they_do_not_lead(supervisor, billing_team, agent, signed_in, footprint):
    # given
    client = signed_in(supervisor)
    before = footprint()
    # when
    response = client.post(
        f"/settings/teams/{billing_team.pk}/members", {"agent": agent.pk, "action": "add"}, HTTP_HX_REQUEST="true"
    )
    renamed = client.post(f"/settings/teams/{billing_team.pk}", {"name": "Money"})
    # then
    assert "Only admins and the team&#x27;s leads change its members." in response.content.decode()
    assert renamed.status_code == 403
    assert footprint() == before


def test_names_are_shown_as_text(admin, signed_in):
    # given
    signed_in(admin).post("/settings/teams/", {"name": "<script>alert(1)</script>"})
    # when
    html = signed_in(admin).get("/settings/teams/").content.decode()
    # then
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------ organizations


def test_a_supervisor_adds_an_organization_that_shares_its_tickets(supervisor, signed_in):
    # when
    response = signed_in(supervisor).post(
        "/settings/organizations/", {"name": "Acme", "domains": "acme.com, acme.de", "shares_tickets": "on"}
    )
    html = signed_in(supervisor).get("/settings/organizations/").content.decode()
    # then
    assert response.status_code == 302
    org = Organization.objects.get(name="Acme")
    assert (org.domains, org.shares_tickets) == (["acme.com", "acme.de"], True)
    assert "acme.com, acme.de" in html
    assert _events("organization", org.pk) == ["organization.created"]


def test_an_admin_stops_an_organization_sharing(admin, signed_in):
    # given
    org = Organization.objects.create(name="Acme", shares_tickets=True)
    # when
    page = signed_in(admin).get(f"/settings/organizations/{org.pk}").content.decode()
    signed_in(admin).post(f"/settings/organizations/{org.pk}", {"name": "Acme", "domains": ""})
    # then
    assert 'name="shares_tickets" checked' in page
    org.refresh_from_db()
    assert org.shares_tickets is False


def test_a_domain_of_another_organization_is_refused_with_a_message(supervisor, signed_in):
    # given
    client = signed_in(supervisor)
    client.post("/settings/organizations/", {"name": "Acme", "domains": "acme.com"})
    # when
    response = client.post("/settings/organizations/", {"name": "Other", "domains": "acme.com"})
    # then
    assert response.status_code == 422
    assert "These domains belong to another organization: acme.com." in response.content.decode()
    assert 'value="acme.com"' in response.content.decode()
    assert not Organization.objects.filter(name="Other").exists()
