from __future__ import annotations

import pytest

from helpline.accounts.models import Agent, Membership
from helpline.accounts.services import agent_create, agent_update, team_create, team_member_set, team_update
from helpline.accounts.tests.factories import AgentFactory
from helpline.audit.models import Event
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


def _events(entity, pk):
    return [(e.kind, e.before, e.after) for e in Event.objects.filter(entity=entity, entity_id=pk).order_by("id")]


# ------------------------------------------------------------------ agents


def test_an_admin_adds_an_agent_with_a_normalized_address_and_an_event(admin):
    # when
    bea = agent_create(actor=admin, email="  Bea@Helpline.TEST ", name=" Bea ", role="supervisor", capacity=5)

    # then
    bea.refresh_from_db()
    assert (bea.email, bea.name, bea.role, bea.capacity, bea.is_staff) == (
        "bea@helpline.test",
        "Bea",
        "supervisor",
        5,
        False,
    )
    assert not bea.has_usable_password()
    assert _events("agent", bea.pk) == [("agent.created", {}, {"email": "bea@helpline.test", "role": "supervisor"})]
    assert Event.objects.get(entity="agent").actor_agent == admin


def test_a_new_admin_may_use_the_django_admin_and_a_password_is_set_when_given(admin, settings):
    # given: a fast hasher, the behaviour is the same
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # when
    root = agent_create(actor=admin, email="root@helpline.test", name="", role="admin", password="correct horse")

    # then
    assert (root.name, root.is_staff) == ("root@helpline.test", True)
    assert root.check_password("correct horse")


@pytest.mark.parametrize("who", ["supervisor", "agent", "collaborator", "customer"])
def test_only_admins_add_agents(request, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        agent_create(actor=actor, email="new@helpline.test", name="New")

    # then
    assert footprint() == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"email": "no-at-sign", "name": "X"}, InvalidInput),
        ({"email": "x@helpline.test", "name": "X", "role": "owner"}, InvalidInput),
        ({"email": "ALICE@helpline.test", "name": "Alice 2"}, Conflict),
    ],
)
def test_a_wrong_or_taken_agent_is_refused(admin, agent, footprint, kwargs, error):
    # given
    before = footprint()

    # when
    with pytest.raises(error):
        agent_create(actor=admin, **kwargs)

    # then
    assert footprint() == before


def test_an_agent_changes_their_own_name_availability_and_time_zone(agent):
    # when
    agent_update(
        actor=agent, agent=agent, changes={"name": "Alice B.", "availability": "online", "time_zone": "Europe/Berlin"}
    )

    # then
    agent.refresh_from_db()
    assert (agent.name, agent.availability, agent.time_zone) == ("Alice B.", "online", "Europe/Berlin")
    assert _events("agent", agent.pk) == [
        (
            "agent.updated",
            {"name": "Alice", "availability": "offline", "time_zone": "UTC"},
            {"name": "Alice B.", "availability": "online", "time_zone": "Europe/Berlin"},
        )
    ]


@pytest.mark.parametrize(
    ("who", "target", "changes"),
    [
        ("agent", "agent", {"role": "admin"}),
        ("agent", "agent", {"capacity": 50}),
        ("agent", "agent", {"is_active": False}),
        ("agent", "other_agent", {"name": "Renamed"}),
        ("supervisor", "agent", {"capacity": 1}),
        ("collaborator", "collaborator", {"role": "agent"}),
    ],
)
def test_agents_change_nothing_else_about_themselves_nor_anyone_else(request, footprint, who, target, changes):
    # given
    actor, subject = request.getfixturevalue(who), request.getfixturevalue(target)
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        agent_update(actor=actor, agent=subject, changes=changes)

    # then
    assert footprint() == before


def test_an_admin_changes_roles_and_the_admin_flag_follows(admin, agent):
    # when
    agent_update(actor=admin, agent=agent, changes={"role": "admin", "capacity": 3})
    promoted = Agent.objects.values_list("role", "is_staff", "capacity").get(pk=agent.pk)
    agent_update(actor=admin, agent=agent, changes={"role": "agent"})

    # then
    demoted = Agent.objects.values_list("role", "is_staff").get(pk=agent.pk)
    assert promoted == ("admin", True, 3)
    assert demoted == ("agent", False)


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "owner"},
        {"availability": "busy"},
        {"time_zone": "Mars/Olympus"},
        {"capacity": -1},
        {"capacity": "ten"},
        {"email": "new@helpline.test"},
        {"password": "x"},
    ],
)
def test_invalid_agent_changes_are_refused(admin, agent, footprint, changes):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        agent_update(actor=admin, agent=agent, changes=changes)

    # then
    assert footprint() == before


