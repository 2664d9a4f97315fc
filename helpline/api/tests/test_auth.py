"""Who may call the API: a live token (agent or customer) or a signed-in agent's session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.middleware.csrf import get_token
from django.test import Client

from helpline.accounts.tokens import token_create, token_revoke
from helpline.api.tests.support import ApiClient, api_client, problem
from helpline.core.clock import now

pytestmark = pytest.mark.django_db


def test_without_credentials_the_answer_is_a_401_problem_with_a_bearer_challenge(db):
    # when
    response = ApiClient().get("/me")

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="helpline"'
    assert problem(response)["code"] == "unauthenticated"


@pytest.mark.parametrize("header", ["Bearer hl_nope_nope", "Bearer", "Basic YWxpY2U6c2VjcmV0", "hl_x_y"])
def test_a_malformed_or_unknown_token_is_a_401_problem(db, header):
    # when
    response = ApiClient(Authorization=header).get("/me")

    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "unauthenticated"


def test_an_agent_token_makes_the_agent_the_actor(agent):
    # when
    response = api_client(agent).get("/me")

    # then
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "type": "agent",
        "id": agent.pk,
        "name": "Alice",
        "email": "alice@helpline.test",
        "role": "agent",
        "time_zone": "UTC",
        "teams": [{"id": agent.memberships.get().team_id, "name": "Support", "is_lead": False}],
    }


def test_a_customer_token_makes_the_customer_the_actor(customer):
    # when
    response = api_client(customer).get("/me")

    # then
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "type": "customer",
        "id": customer.pk,
        "name": "Carla",
        "email": "carla@example.com",
        "role": None,
        "time_zone": "",
        "teams": [],
    }


def test_the_token_of_a_deactivated_agent_is_refused(agent):
    # given
    api = api_client(agent)
    agent.is_active = False
    agent.save()

    # when
    response = api.get("/me")

    # then
    assert response.status_code == 401


def test_revoked_and_expired_tokens_are_refused(agent):
    # given
    revoked, revoked_plain = token_create(agent=agent, name="old")
    token_revoke(token=revoked)
    expiring, expiring_plain = token_create(agent=agent, name="short", expires_at=now() + timedelta(seconds=1))
    type(expiring).objects.filter(pk=expiring.pk).update(expires_at=now() - timedelta(seconds=1))

    # when
    answers = [ApiClient(plain).get("/me").status_code for plain in (revoked_plain, expiring_plain)]

    # then
    assert answers == [401, 401]


def test_a_signed_in_agent_reads_through_the_session(agent):
    # given
    client = Client()
    client.force_login(agent)

    # when
    response = client.get("/api/v1/me")

    # then
    assert response.status_code == 200
    assert json.loads(response.content)["id"] == agent.pk


def test_a_session_write_without_the_csrf_token_is_a_403_problem_and_writes_nothing(agent, carla_ticket, footprint):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = footprint()

    # when
    response = client.post(
        f"/api/v1/tickets/{carla_ticket.number}/notes", json.dumps({"body": "Psst"}), content_type="application/json"
    )

    # then
    assert response.status_code == 403
    assert problem(response)["detail"] == "The CSRF token is missing or wrong: reload the page and try again."
    assert footprint() == before


def test_a_session_write_with_the_csrf_token_goes_through(agent, carla_ticket, rf):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    token = get_token(rf.get("/"))
    client.cookies["csrftoken"] = token

    # when
    response = client.post(
        f"/api/v1/tickets/{carla_ticket.number}/notes",
        json.dumps({"body": "Psst"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    # then
    assert response.status_code == 201
    assert carla_ticket.messages.filter(kind="note").count() == 1


def test_the_session_of_a_deactivated_agent_is_refused(agent):
    # given
    client = Client()
    client.force_login(agent)
    agent.is_active = False
    agent.save()

    # when
    response = client.get("/api/v1/me")

    # then
    assert response.status_code == 401
