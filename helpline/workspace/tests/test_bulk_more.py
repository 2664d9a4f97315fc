"""The bulk bar's category, tags (add and remove) and merge, each through the ticket services."""

from __future__ import annotations

import pytest
from django.test import Client

from helpline.accounts.models import Agent, Team
from helpline.customers.models import Customer
from helpline.tickets.models import Channel, Message, Status, Ticket
from helpline.tickets.services import ticket_create
from helpline.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
RESULTS = {"HX-Request": "true", "HX-Target": "inbox-results"}


def _ticket(customer: Customer, team: Team | None, subject: str, **kwargs) -> Ticket:
    return ticket_create(
        actor=None, requester=customer, subject=subject, channel=Channel.EMAIL, body_text="Help", team=team, **kwargs
    )


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_bulk_sets_and_clears_the_category(agent, customer, support_team, ticket_events):
    # given
    refunds = CategoryFactory.create(name="Refunds")
    a, b = _ticket(customer, support_team, "A"), _ticket(customer, support_team, "B")
    client = _signed_in(agent)
    # when
    response = client.post("/views/all", {"ticket": [a.pk, b.pk], "category": str(refunds.pk)}, headers=RESULTS)
    # then
    assert "2 tickets updated." in response.content.decode()
    assert [t.category for t in Ticket.objects.filter(pk__in=[a.pk, b.pk])] == [refunds, refunds]
    assert ("ticket.category_changed", {"category": None}, {"category": refunds.pk}) in ticket_events(a)
    # when
    client.post("/views/all", {"ticket": [a.pk], "category": "none"}, headers=RESULTS)
    # then
    a.refresh_from_db()
    assert a.category is None


def test_the_bulk_bar_offers_the_active_categories(agent, customer, support_team):
    # given
    CategoryFactory(name="Refunds")
    CategoryFactory(name="Old", is_active=False)
    _ticket(customer, support_team, "A")
    # when
    html = _signed_in(agent).get("/views/all").content.decode()
    # then
    bar = html[html.index("data-bulkbar") :]
    assert ">Refunds</option>" in bar and ">Old</option>" not in bar


def test_bulk_adds_and_removes_tags(agent, customer, support_team, ticket_events):
    # given
    a = _ticket(customer, support_team, "A", tags=["vip", "billing"])
    b = _ticket(customer, support_team, "B", tags=["billing"])
    # when
    _signed_in(agent).post(
        "/views/all", {"ticket": [a.pk, b.pk], "add_tag": "refund", "remove_tag": "billing, vip"}, headers=RESULTS
    )
    # then
    assert sorted(a.tags.values_list("name", flat=True)) == ["refund"]
    assert sorted(b.tags.values_list("name", flat=True)) == ["refund"]
    assert ("ticket.tags_changed", {"tags": ["billing", "vip"]}, {"tags": ["refund"]}) in ticket_events(a)


def test_bulk_merge_asks_first_and_changes_nothing_until_confirmed(agent, customer, support_team, footprint):
    # given
    target = _ticket(customer, support_team, "The original")
    dupes = [_ticket(customer, support_team, f"Dupe {n}") for n in (1, 2)]
    client = _signed_in(agent)
    before = footprint()
    # when
    response = client.post(
        "/views/all",
        {"ticket": [d.pk for d in dupes] + [target.pk], "action": "merge", "merge_into": f"#{target.number}"},
        headers=RESULTS,
    )
    # then
    html = response.content.decode()
    assert f"Merge 2 tickets into #{target.number} “The original”?" in html
    assert f"#{dupes[0].number}, #{dupes[1].number}." in html
    assert f'name="merge_target" value="{target.number}"' in html
    assert html.count(" checked>") == 3  # the selection is kept for the confirmation
    assert footprint() == before


def test_bulk_merge_confirmed_merges_each_into_the_target(agent, customer, support_team, ticket_events):
    # given
    target = _ticket(customer, support_team, "The original")
    dupes = [_ticket(customer, support_team, f"Dupe {n}") for n in (1, 2)]
    # when
    response = _signed_in(agent).post(
        "/views/all",
        {"ticket": [d.pk for d in dupes] + [target.pk], "action": "merge-confirm", "merge_target": target.number},
        headers=RESULTS,
    )
    # then
    assert "2 tickets updated." in response.content.decode()
    for dupe in dupes:
        dupe.refresh_from_db()
        assert (dupe.status, dupe.merged_into) == (Status.CLOSED, target)
        assert ticket_events(dupe)[-1][0] == "ticket.merged"
    assert Message.objects.filter(ticket=target, kind=Message.Kind.CUSTOMER).count() == 3
    assert [k for k, _, _ in ticket_events(target)].count("ticket.merge_received") == 2


def test_bulk_merge_into_a_ticket_the_agent_may_not_see_is_refused_without_saying_more(
    agent, customer, support_team, hr_ticket, footprint
):
    # given
    dupe = _ticket(customer, support_team, "Dupe")
    client = _signed_in(agent)
    before = footprint()
    # when
    response = client.post(
        "/views/all",
        {"ticket": [dupe.pk], "action": "merge-confirm", "merge_target": hr_ticket.number},
        headers=RESULTS,
    )
    # then
    html = response.content.decode()
    assert "No such ticket." in html
    assert hr_ticket.subject not in html
    assert footprint() == before


def test_bulk_merge_reports_a_ticket_that_refuses(agent, customer, support_team):
    # given
    target = _ticket(customer, support_team, "The original")
    merged = _ticket(customer, support_team, "Merged before")
    other = _ticket(customer, support_team, "Another")
    _signed_in(agent).post(
        "/views/all", {"ticket": [merged.pk], "action": "merge-confirm", "merge_target": other.number}
    )
    fresh = _ticket(customer, support_team, "Fresh dupe")
    # when
    response = _signed_in(agent).post(
        "/views/all",
        {"ticket": [fresh.pk, merged.pk], "action": "merge-confirm", "merge_target": target.number},
        headers=RESULTS,
    )
    # then
    html = response.content.decode()
    assert "1 ticket updated." in html
    assert f"<strong>#{merged.number}</strong>" in html
    fresh.refresh_from_db()
    assert fresh.merged_into == target


def test_bulk_merge_needs_a_target_number(agent, customer, support_team, footprint):
    # given
    dupe = _ticket(customer, support_team, "Dupe")
    client = _signed_in(agent)
    before = footprint()
    # when
    response = client.post("/views/all", {"ticket": [dupe.pk], "action": "merge"}, headers=RESULTS)
    # then
    assert "Type the number of the ticket to merge into." in response.content.decode()
    assert footprint() == before