def test_an_admin_cannot_take_away_their_own_admin_role(admin, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        agent_update(actor=admin, agent=admin, changes={"role": "supervisor"})

    # then
    assert raised.value.detail == "Admins cannot take away their own admin role."
    assert footprint() == before


def test_an_update_that_changes_nothing_records_nothing(admin, agent):
    # when
    agent_update(actor=admin, agent=agent, changes={"name": "Alice", "role": "agent"})

    # then
    assert _events("agent", agent.pk) == []


# ------------------------------------------------------------------ teams


def test_an_admin_creates_a_private_team(admin):
    # when
    team = team_create(actor=admin, name="  Legal   Affairs ", is_private=True)

    # then
    assert (team.name, team.is_private) == ("Legal Affairs", True)
    assert _events("team", team.pk) == [("team.created", {}, {"name": "Legal Affairs", "is_private": True})]


def test_team_names_are_unique_and_not_empty(admin, support_team, footprint):
    # given
    before = footprint()

    # when / then
    with pytest.raises(Conflict):
        team_create(actor=admin, name="Support")
    with pytest.raises(InvalidInput):
        team_create(actor=admin, name="   ")
    with pytest.raises(InvalidInput):
        team_create(actor=admin, name="x" * 101)
    assert footprint() == before


def test_supervisors_do_not_create_or_change_teams(supervisor, support_team, footprint):
    # given
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied):
        team_create(actor=supervisor, name="Mine")
    with pytest.raises(PermissionDenied):
        team_update(actor=supervisor, team=support_team, changes={"is_private": True})
    assert footprint() == before


def test_an_admin_makes_a_team_private(admin, support_team):
    # when
    team_update(actor=admin, team=support_team, changes={"is_private": True})

    # then
    support_team.refresh_from_db()
    assert support_team.is_private
    assert _events("team", support_team.pk) == [("team.updated", {"is_private": False}, {"is_private": True})]


def test_an_admin_adds_and_removes_members_of_any_team(admin, billing_team, agent):
    # when
    team_member_set(actor=admin, team=billing_team, agent=agent, member=True, is_lead=True)
    led = Membership.objects.get(team=billing_team, agent=agent).is_lead
    team_member_set(actor=admin, team=billing_team, agent=agent, member=False)

    # then
    assert led is True
    assert not Membership.objects.filter(team=billing_team, agent=agent).exists()
    assert _events("team", billing_team.pk)[-2:] == [
        ("team.member_added", {}, {"agent": agent.pk, "is_lead": True}),
        ("team.member_removed", {}, {"agent": agent.pk, "is_lead": False}),
    ]


def test_a_supervisor_who_leads_a_team_manages_its_members(supervisor, support_team, other_agent):
    # when
    team_member_set(actor=supervisor, team=support_team, agent=other_agent, member=True)

    # then
    assert support_team.memberships.filter(agent=other_agent, is_lead=False).exists()


@pytest.mark.parametrize(
    ("who", "team"),
    [
        ("supervisor", "billing_team"),  # leads Support, not Billing
        ("supervisor", "hr_team"),
        ("agent", "support_team"),  # a member, not a lead
        ("collaborator", "support_team"),
        ("customer", "support_team"),
    ],
)
def test_nobody_else_manages_a_teams_members(request, other_agent, footprint, who, team):
    # given
    actor, team = request.getfixturevalue(who), request.getfixturevalue(team)
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        team_member_set(actor=actor, team=team, agent=other_agent, member=True, is_lead=True)

    # then
    assert footprint() == before


def test_a_lead_who_is_not_a_supervisor_does_not_manage_members(support_team, other_agent, footprint):
    # given: an ordinary agent marked as lead
    lead = AgentFactory.create(name="Lea")
    Membership.objects.create(team=support_team, agent=lead, is_lead=True)
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        team_member_set(actor=lead, team=support_team, agent=other_agent, member=True)

    # then
    assert footprint() == before


# ------------------------------------------------------------------ notification preferences


def test_an_agent_changes_their_own_notification_preferences(agent):
    # when
    agent_update(actor=agent, agent=agent, changes={"notify_email_assigned": False, "notify_email_mention": True})
    # then
    agent.refresh_from_db()
    assert (agent.notify_email_assigned, agent.notify_email_reply, agent.notify_email_mention) == (False, True, True)
    assert _events("agent", agent.pk) == [
        (
            "agent.updated",
            {"notify_email_assigned": True, "notify_email_mention": True},
            {"notify_email_assigned": False, "notify_email_mention": True},
        )
    ]


def test_notification_preferences_are_true_or_false(agent):
    with pytest.raises(InvalidInput, match="true or false"):
        agent_update(actor=agent, agent=agent, changes={"notify_email_reply": "yes"})


def test_an_agent_cannot_change_anothers_notifications(agent, other_agent):
    with pytest.raises(PermissionDenied):
        agent_update(actor=agent, agent=other_agent, changes={"notify_email_reply": False})
    other_agent.refresh_from_db()
    assert other_agent.notify_email_reply is True
