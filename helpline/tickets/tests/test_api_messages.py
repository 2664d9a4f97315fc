"""The thread through the API: who sees which messages, who may write what."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpline.api.tests.support import api_client, problem
from helpline.tickets.models import Message
from helpline.tickets.services import note_add, reply_add, system_entry_add

pytestmark = pytest.mark.django_db


def body(response: Any) -> Any:
    return json.loads(response.content)


def kinds(response: Any) -> list[str]:
    return [m["kind"] for m in body(response)["items"]]


@pytest.fixture
def busy_ticket(agent, carla_ticket):
    """Carla's ticket with a reply, an internal note mentioning Alice, and a system entry."""
    reply_add(actor=agent, ticket=carla_ticket, body_text="We are on it.")
    note_add(actor=agent, ticket=carla_ticket, body_text="She was overcharged twice.", mention_ids=[agent.pk])
    system_entry_add(ticket=carla_ticket, body_text="A bounce.")
    return carla_ticket


def test_an_agent_reads_the_whole_thread_oldest_first(agent, busy_ticket):
    # when
    response = api_client(agent).get(f"/tickets/{busy_ticket.number}/messages")

    # then
    assert response.status_code == 200
    assert kinds(response) == ["customer", "reply", "note", "system"]
    note = body(response)["items"][2]
    assert note["author"] == {"type": "agent", "id": agent.pk, "name": "Alice"}
    assert (note["body"], note["mentions"], note["ticket"]) == (
        "She was overcharged twice.",
        [{"id": agent.pk, "name": "Alice"}],
        busy_ticket.number,
    )
    assert body(response)["items"][3]["author"] == {"type": "system", "id": None, "name": "Helpline"}


def test_a_customer_never_gets_internal_notes_or_system_entries(customer, busy_ticket):
    # when
    response = api_client(customer).get(f"/tickets/{busy_ticket.number}/messages")

    # then
    assert kinds(response) == ["customer", "reply"]
    assert "overcharged" not in response.content.decode()
    assert all(m["mentions"] == [] for m in body(response)["items"])


def test_the_thread_takes_few_queries(agent, busy_ticket, django_assert_max_num_queries):
    # given
    api = api_client(agent)
    api.get("/me")

    # when
    with django_assert_max_num_queries(9):
        response = api.get(f"/tickets/{busy_ticket.number}/messages")

    # then
    assert len(body(response)["items"]) == 4


def test_the_thread_pages_by_cursor(agent, carla_ticket):
    # given
    for n in range(4):
        note_add(actor=agent, ticket=carla_ticket, body_text=f"Note {n}")
    api = api_client(agent)

    # when
    first = body(api.get(f"/tickets/{carla_ticket.number}/messages", {"limit": 3}))
    second = body(api.get(f"/tickets/{carla_ticket.number}/messages", {"limit": 3, "cursor": first["next_cursor"]}))

    # then
    assert [m["body"] for m in first["items"] + second["items"]] == [
        "Hello, the amount on invoice 42 is wrong.",
        "Note 0",
        "Note 1",
        "Note 2",
        "Note 3",
    ]
    assert second["next_cursor"] is None


def test_the_thread_limit_is_at_most_200(agent, carla_ticket):
    # when
    response = api_client(agent).get(f"/tickets/{carla_ticket.number}/messages", {"limit": 201})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"] == "limit"


def test_nobody_reads_the_thread_of_a_ticket_it_may_not_see(agent, other_customer, carla_ticket, hr_ticket):
    # when
    answers = [
        api_client(agent).get(f"/tickets/{hr_ticket.number}/messages"),
        api_client(other_customer).get(f"/tickets/{carla_ticket.number}/messages"),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404]


def test_an_agent_replies_and_sets_the_status(agent, carla_ticket, ticket_events):
    # when
    response = api_client(agent).post(
        f"/tickets/{carla_ticket.number}/replies", {"body": "Refunded.", "status": "solved", "version": 1}
    )

    # then
    assert response.status_code == 201
    reply = body(response)
    assert (reply["kind"], reply["body"], reply["author"]["id"], reply["attachments"]) == (
        "reply",
        "Refunded.",
        agent.pk,
        [],
    )
    carla_ticket.refresh_from_db()
    assert carla_ticket.status == "solved"
    assert ("ticket.status_changed", {"status": "new"}, {"status": "solved"}) in ticket_events(carla_ticket)


