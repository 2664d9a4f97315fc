"""Saved views: an agent saves the filter bar's values, sort and columns under a name, for themself or
one of their teams; the sidebar lists them with counts; owners (and, for shared ones, the team's
supervisor and admins) change and delete them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from helpline.accounts.models import Agent, Team
from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.customers.models import Customer
from helpline.tickets.models import Channel, Priority, Ticket
from helpline.tickets.services import ticket_create
from helpline.workspace.models import SavedView
from helpline.workspace.selectors import InboxFilters, saved_view_get, saved_views_visible
from helpline.workspace.services import saved_view_create, saved_view_delete, saved_view_update

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _ticket(customer: Customer, team: Team | None, subject: str, **kwargs) -> Ticket:
    return ticket_create(
        actor=None, requester=customer, subject=subject, channel=Channel.EMAIL, body_text="Help", team=team, **kwargs
    )


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _rows(html: str) -> list[str]:
    return re.findall(r'<a class="ticket-link" href="/tickets/(\d+)', html)


def _urgent_view(owner: Agent, team: Team | None = None, name: str = "Urgent") -> SavedView:
    return saved_view_create(
        actor=owner,
        name=name,
        base="all",
        filters=InboxFilters(priority=[Priority.URGENT]),
        sort="-number",
        columns=["number", "subject", "requester", "priority"],
        team=team,
    )


# --- services ------------------------------------------------------------------------------------


def test_an_agent_saves_a_personal_view_and_an_event_records_it(agent):
    # when
    saved = _urgent_view(agent)
    # then
    saved.refresh_from_db()
    assert (saved.name, saved.owner, saved.team, saved.base, saved.sort) == ("Urgent", agent, None, "all", "-number")
    assert saved.filters == {"priority": ["urgent"]}
    assert saved.columns == ["number", "subject", "requester", "priority"]
    event = Event.objects.get(entity="saved_view", entity_id=saved.pk)
    assert (event.kind, event.actor_agent, event.after["name"]) == ("saved_view.created", agent, "Urgent")


def test_a_view_is_shared_only_with_one_of_the_owners_teams(agent, billing_team):
    # when / then
    with pytest.raises(PermissionDenied):
        _urgent_view(agent, team=billing_team)
    assert not SavedView.objects.exists()
    assert not Event.objects.filter(entity="saved_view").exists()


def test_names_are_unique_per_owner(agent, other_agent):
    # given
    _urgent_view(agent)
    # when / then
    with pytest.raises(InvalidInput, match="already a view called"):
        _urgent_view(agent)
    assert _urgent_view(other_agent).name == "Urgent"
    assert SavedView.objects.count() == 2


def test_a_personal_view_is_seen_and_changed_by_its_owner_only(agent, supervisor, admin):
    # given
    saved = _urgent_view(agent)
    # then
    for someone in (supervisor, admin):
        assert saved_views_visible(actor=someone) == []
        with pytest.raises(NotFound):
            saved_view_get(actor=someone, saved_view_id=saved.pk)
        with pytest.raises(PermissionDenied):
            saved_view_delete(actor=someone, saved_view=saved.pk)
    assert SavedView.objects.filter(pk=saved.pk).exists()


def test_a_shared_view_is_seen_by_the_team_and_changed_by_its_lead_or_an_admin(
    agent, supervisor, admin, collaborator, other_agent, support_team
):
    # given Alice shares a view with Support
    saved = _urgent_view(agent, team=support_team)
    # then Support sees it, Billing does not
    assert [s.pk for s in saved_views_visible(actor=collaborator)] == [saved.pk]
    assert saved_views_visible(actor=other_agent) == []
    # a member who does not lead the team may not change it
    with pytest.raises(PermissionDenied):
        saved_view_update(actor=collaborator, saved_view=saved.pk, name="Mine now", team=support_team)
    # Sam, the team's lead, renames it; Ada, an admin, deletes it
    saved_view_update(actor=supervisor, saved_view=saved.pk, name="Urgent (Support)", team=support_team)
    saved.refresh_from_db()
    assert saved.name == "Urgent (Support)"
    saved_view_delete(actor=admin, saved_view=saved.pk)
    assert not SavedView.objects.exists()
    assert list(Event.objects.filter(entity="saved_view").order_by("id").values_list("kind", "actor_agent__name")) == [
        ("saved_view.created", "Alice"),
        ("saved_view.updated", "Sam"),
        ("saved_view.deleted", "Ada"),
    ]


def test_an_update_records_before_and_after_of_what_changed(agent, support_team):
    # given
    saved = _urgent_view(agent)
    # when
    saved_view_update(
        actor=agent,
        saved_view=saved.pk,
        name="Urgent",
        team=support_team,
        base="unassigned",
        filters=InboxFilters(priority=[Priority.HIGH]),
        sort="-created_at",
        columns=["subject"],
    )
    # then
    event = Event.objects.get(kind="saved_view.updated")
    assert event.before == {
        "team": None,
        "base": "all",
        "filters": {"priority": ["urgent"]},
        "sort": "-number",
        "columns": ["number", "subject", "requester", "priority"],
    }
    assert event.after == {
        "team": support_team.pk,
        "base": "unassigned",
        "filters": {"priority": ["high"]},
        "sort": "-created_at",
        "columns": ["subject"],
    }


# --- screens -------------------------------------------------------------------------------------


def test_saving_the_filter_bar_creates_the_view_and_opens_it(agent, customer, support_team):
    # given
    client = _signed_in(agent)
    # when the save form posts with the filter bar's fields included (htmx hx-include)
    response = client.post(
        "/saved/new",
        {
            "name": "High for Support",
            "base": "unassigned",
            "share_team": str(support_team.pk),
            "priority": "high",
            "team": str(support_team.pk),
            "status": "",
            "sort": "-created_at",
            "col": ["subject", "number", "category"],
        },
        headers=HTMX,
    )
    # then
    saved = SavedView.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/saved/{saved.pk}"
    assert (saved.base, saved.team, saved.sort) == ("unassigned", support_team, "-created_at")
    assert saved.filters == {"priority": ["high"], "team": [str(support_team.pk)]}
    assert saved.columns == ["number", "subject", "category"]


def test_without_javascript_the_view_is_saved_from_the_page_query(agent):
    # when
    response = _signed_in(agent).post(
        "/saved/new", {"name": "Pending high", "base": "pending", "query": "priority=high&sort=number&col=subject"}
    )
    # then
    saved = SavedView.objects.get()
    assert response.status_code == 302
    assert (saved.base, saved.filters, saved.sort, saved.columns) == (
        "pending",
        {"priority": ["high"]},
        "number",
        ["subject"],
    )


def test_a_refused_save_says_why_and_saves_nothing(agent):
    # when
    response = _signed_in(agent).post(
        "/saved/new",
        {"name": " ", "base": "all", "query": ""},
        headers={"Referer": "http://testserver/views/all"},
        follow=True,
    )
    # then
    assert response.redirect_chain[-1][0] == "http://testserver/views/all"
    assert "Give the view a name" in response.content.decode()
    assert not SavedView.objects.exists()


def test_the_saved_view_lists_its_tickets_with_its_columns_and_the_sidebar_counts_them(agent, customer, support_team):
    # given
    low = _ticket(customer, support_team, "Low one", priority=Priority.LOW)
    first = _ticket(customer, support_team, "Urgent one", priority=Priority.URGENT)
    second = _ticket(customer, support_team, "Urgent two", priority=Priority.URGENT)
    saved = _urgent_view(agent)
    # when
    html = _signed_in(agent).get(f"/saved/{saved.pk}").content.decode()
    # then highest number first, the low one left out
    assert _rows(html) == [str(second.number), str(first.number)]
    assert str(low.number) not in _rows(html)
    assert '<th scope="col" class="cell-number">' in html and '<th scope="col" class="cell-requester">' in html
    assert 'class="cell-status"' not in html and 'class="cell-assignee"' not in html
    assert re.search(rf'data-saved="{saved.pk}"[^>]*>.*?Urgent.*?data-count-for="saved-{saved.pk}">2<', html, re.S)
    assert f'href="/tickets/{second.number}?saved={saved.pk}&amp;sort=-number"' in html


def test_the_filter_bar_narrows_a_saved_view_further_until_reset(agent, customer, support_team, billing_team):
    # given
    support = _ticket(customer, support_team, "Support urgent", priority=Priority.URGENT)
    _ticket(customer, billing_team, "Billing urgent", priority=Priority.URGENT)
    saved = _urgent_view(agent)
    # when the filter bar sends its own values
    html = (
        _signed_in(agent)
        .get(f"/saved/{saved.pk}", {"priority": "urgent", "team": support_team.pk, "sort": "-number", "col": "subject"})
        .content.decode()
    )
    # then
    assert _rows(html) == [str(support.number)]
    assert 'class="cell-number"' not in html


def test_a_shared_view_shows_in_the_team_members_sidebar_but_not_in_other_teams(
    agent, collaborator, other_agent, support_team
):
    # given
    saved = _urgent_view(agent, team=support_team, name="Support urgent")
    # when
    mine = _signed_in(collaborator).get("/").content.decode()
    theirs = _signed_in(other_agent).get("/").content.decode()
    # then
    assert f'href="/saved/{saved.pk}"' in mine and "Support urgent" in mine
    assert f'href="/saved/{saved.pk}"' not in theirs
    assert _signed_in(other_agent).get(f"/saved/{saved.pk}").status_code == 404


def test_bulk_actions_work_on_a_saved_view(agent, customer, support_team):
    # given
    ticket = _ticket(customer, support_team, "Urgent one", priority=Priority.URGENT)
    saved = _urgent_view(agent)
    # when
    response = _signed_in(agent).post(
        f"/saved/{saved.pk}", {"ticket": [ticket.pk], "action": "assign-me"}, headers=HTMX
    )
    # then
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert "1 ticket updated." in response.content.decode()


def test_the_owner_renames_and_replaces_the_filters_from_the_page(agent, support_team):
    # given
    saved = _urgent_view(agent)
    # when
    response = _signed_in(agent).post(
        f"/saved/{saved.pk}/edit",
        {"name": "Hot", "share_team": "", "replace": "1", "base": "all", "priority": "high", "sort": "number"},
        headers=HTMX,
    )
    # then
    saved.refresh_from_db()
    assert response["HX-Redirect"] == f"/saved/{saved.pk}"
    assert (saved.name, saved.filters, saved.sort, saved.columns) == ("Hot", {"priority": ["high"]}, "number", [])


def test_renaming_without_replace_keeps_the_filters(agent):
    # given
    saved = _urgent_view(agent)
    # when
    _signed_in(agent).post(f"/saved/{saved.pk}/edit", {"name": "Renamed", "priority": "low", "sort": "number"})
    # then
    saved.refresh_from_db()
    assert (saved.name, saved.filters, saved.sort) == ("Renamed", {"priority": ["urgent"]}, "-number")


def test_only_those_allowed_see_the_edit_menu_and_may_delete(agent, collaborator, supervisor, support_team):
    # given
    saved = _urgent_view(agent, team=support_team)
    # then
    assert "Edit view" not in _signed_in(collaborator).get(f"/saved/{saved.pk}").content.decode()
    assert "Edit view" in _signed_in(supervisor).get(f"/saved/{saved.pk}").content.decode()
    # when a member who may not tries anyway
    _signed_in(collaborator).post(f"/saved/{saved.pk}/delete")
    # then nothing happened
    assert SavedView.objects.filter(pk=saved.pk).exists()
    # when the owner deletes it
    response = _signed_in(agent).post(f"/saved/{saved.pk}/delete")
    # then
    assert response.status_code == 302 and response["Location"] == "/views/all"
    assert not SavedView.objects.exists()


def test_j_and_k_walk_the_saved_view(agent, customer, support_team):
    # given
    _ticket(customer, support_team, "Low", priority=Priority.LOW)
    first = _ticket(customer, support_team, "Urgent one", priority=Priority.URGENT)
    _ticket(customer, support_team, "Low again", priority=Priority.LOW)
    second = _ticket(customer, support_team, "Urgent two", priority=Priority.URGENT)
    saved = _urgent_view(agent)
    # when
    response = _signed_in(agent).get(f"/tickets/{second.number}/neighbour", {"saved": str(saved.pk), "sort": "-number"})
    # then the next urgent one, skipping the low ones
    assert response["Location"] == f"/tickets/{first.number}?saved={saved.pk}&sort=-number"


def test_saved_views_are_counted_in_the_same_one_query(agent, customer, support_team, django_assert_num_queries):
    # given
    from helpline.tickets.selectors import ticket_queryset
    from helpline.workspace.selectors import agent_tickets, inbox_counts, saved_view_counts

    _ticket(customer, support_team, "Urgent", priority=Priority.URGENT)
    _ticket(customer, support_team, "Low", priority=Priority.LOW)
    saved = _urgent_view(agent)
    extra = saved_view_counts(saved_views_visible(actor=agent))
    base = ticket_queryset(actor=agent)
    agent_tickets(agent)
    # when
    with django_assert_num_queries(1):
        counts = inbox_counts(actor=agent, base=base, saved=extra)
    # then
    assert (counts["all"], counts[f"saved-{saved.pk}"]) == (2, 1)


def test_a_saved_view_page_stays_within_six_queries(agent, customer, support_team, django_assert_max_num_queries):
    # given
    for n in range(30):
        _ticket(customer, support_team, f"T{n}", priority=Priority.URGENT, tags=["vip", f"t{n}"])
    saved = _urgent_view(agent)
    _urgent_view(agent, team=support_team, name="Shared urgent")
    client = _signed_in(agent)
    client.get(f"/saved/{saved.pk}")  # warm the session
    # when / then
    with django_assert_max_num_queries(6):
        response = client.get(f"/saved/{saved.pk}")
    assert response.status_code == 200
