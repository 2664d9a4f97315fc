"""The inbox: views, counts, filters, paging, bulk actions, and what it never shows."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from helpline.accounts.models import Agent, Team
from helpline.customers.models import Customer
from helpline.tickets.models import Channel, Status, Ticket
from helpline.tickets.selectors import ticket_queryset
from helpline.tickets.services import note_add, ticket_create, ticket_update
from helpline.workspace import selectors

pytestmark = pytest.mark.django_db


def _ticket(customer: Customer, team: Team | None, subject: str = "Printer on fire", **kwargs) -> Ticket:
    return ticket_create(
        actor=None, requester=customer, subject=subject, channel=Channel.EMAIL, body_text="Help", team=team, **kwargs
    )


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _rows(html: str) -> list[str]:
    return re.findall(r'<a class="ticket-link" href="/tickets/(\d+)', html)


def test_a_visitor_is_sent_to_the_sign_in_page():
    # when
    response = Client().get("/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_an_agent_signs_in_with_the_form_and_lands_on_the_inbox(support_team):
    # given
    from helpline.accounts.tests.factories import AgentFactory

    AgentFactory.create(email="alice@helpline.test", name="Alice", password="correct horse battery")
    client = Client()
    # when
    response = client.post("/login/", {"username": "alice@helpline.test", "password": "correct horse battery"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_unassigned_lists_new_tickets_newest_first_and_hides_private_teams(agent, customer, support_team, hr_ticket):
    # given
    first = _ticket(customer, support_team, "First")
    second = _ticket(customer, support_team, "Second")
    # when
    response = _signed_in(agent).get("/views/unassigned")
    # then
    assert response.status_code == 200
    assert _rows(response.content.decode()) == [str(second.number), str(first.number)]
    assert str(hr_ticket.number) not in response.content.decode()


def test_my_open_tickets_are_those_assigned_to_me(agent, supervisor, customer, support_team):
    # given
    mine = _ticket(customer, support_team, "Mine", assignee=agent)
    _ticket(customer, support_team, "Sam's", assignee=supervisor)
    # when
    response = _signed_in(agent).get("/")
    # then
    assert _rows(response.content.decode()) == [str(mine.number)]


def test_mentions_lists_tickets_where_a_note_mentions_me(agent, supervisor, customer, support_team):
    # given
    ticket = _ticket(customer, support_team)
    _ticket(customer, support_team, "Other")
    note_add(actor=supervisor, ticket=ticket, body_text="@Alice can you look?", mention_ids=[agent.pk])
    # when
    response = _signed_in(agent).get("/views/mentions")
    # then
    assert _rows(response.content.decode()) == [str(ticket.number)]


def test_view_counts_are_capped_and_cost_one_query(
    agent, customer, support_team, monkeypatch, django_assert_num_queries
):
    # given
    monkeypatch.setattr(selectors.inbox, "COUNT_CAP", 2)
    for n in range(3):
        _ticket(customer, support_team, f"T{n}")
    base = ticket_queryset(actor=agent)  # the visibility query is made once, here
    selectors.agent_tickets(agent)  # and so are the ids of the agent's own tickets and mentions
    # when
    with django_assert_num_queries(1):
        counts = selectors.inbox_counts(actor=agent, base=base)
    # then
    assert counts == {
        "my-open": 0,
        "unassigned": 3,
        "my-teams": 3,
        "all": 3,
        "pending": 0,
        "on-hold": 0,
        "solved": 0,
        "mentions": 0,
    }


def test_the_sidebar_shows_a_capped_count_as_99_plus(agent, customer, support_team, monkeypatch):
    # given
    monkeypatch.setattr(selectors.inbox, "COUNT_CAP", 2)
    from helpline.workspace.views import _common

    monkeypatch.setattr(_common, "COUNT_CAP", 2)
    for n in range(3):
        _ticket(customer, support_team, f"T{n}")
    # when
    html = _signed_in(agent).get("/views/unassigned").content.decode()
    # then
    assert re.search(r'data-count-for="unassigned">2\+</span>', html)


def test_the_inbox_page_stays_within_five_queries(agent, customer, support_team, django_assert_max_num_queries):
    # given
    for n in range(30):
        _ticket(customer, support_team, f"T{n}", tags=["vip", f"t{n}"])
    client = _signed_in(agent)
    client.get("/views/all")  # warm the session
    # when / then
    with django_assert_max_num_queries(5):
        response = client.get("/views/all")
    assert response.status_code == 200


def test_filters_narrow_the_view(agent, customer, support_team, billing_team):
    # given
    wanted = _ticket(customer, support_team, "Urgent one", priority="urgent")
    _ticket(customer, support_team, "Calm one")
    _ticket(customer, billing_team, "Billing urgent", priority="urgent")
    # when
    response = _signed_in(agent).get(f"/views/all?priority=urgent&team={support_team.pk}")
    # then
    assert _rows(response.content.decode()) == [str(wanted.number)]


def test_load_more_returns_the_next_rows_only(agent, customer, support_team):
    # given
    tickets = [_ticket(customer, support_team, f"T{n}") for n in range(30)]
    client = _signed_in(agent)
    first = client.get("/views/all?sort=number").content.decode()
    found = re.search(r'hx-get="/views/all\?sort=number&amp;cursor=([^"]+)"', first)
    assert found is not None
    cursor = found.group(1)
    # when
    more = client.get(
        f"/views/all?sort=number&cursor={cursor}", headers={"HX-Request": "true", "HX-Target": "more-row"}
    )
    # then
    html = more.content.decode()
    assert "<html" not in html
    assert _rows(html) == [str(t.number) for t in tickets[25:]]
    assert "more-row" not in html


def test_a_bad_cursor_is_a_400_not_a_crash(agent):
    assert _signed_in(agent).get("/views/all?cursor=%%%").status_code == 400


def test_an_unknown_view_is_a_404(agent):
    assert _signed_in(agent).get("/views/nope").status_code == 404


def test_bulk_assign_and_solve_go_through_the_services(agent, customer, support_team, ticket_events):
    # given
    a, b = _ticket(customer, support_team, "A"), _ticket(customer, support_team, "B")
    client = _signed_in(agent)
    # when
    client.post("/views/unassigned", {"ticket": [a.pk, b.pk], "action": "assign-me"})
    response = client.post(
        "/views/my-open",
        {"ticket": [a.pk, b.pk], "action": "solve"},
        headers={"HX-Request": "true", "HX-Target": "inbox-results"},
    )
    # then
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.assignee, a.status, b.assignee, b.status) == (agent, Status.SOLVED, agent, Status.SOLVED)
    assert "2 tickets updated." in response.content.decode()
    assert sorted(kind for kind, _, _ in ticket_events(a)) == [
        "ticket.assignee_changed",
        "ticket.created",
        "ticket.status_changed",  # new → open, with the assignment
        "ticket.status_changed",  # open → solved
    ]


def test_bulk_reports_each_ticket_that_refused(agent, customer, support_team):
    # given
    done = _ticket(customer, support_team, "Done")
    closed = _ticket(customer, support_team, "Closed")
    ticket_update(actor=None, ticket=closed, changes={"status": Status.SOLVED})
    ticket_update(actor=None, ticket=closed.pk, changes={"status": Status.CLOSED})
    # when
    response = _signed_in(agent).post(
        "/views/all", {"ticket": [done.pk, closed.pk], "status": "pending"}, headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert "1 ticket updated." in html
    assert f"#{closed.number}" in html and "cannot become pending" in html


def test_bulk_spam_and_tags(agent, customer, support_team):
    # given
    spam, tagged = _ticket(customer, support_team, "Win money"), _ticket(customer, support_team, "Real")
    client = _signed_in(agent)
    # when
    client.post("/views/all", {"ticket": [spam.pk], "action": "spam"})
    client.post("/views/all", {"ticket": [tagged.pk], "add_tag": "vip, billing"})
    # then
    spam.refresh_from_db()
    assert spam.disposition == "spam"
    assert sorted(tagged.tags.values_list("name", flat=True)) == ["billing", "vip"]


def test_bulk_cannot_touch_tickets_the_agent_may_not_see(agent, hr_ticket, footprint):
    # given
    client = _signed_in(agent)
    before = footprint()
    # when
    client.post("/views/all", {"ticket": [hr_ticket.pk], "action": "solve"})
    # then
    assert footprint() == before


def test_script_in_a_subject_and_a_name_is_shown_as_text(agent, support_team):
    # given
    from helpline.customers.tests.factories import CustomerFactory

    evil = CustomerFactory.create(name="<img src=x onerror=alert(1)>", email="evil@example.com")
    _ticket(evil, support_team, "<script>alert('x')</script>")
    # when
    html = _signed_in(agent).get("/views/unassigned").content.decode()
    # then
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_pages_carry_a_strict_csp_and_no_inline_script_or_style(agent, customer, support_team):
    # given
    ticket = _ticket(customer, support_team)
    client = _signed_in(agent)
    for path in ("/", f"/tickets/{ticket.number}", "/login/"):
        # when
        response = client.get(path)
        html = response.content.decode()
        # then
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self';" in policy and "unsafe" not in policy
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