def test_a_collaborator_reply_is_a_403_problem_and_writes_nothing(collaborator, carla_ticket, footprint):
    # given
    api = api_client(collaborator)
    before = footprint()

    # when
    response = api.post(f"/tickets/{carla_ticket.number}/replies", {"body": "Hi!"})

    # then
    assert response.status_code == 403
    assert problem(response)["detail"] == "Collaborators may add internal notes but never reply to customers."
    assert footprint() == before


def test_a_collaborator_writes_notes(collaborator, carla_ticket):
    # when
    response = api_client(collaborator).post(f"/tickets/{carla_ticket.number}/notes", {"body_html": "<b>Seen</b>"})

    # then
    assert response.status_code == 201
    note = body(response)
    assert (note["kind"], note["body"], note["body_html"]) == ("note", "Seen", "<b>Seen</b>")


def test_a_reply_with_a_stale_version_is_a_409_problem(agent, carla_ticket):
    # given
    api = api_client(agent)
    api.patch(f"/tickets/{carla_ticket.number}", {"priority": "high"})

    # when
    response = api.post(f"/tickets/{carla_ticket.number}/replies", {"body": "Hi", "version": 1})

    # then
    assert response.status_code == 409
    assert problem(response)["code"] == "stale-version"
    assert carla_ticket.messages.count() == 1


def test_an_empty_reply_is_a_422_problem(agent, carla_ticket):
    # when
    response = api_client(agent).post(f"/tickets/{carla_ticket.number}/replies", {"body": "  "})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "body", "message": "required"}]


def test_a_customer_writes_on_its_ticket_and_reopens_it(agent, customer, carla_ticket):
    # given
    reply_add(actor=agent, ticket=carla_ticket, body_text="Anything else?", status="pending")

    # when
    response = api_client(customer).post(f"/tickets/{carla_ticket.number}/messages", {"body": "Yes, one more."})

    # then
    assert response.status_code == 201
    message = body(response)
    assert (message["kind"], message["author"], message["ticket"], message["mentions"]) == (
        "customer",
        {"type": "customer", "id": customer.pk, "name": "Carla"},
        carla_ticket.number,
        [],
    )
    carla_ticket.refresh_from_db()
    assert carla_ticket.status == "open"


def test_agents_do_not_write_as_the_customer(agent, carla_ticket, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = api.post(f"/tickets/{carla_ticket.number}/messages", {"body": "Pretending"})

    # then
    assert response.status_code == 403
    assert footprint() == before


def test_customers_neither_reply_nor_write_notes(customer, carla_ticket, footprint):
    # given
    api = api_client(customer)
    before = footprint()

    # when
    answers = [
        api.post(f"/tickets/{carla_ticket.number}/replies", {"body": "x"}),
        api.post(f"/tickets/{carla_ticket.number}/notes", {"body": "x"}),
    ]

    # then
    assert [a.status_code for a in answers] == [403, 403]
    assert footprint() == before


def test_an_agent_reads_the_history(agent, carla_ticket):
    # given
    api = api_client(agent)
    api.patch(f"/tickets/{carla_ticket.number}", {"priority": "high"})

    # when
    response = api.get(f"/tickets/{carla_ticket.number}/events")

    # then
    events = body(response)["items"]
    assert [(e["kind"], e["before"], e["after"]) for e in events][1:] == [
        ("ticket.priority_changed", {"priority": "medium"}, {"priority": "high"})
    ]
    assert events[0]["actor"] == {"type": "system", "id": None, "name": "system"}
    assert events[1]["actor"] == {"type": "agent", "id": agent.pk, "name": "Alice"}
    assert events[0]["message_id"] == carla_ticket.messages.get().pk


def test_customers_do_not_read_the_history(customer, carla_ticket):
    # when
    response = api_client(customer).get(f"/tickets/{carla_ticket.number}/events")

    # then
    assert response.status_code == 403


def test_a_message_on_a_closed_ticket_lands_on_a_follow_up(agent, customer, carla_ticket):
    # given
    reply_add(actor=agent, ticket=carla_ticket, body_text="Done.", status="solved")
    api_client(agent).patch(f"/tickets/{carla_ticket.number}", {"status": "closed"})

    # when
    response = api_client(customer).post(f"/tickets/{carla_ticket.number}/messages", {"body": "It broke again."})

    # then
    assert response.status_code == 201
    follow_up = Message.objects.get(pk=body(response)["id"]).ticket
    assert body(response)["ticket"] == follow_up.number != carla_ticket.number
    assert follow_up.follow_up_of_id == carla_ticket.pk
