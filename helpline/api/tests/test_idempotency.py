"""A POST with an Idempotency-Key runs once; retries get the first answer back."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from helpline.accounts.tokens import token_create
from helpline.api.models import IdempotencyKey
from helpline.api.services import idempotency_keys_prune
from helpline.api.tasks import idempotency_keys_prune as prune_task
from helpline.api.tests.support import ApiClient, api_client, problem
from helpline.tickets import services as ticket_services
from helpline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_ticket(customer: Any, subject: str = "Printer on fire") -> dict[str, Any]:
    return {"subject": subject, "body": "It is really on fire.", "requester_id": customer.pk}


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(agent, customer):
    # given
    api = api_client(agent)
    first = api.post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # when
    retry = api.post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # then
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert (retry["Location"], retry["ETag"], retry["Content-Type"]) == (
        first["Location"],
        first["ETag"],
        first["Content-Type"],
    )
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422_problem_and_writes_nothing(agent, customer, footprint):
    # given
    api = api_client(agent)
    api.post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})
    before = footprint()

    # when
    response = api.post("/tickets", new_ticket(customer, "Another"), **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 422
    assert problem(response)["code"] == "idempotency-key-reused"
    assert footprint() == before


def test_the_same_key_on_another_path_is_a_422_problem(agent, customer, carla_ticket):
    # given
    api = api_client(agent)
    api.post(f"/tickets/{carla_ticket.number}/notes", {"body": "One"}, **{"Idempotency-Key": "k-1"})

    # when
    response = api.post("/tickets", {"body": "One"}, **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 422
    assert problem(response)["code"] == "idempotency-key-reused"


def test_a_retry_while_the_first_still_runs_is_a_409_problem(agent, customer, footprint):
    # given: the first request with this key has claimed it and not finished
    api = api_client(agent)
    body = json.dumps(new_ticket(customer)).encode()
    IdempotencyKey.objects.create(
        owner=f"agent:{agent.pk}",
        key="k-1",
        method="POST",
        path="/api/v1/tickets",
        request_hash=hashlib.sha256(body).hexdigest(),
    )
    before = footprint()

    # when
    response = api.raw("post", "/tickets", body, "application/json", **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert problem(response)["code"] == "idempotency-key-in-use"
    assert footprint() == before


def test_a_key_abandoned_by_a_dead_process_is_taken_over_after_ten_minutes(agent, customer):
    # given
    api = api_client(agent)
    body = json.dumps(new_ticket(customer)).encode()
    with time_machine.travel(T0, tick=False):
        IdempotencyKey.objects.create(
            owner=f"agent:{agent.pk}",
            key="k-1",
            method="POST",
            path="/api/v1/tickets",
            request_hash=hashlib.sha256(body).hexdigest(),
        )

    # when
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        response = api.raw("post", "/tickets", body, "application/json", **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().status_code == 201


def test_client_errors_are_replayed_too(agent, carla_ticket):
    # given: a reply that the transition table refuses
    api = api_client(agent)
    first = api.post(
        f"/tickets/{carla_ticket.number}/replies", {"body": "Hi", "status": "closed"}, **{"Idempotency-Key": "k"}
    )

    # when
    retry = api.post(
        f"/tickets/{carla_ticket.number}/replies", {"body": "Hi", "status": "closed"}, **{"Idempotency-Key": "k"}
    )

    # then
    assert first.status_code == retry.status_code == 409
    assert problem(first)["code"] == "invalid-transition"
    assert IdempotencyKey.objects.count() == 0  # 409 means "try again": not remembered


def test_a_validation_error_is_remembered_and_replayed(agent):
    # given
    api = api_client(agent)
    first = api.post("/tickets", {"subject": 5}, **{"Idempotency-Key": "k"})

    # when
    retry = api.post("/tickets", {"subject": 5}, **{"Idempotency-Key": "k"})

    # then
    assert first.status_code == retry.status_code == 422
    assert retry["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().status_code == 422


def test_a_server_error_is_forgotten_so_that_the_retry_runs_again(agent, customer, monkeypatch):
    # given: the first attempt fails on our side
    api = api_client(agent)
    real = ticket_services.ticket_create

    def flaky(**kwargs: Any) -> Ticket:
        monkeypatch.setattr("helpline.tickets.services.ticket_create", real)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("helpline.tickets.services.ticket_create", flaky)
    first = api.post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # when
    retry = api.post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # then
    assert (first.status_code, retry.status_code) == (500, 201)
    assert not retry.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 1


def test_keys_are_per_caller(agent, other_agent, customer):
    # given
    api_client(agent).post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # when
    response = api_client(other_agent).post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 2


def test_an_uploaded_file_is_fingerprinted_by_its_content(agent, media_root):
    # given
    api = api_client(agent)
    first = api.upload("/attachments", {"file": SimpleUploadedFile("a.txt", b"one")}, **{"Idempotency-Key": "u"})

    # when
    same = api.upload("/attachments", {"file": SimpleUploadedFile("a.txt", b"one")}, **{"Idempotency-Key": "u"})
    other = api.upload("/attachments", {"file": SimpleUploadedFile("a.txt", b"two")}, **{"Idempotency-Key": "u"})

    # then
    assert (first.status_code, same.status_code, other.status_code) == (201, 201, 422)
    assert same["Idempotent-Replayed"] == "true"


def test_an_overlong_key_is_a_422_problem(agent, customer):
    # when
    response = api_client(agent).post("/tickets", new_ticket(customer), **{"Idempotency-Key": "k" * 256})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "Idempotency-Key", "message": "1 to 255 characters"}]
    assert Ticket.objects.count() == 0


def test_keys_older_than_a_day_are_pruned(agent):
    # given
    with time_machine.travel(T0, tick=False):
        IdempotencyKey.objects.create(owner="agent:1", key="old", method="POST", path="/", request_hash="x")
    with time_machine.travel(T0 + timedelta(hours=20), tick=False):
        IdempotencyKey.objects.create(owner="agent:1", key="new", method="POST", path="/", request_hash="x")

    # when
    with time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False):
        deleted = idempotency_keys_prune()

    # then
    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_prune_task_prunes(db):
    # given
    with time_machine.travel(T0, tick=False):
        IdempotencyKey.objects.create(owner="agent:1", key="old", method="POST", path="/", request_hash="x")

    # when
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        deleted = prune_task.call()

    # then
    assert deleted == 1
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_the_same_key_run_once(agent, customer, monkeypatch):
    # given: the first request is held inside the operation until the second has been answered
    real = ticket_services.ticket_create
    inside, release = threading.Event(), threading.Event()

    def slow(**kwargs: Any) -> Ticket:
        inside.set()
        release.wait(timeout=10)
        return real(**kwargs)

    monkeypatch.setattr("helpline.tickets.services.ticket_create", slow)
    _, plain = token_create(agent=agent, name="t")
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            answers[name] = ApiClient(plain).post("/tickets", new_ticket(customer), **{"Idempotency-Key": "same"})
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert inside.wait(timeout=10)

    # when
    second = threading.Thread(target=send, args=("second",))
    second.start()
    second.join(timeout=1)  # PostgreSQL answers at once; SQLite queues the writer behind the first
    release.set()
    first.join(timeout=20)
    second.join(timeout=20)

    # then: one ticket; the second was told to wait, or (queued) got the first answer replayed
    assert answers["first"].status_code == 201
    outcome = (answers["second"].status_code, answers["second"].get("Idempotent-Replayed"))
    assert outcome in {(409, None), (201, "true")}
    assert Ticket.objects.count() == 1
