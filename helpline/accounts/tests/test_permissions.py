from __future__ import annotations

import pytest

from helpline.accounts.permissions import (
    can_edit_ticket,
    can_manage,
    can_note,
    can_reply,
    can_supervise,
    can_view_ticket,
    hidden_team_ids,
)
from helpline.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_only_admins_are_hidden_no_private_team(admin, agent, private_member, hr_team):
    # when / then
    assert hidden_team_ids(admin) == []
    assert hidden_team_ids(agent) == [hr_team.pk]
    assert hidden_team_ids(private_member) == []


def test_a_ticket_without_a_team_is_seen_by_every_agent(agent, collaborator, customer):
    # given
    ticket = TicketFactory.create(team=None, requester=customer)

    # when / then
    assert can_view_ticket(agent, ticket)
    assert can_view_ticket(collaborator, ticket)
    assert can_view_ticket(customer, ticket)


@pytest.mark.parametrize(
    ("who", "manage", "supervise"),
    [
        ("admin", True, True),
        ("supervisor", False, True),
        ("agent", False, False),
        ("collaborator", False, False),
        ("customer", False, False),
    ],
)
def test_who_manages_and_who_supervises(request, who, manage, supervise):
    # given
    actor = request.getfixturevalue(who)

    # when / then
    assert (can_manage(actor), can_supervise(actor)) == (manage, supervise)


@pytest.mark.parametrize(
    ("who", "view", "edit", "reply", "note"),
    [
        ("admin", True, True, True, True),
        ("private_member", True, True, True, True),
        ("agent", False, False, False, False),
        ("supervisor", False, False, False, False),
        ("other_customer", True, False, True, False),
        ("customer", False, False, False, False),
    ],
)
def test_rights_on_a_private_teams_ticket(request, hr_ticket, who, view, edit, reply, note):
    # given
    actor = request.getfixturevalue(who)

    # when / then
    assert (
        can_view_ticket(actor, hr_ticket),
        can_edit_ticket(actor, hr_ticket),
        can_reply(actor, hr_ticket),
        can_note(actor, hr_ticket),
    ) == (view, edit, reply, note)
