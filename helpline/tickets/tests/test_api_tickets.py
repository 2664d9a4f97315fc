"""The tickets API: listing, reading, opening, changing, merging, spam/trash/purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from helpline.api.tests.support import api_client, problem
from helpline.tickets.models import Message, Ticket
from helpline.tickets.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def body(response: Any) -> Any:
    return json.loads(response.content)


def numbers(response: Any) -> list[int]:
    return [t["number"] for t in body(response)["items"]]


# ------------------------------------------------------------------ list


def test_an_agent_lists_the_tickets_it_may_see_newest_first(agent, carla_ticket, hr_ticket):
    # given: another visible ticket, opened later
    with time_machine.travel(carla_ticket.created_at + timedelta(minutes=1)):
        later = TicketFactory.create(requester=carla_ticket.requester)

    # when
    response = api_client(agent).get("/tickets")

    # then: never the private HR ticket
    assert response.status_code == 200
    assert numbers(response) == [later.number, carla_ticket.number]
    assert body(response)["next_cursor"] is None


def test_a_list_row_shows_the_ticket(agent, customer, support_team):
    # given
    category = CategoryFactory.create(name="Billing")
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory.create(
            requester=customer, team=support_team, assignee=agent, category=category, status="open", tags=["vip"]
        )

    # when
    response = api_client(agent).get("/tickets")

    # then
    assert body(response)["items"] == [
        {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": "open",
            "priority": "medium",
            "channel": "email",
            "disposition": "active",
            "requester": {"id": customer.pk, "name": "Carla", "email": "carla@example.com"},
            "team": {"id": support_team.pk, "name": "Support"},
            "assignee": {"id": agent.pk, "name": "Alice"},
            "category": {"id": category.pk, "path": "Billing"},
            "tags": ["vip"],
            "custom_fields": {},
            "version": 1,
            "created_at": "2026-03-02T09:00:00Z",
            "updated_at": "2026-03-02T09:00:00Z",
            "first_response_at": None,
            "solved_at": None,
            "closed_at": None,
            "first_response_due_at": None,
            "next_response_due_at": None,
            "resolution_due_at": None,
            "merged_into": None,
            "follow_up_of": None,
        }
    ]


def test_filters_combine_and_repeat(agent, customer, other_customer, support_team, billing_team):
    # given
    wanted = [
        TicketFactory.create(requester=customer, team=support_team, status="open", priority="high"),
        TicketFactory.create(requester=customer, team=support_team, status="new", priority="urgent"),
    ]
    TicketFactory.create(requester=customer, team=support_team, status="pending", priority="high")  # other status
    TicketFactory.create(requester=customer, team=billing_team, status="open", priority="high")  # other team
    TicketFactory.create(requester=other_customer, team=support_team, status="open", priority="low")  # other priority

    # when
    response = api_client(agent).get(
        "/tickets",
        {"status": ["open", "new"], "team": support_team.pk, "priority": ["high", "urgent"], "sort": "number"},
    )

    # then
    assert numbers(response) == [t.number for t in wanted]


def test_assignee_filters_me_none_and_ids(agent, other_agent, customer):
    # given
    mine = TicketFactory.create(requester=customer, assignee=agent)
    theirs = TicketFactory.create(requester=customer, assignee=other_agent)
    nobodys = TicketFactory.create(requester=customer)
    api = api_client(agent)

    # when
    answers = {
        "me": numbers(api.get("/tickets", {"assignee": "me"})),
        "none": numbers(api.get("/tickets", {"assignee": "none"})),
        "ids": numbers(api.get("/tickets", {"assignee": [agent.pk, other_agent.pk], "sort": "number"})),
    }
    mixed = api.get("/tickets", {"assignee": ["none", agent.pk]})

    # then
    assert answers == {"me": [mine.number], "none": [nobodys.number], "ids": [mine.number, theirs.number]}
    assert mixed.status_code == 422
    assert problem(mixed)["errors"] == [{"field": "assignee", "message": "none cannot be combined with agents"}]


def test_time_tag_channel_and_requester_filters(agent, customer, other_customer):
    # given
    with time_machine.travel(T0, tick=False):
        old = TicketFactory.create(requester=customer, tags=["refund"], channel="web")
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        new = TicketFactory.create(requester=other_customer, tags=["refund"], channel="email")
    api = api_client(agent)

    # when
    answers = [
        numbers(api.get("/tickets", {"created_after": "2026-03-03T00:00:00Z"})),
        numbers(api.get("/tickets", {"created_before": "2026-03-03T00:00:00"})),  # no offset: UTC
        numbers(api.get("/tickets", {"updated_after": "2026-03-01T00:00:00Z", "tag": "refund", "channel": "web"})),
        numbers(api.get("/tickets", {"requester": other_customer.pk})),
    ]

    # then
    assert answers == [[new.number], [old.number], [old.number], [new.number]]


def test_keyset_paging_walks_every_ticket_once(agent, customer):
    # given: seven tickets, four of them opened at the very same instant
    with time_machine.travel(T0, tick=False):
        same_time = [TicketFactory.create(requester=customer) for _ in range(4)]
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        later = [TicketFactory.create(requester=customer) for _ in range(3)]
    api = api_client(agent)

    for sort in ("-created_at", "created_at", "-number", "updated_at"):
        # when
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = body(api.get("/tickets", params))
            seen += [t["number"] for t in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break

        # then
        assert pages == 3, sort
        assert sorted(seen) == sorted(t.number for t in same_time + later), sort
        assert len(set(seen)) == 7, sort


def test_a_cursor_that_is_not_one_is_a_422_problem(agent):
    # when
    response = api_client(agent).get("/tickets", {"cursor": "garbage"})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "cursor", "message": "invalid"}]


def test_spam_and_trash_are_listed_for_agents_only(agent, customer, carla_ticket):
    # given
    spam = TicketFactory.create(requester=customer, disposition="spam")

    # when
    for_agent = api_client(agent).get("/tickets", {"disposition": "spam"})
    for_customer = api_client(customer).get("/tickets", {"disposition": "spam"})

    # then
    assert numbers(for_agent) == [spam.number]
    assert for_customer.status_code == 403


def test_the_team_list_takes_a_fixed_number_of_queries_whatever_the_size(
    agent, customer, support_team, django_assert_max_num_queries
):
    # given
    TicketFactory.create_batch(30, requester=customer, team=support_team, status="open", tags=["a", "b"])
    api = api_client(agent)
    api.get("/me")  # the token's last use is recorded once a minute: not on the measured request

    # when
    with django_assert_max_num_queries(3) as queries:
        response = api.get("/tickets", {"team": support_team.pk, "status": "open", "sort": "-created_at", "limit": 25})

    # then: token, hidden teams, tickets (their tags and requester e-mails in the same query)
    items = body(response)["items"]
    assert len(items) == 25
    assert len(queries) == 3
    assert {tuple(item["tags"]) for item in items} == {("a", "b")}
    assert {item["requester"]["email"] for item in items} == {customer.primary_email}


def test_a_customer_token_lists_only_the_customers_own_tickets(customer, carla_ticket, hr_ticket):
    # when
    response = api_client(customer).get("/tickets")

    # then
    assert numbers(response) == [carla_ticket.number]
    assert body(response)["items"][0]["tags"] == []


# ------------------------------------------------------------------ detail


def test_the_detail_adds_ccs_followers_and_an_etag(agent, customer, other_customer, carla_ticket):
    # given
    carla_ticket.ccs.add(other_customer)
    carla_ticket.followers.add(agent)

    # when
    response = api_client(agent).get(f"/tickets/{carla_ticket.number}")

    # then
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    detail = body(response)
    assert (detail["number"], detail["subject"], detail["version"]) == (carla_ticket.number, "My invoice is wrong", 1)
    assert detail["ccs"] == [{"id": other_customer.pk, "name": "Otto", "email": "otto@example.net"}]
    assert detail["followers"] == [{"id": agent.pk, "name": "Alice"}]


def test_the_detail_takes_few_queries(agent, other_customer, carla_ticket, django_assert_max_num_queries):
    # given
    carla_ticket.ccs.add(other_customer)
    carla_ticket.followers.add(agent)
    api = api_client(agent)
    api.get("/me")

    # when
    with django_assert_max_num_queries(8):
        response = api.get(f"/tickets/{carla_ticket.number}")

    # then
    assert response.status_code == 200


def test_a_ticket_the_caller_may_not_see_is_404_like_one_that_does_not_exist(agent, customer, carla_ticket, hr_ticket):
    # when
    answers = [
        api_client(agent).get(f"/tickets/{hr_ticket.number}"),  # private team
        api_client(customer).get(f"/tickets/{hr_ticket.number}"),  # someone else's
        api_client(agent).get("/tickets/99999"),  # none
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert {problem(a)["detail"] for a in answers} == {"No such ticket."}


def test_a_private_team_member_sees_the_private_ticket(private_member, hr_ticket):
    # when
    response = api_client(private_member).get(f"/tickets/{hr_ticket.number}")

    # then
    assert response.status_code == 200


# ------------------------------------------------------------------ create


def test_an_agent_opens_a_ticket_for_a_new_requester(agent, support_team, ticket_events):
    # when
    response = api_client(agent).post(
        "/tickets",
        {
            "subject": "  Printer   on fire ",
            "body": "It really is.",
            "requester": {"email": "Dora@Example.org", "name": "Dora"},
            "team_id": support_team.pk,
            "assignee_id": agent.pk,
            "priority": "high",
            "tags": ["Hardware", "fire"],
        },
    )

    # then
    assert response.status_code == 201
    created = body(response)
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/api/v1/tickets/{ticket.number}"
    assert response["ETag"] == '"1"'
    assert (created["number"], created["subject"], created["status"], created["channel"]) == (
        ticket.number,
        "Printer on fire",
        "open",
        "api",
    )
    assert created["requester"]["email"] == "dora@example.org"
    assert (created["team"]["name"], created["assignee"]["name"], created["tags"]) == (
        "Support",
        "Alice",
        ["fire", "hardware"],  # by name
    )
    message = ticket.messages.get()
    assert (message.kind, message.body_text, message.metadata) == (
        "customer",
        "It really is.",
        {"entered_by_agent": agent.pk},
    )
    assert [kind for kind, _, _ in ticket_events(ticket)] == ["ticket.created"]


def test_a_customer_opens_a_ticket_for_itself(customer):
    # when
    response = api_client(customer).post("/tickets", {"subject": "Help", "body": "Please."})

    # then
    assert response.status_code == 201
    assert body(response)["requester"]["id"] == customer.pk
    assert Ticket.objects.get().requester_id == customer.pk


def test_a_customer_may_not_set_agent_fields_and_nothing_is_written(customer, other_customer, support_team, footprint):
    # given
    api = api_client(customer)
    before = footprint()

    # when
    response = api.post(
        "/tickets",
        {"subject": "Help", "body": "Please.", "requester_id": other_customer.pk, "team_id": support_team.pk},
    )

    # then
    assert response.status_code == 403
    assert problem(response)["errors"] == [
        {"field": "requester_id", "message": "not allowed"},
        {"field": "team_id", "message": "not allowed"},
    ]
    assert footprint() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "Hi", "body": "x"}, "requester"),
        ({"subject": "Hi", "requester_id": 1}, "body"),
        ({"subject": "Hi", "body": "x", "requester_id": 999}, "requester_id"),
        ({"subject": "Hi", "body": "x", "requester_id": 1, "team_id": 999}, "team_id"),
        ({"subject": "Hi", "body": "x", "requester_id": 1, "cc_emails": ["nope"]}, "cc_emails"),
    ],
)
def test_a_create_with_missing_or_unknown_references_is_a_422_problem_and_writes_nothing(
    agent, customer, footprint, payload, field
):
    # given
    payload = {**payload, **({"requester_id": customer.pk} if payload.get("requester_id") == 1 else {})}
    api = api_client(agent)
    before = footprint()

    # when
    response = api.post("/tickets", payload)

    # then
    assert response.status_code == 422
    assert [e["field"] for e in problem(response)["errors"]] == [field]
    assert footprint() == before


def test_a_collaborator_may_not_open_tickets(collaborator, customer):
    # when
    response = api_client(collaborator).post("/tickets", {"subject": "Hi", "body": "x", "requester_id": customer.pk})

    # then
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


# ------------------------------------------------------------------ change


def test_an_agent_changes_fields_and_gets_the_new_version_and_etag(agent, other_agent, carla_ticket, billing_team):
    # given
    category = CategoryFactory.create(name="Invoices")

    # when
    response = api_client(agent).patch(
        f"/tickets/{carla_ticket.number}",
        {
            "status": "pending",
            "priority": "high",
            "category_id": category.pk,
            "add_tags": ["refund"],
            "follower_ids": [other_agent.pk],
            "version": 1,
        },
    )

    # then
    assert response.status_code == 200
    changed = body(response)
    assert (changed["status"], changed["priority"], changed["category"], changed["tags"]) == (
        "pending",
        "high",
        {"id": category.pk, "path": "Invoices"},
        ["refund"],
    )
    assert changed["followers"] == [{"id": other_agent.pk, "name": "Oscar"}]
    assert changed["version"] == 2
    assert response["ETag"] == '"2"'
    carla_ticket.refresh_from_db()
    assert (carla_ticket.status, carla_ticket.priority, carla_ticket.version) == ("pending", "high", 2)


def test_null_unassigns(agent, customer):
    # given
    ticket = TicketFactory.create(requester=customer, assignee=agent, status="open")

    # when
    response = api_client(agent).patch(f"/tickets/{ticket.number}", {"assignee_id": None})

    # then
    assert body(response)["assignee"] is None
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_fields_that_may_not_be_null_are_refused(agent, carla_ticket):
    # when
    response = api_client(agent).patch(f"/tickets/{carla_ticket.number}", {"status": None})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "status", "message": "Value error, may be left out, but not null"}]


@pytest.mark.parametrize("send", ["body", "if-match"])
def test_a_stale_version_is_a_409_problem_and_writes_nothing(agent, carla_ticket, footprint, send):
    # given: someone changed the ticket since version 1 was read
    api = api_client(agent)
    api.patch(f"/tickets/{carla_ticket.number}", {"priority": "low"})
    before = footprint()

    # when
    if send == "body":
        response = api.patch(f"/tickets/{carla_ticket.number}", {"priority": "high", "version": 1})
    else:
        response = api.patch(f"/tickets/{carla_ticket.number}", {"priority": "high"}, **{"If-Match": '"1"'})

    # then
    assert response.status_code == 409
    assert problem(response)["code"] == "stale-version"
    assert footprint() == before


def test_if_match_with_the_current_version_goes_through(agent, carla_ticket):
    # when
    response = api_client(agent).patch(f"/tickets/{carla_ticket.number}", {"priority": "high"}, **{"If-Match": 'W/"1"'})

    # then
    assert (response.status_code, response["ETag"]) == (200, '"2"')


def test_an_invalid_transition_is_a_409_problem_and_writes_nothing(agent, carla_ticket, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when: a new ticket cannot be closed straight away
    response = api.patch(f"/tickets/{carla_ticket.number}", {"status": "closed"})

    # then
    assert response.status_code == 409
    document = problem(response)
    assert (document["code"], document["detail"]) == (
        "invalid-transition",
        "A new ticket cannot become closed; allowed: on_hold, open, pending, solved.",
    )
    assert footprint() == before


def test_a_customer_may_not_change_its_ticket(customer, carla_ticket, footprint):
    # given
    api = api_client(customer)
    before = footprint()

    # when
    response = api.patch(f"/tickets/{carla_ticket.number}", {"priority": "urgent"})

    # then
    assert response.status_code == 403
    assert footprint() == before


def test_cc_emails_become_ccs(agent, carla_ticket):
    # when
    response = api_client(agent).patch(f"/tickets/{carla_ticket.number}", {"cc_emails": ["boss@example.com"]})

    # then
    assert [c["email"] for c in body(response)["ccs"]] == ["boss@example.com"]


# ------------------------------------------------------------------ merge, spam, trash, purge


def test_merging_answers_with_the_ticket_merged_into(agent, customer, carla_ticket):
    # given
    duplicate = TicketFactory.create(requester=customer)

    # when
    response = api_client(agent).post(f"/tickets/{duplicate.number}/merge", {"into": carla_ticket.number})

    # then
    assert response.status_code == 200
    assert body(response)["number"] == carla_ticket.number
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("closed", carla_ticket.pk)
    shown = body(api_client(agent).get(f"/tickets/{duplicate.number}"))
    assert shown["merged_into"] == carla_ticket.number


def test_merging_into_an_unknown_ticket_is_a_422_problem(agent, carla_ticket):
    # when
    response = api_client(agent).post(f"/tickets/{carla_ticket.number}/merge", {"into": 99999})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "into", "message": "unknown"}]


def test_spam_trash_restore_and_purge(admin, carla_ticket):
    # given
    api = api_client(admin)

    # when
    spam = api.post(f"/tickets/{carla_ticket.number}/spam")
    restored = api.post(f"/tickets/{carla_ticket.number}/restore")
    trash = api.post(f"/tickets/{carla_ticket.number}/trash")
    purge = api.delete(f"/tickets/{carla_ticket.number}")

    # then
    assert [body(r)["disposition"] for r in (spam, restored, trash)] == ["spam", "active", "trash"]
    assert (purge.status_code, purge.content) == (204, b"")
    assert not Ticket.objects.filter(pk=carla_ticket.pk).exists()


def test_purging_an_active_ticket_is_refused_and_writes_nothing(admin, carla_ticket, footprint):
    # given
    api = api_client(admin)
    before = footprint()

    # when
    response = api.delete(f"/tickets/{carla_ticket.number}")

    # then
    assert response.status_code == 422
    assert footprint() == before


def test_only_admins_purge(agent, carla_ticket):
    # given
    api = api_client(agent)
    api.post(f"/tickets/{carla_ticket.number}/trash")

    # when
    response = api.delete(f"/tickets/{carla_ticket.number}")

    # then
    assert response.status_code == 403
    assert Ticket.objects.filter(pk=carla_ticket.pk).exists()


def test_a_customer_does_not_see_its_ticket_once_trashed(agent, customer, carla_ticket):
    # given
    api_client(agent).post(f"/tickets/{carla_ticket.number}/trash")

    # when
    response = api_client(customer).get(f"/tickets/{carla_ticket.number}")

    # then
    assert response.status_code == 404
    assert Message.objects.filter(ticket=carla_ticket).count() == 1
