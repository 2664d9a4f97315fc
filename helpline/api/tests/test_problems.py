"""Every error is an RFC 9457 problem document, and a refused request writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpline.api.tests.support import api_client, problem
from helpline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_is_a_400_problem_and_writes_nothing(agent, customer, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = api.raw("post", "/tickets", '{"subject": "Hi",', "application/json")

    # then
    assert response.status_code == 400
    assert problem(response) == {
        "type": "https://helpline.invalid/problems/malformed-json",
        "title": "Malformed JSON",
        "status": 400,
        "detail": "The body is not valid JSON.",
        "instance": "/api/v1/tickets",
        "code": "malformed-json",
        "errors": [],
    }
    assert footprint() == before


def test_a_body_that_is_not_utf8_is_a_400_problem(agent):
    # when
    response = api_client(agent).raw("post", "/tickets", b'{"subject": "\xff"}', "application/json")

    # then
    assert response.status_code == 400
    assert problem(response)["code"] == "malformed-json"


def test_an_unknown_field_is_a_422_problem_naming_it_and_writes_nothing(agent, customer, footprint):
    # given
    api = api_client(agent)
    before = footprint()
    body = {"subject": "Hi", "body": "Hello", "requester_id": customer.pk, "colour": "blue"}

    # when
    response = api.post("/tickets", body)

    # then
    assert response.status_code == 422
    document = problem(response)
    assert (document["code"], document["title"], document["instance"]) == (
        "invalid-input",
        "Invalid input",
        "/api/v1/tickets",
    )
    assert document["errors"] == [{"field": "colour", "message": "unknown field"}]
    assert footprint() == before


def test_a_wrong_type_is_a_422_problem_naming_each_field(agent, customer, footprint):
    # given
    api = api_client(agent)
    before = footprint()
    body = {"subject": ["not", "text"], "body": "Hello", "requester_id": "carla", "requester": {"email": 5}}

    # when
    response = api.post("/tickets", body)

    # then
    assert response.status_code == 422
    fields = [e["field"] for e in problem(response)["errors"]]
    assert fields == ["subject", "requester.email", "requester_id"]
    assert footprint() == before


def test_a_wrong_query_parameter_is_a_422_problem_naming_it(agent):
    # when
    response = api_client(agent).get("/tickets", {"limit": "many", "status": "lost"})

    # then
    assert response.status_code == 422
    assert [e["field"] for e in problem(response)["errors"]] == ["status.0", "limit"]


def test_a_body_larger_than_the_limit_is_a_413_problem_and_writes_nothing(agent, customer, settings, footprint):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = api_client(agent)
    before = footprint()
    body = {"subject": "Hi", "body": "x" * 2000, "requester_id": customer.pk}

    # when
    response = api.post("/tickets", body)

    # then
    assert response.status_code == 413
    assert problem(response)["code"] == "too-large"
    assert footprint() == before


def test_a_service_error_keeps_its_status_code_title_and_field_errors(agent, customer):
    # when: the requester's address is not one
    response = api_client(agent).post(
        "/tickets", {"subject": "Hi", "body": "Hello", "requester": {"email": "not-an-address"}}
    )

    # then
    assert response.status_code == 422
    assert problem(response) == {
        "type": "https://helpline.invalid/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": "'not-an-address' is not an e-mail address.",
        "instance": "/api/v1/tickets",
        "code": "invalid-input",
        "errors": [{"field": "requester.email", "message": "not an e-mail address"}],
    }


def test_an_unknown_path_is_a_404_problem(agent):
    # when
    response = api_client(agent).get("/tickets/1000/nothing-here")

    # then
    assert response.status_code == 404
    assert problem(response)["instance"] == "/api/v1/tickets/1000/nothing-here"


def test_a_method_the_path_does_not_have_is_a_405_problem_with_allow(agent):
    # when
    response = api_client(agent).delete("/me")

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert problem(response)["detail"] == "DELETE is not allowed here; allowed: GET."


def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_and_writes_nothing(
    agent, customer, monkeypatch, footprint
):
    # given: a service fails half-way, after the requester was created
    def broken(**kwargs: Any) -> Ticket:
        raise RuntimeError("password=hunter2 at /srv/helpline/secret.py")

    monkeypatch.setattr("helpline.tickets.services.ticket_create", broken)
    api = api_client(agent)
    before = footprint()

    # when
    response = api.post("/tickets", {"subject": "Hi", "body": "Hello", "requester": {"email": "new@example.org"}})

    # then
    assert response.status_code == 500
    document = problem(response)
    assert (document["code"], document["detail"]) == (
        "internal-error",
        "Something went wrong on our side; it has been logged.",
    )
    assert "hunter2" not in response.content.decode()
    assert footprint() == before


def test_problems_name_the_request_path_as_instance(agent):
    # when
    response = api_client(agent).get("/tickets/999999")

    # then
    assert json.loads(response.content)["instance"] == "/api/v1/tickets/999999"
