"""Each caller has HELPLINE_API_RATE_LIMIT requests per window; past it, 429 with Retry-After."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache

from helpline.api.tests.support import ApiClient, api_client, problem

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    settings.HELPLINE_API_RATE_LIMIT = "2/60"
    cache.clear()


def test_the_request_past_the_limit_is_a_429_problem_with_retry_after(agent):
    # given
    api = api_client(agent)

    # when
    with time_machine.travel(T0, tick=False):
        answers = [api.get("/me") for _ in range(3)]

    # then
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2]["RateLimit-Limit"] == "2"
    assert answers[2]["Retry-After"] == "50"
    assert problem(answers[2])["code"] == "rate-limited"


def test_the_next_window_starts_afresh(agent):
    # given
    api = api_client(agent)
    with time_machine.travel(T0, tick=False):
        api.get("/me")
        api.get("/me")

    # when
    with time_machine.travel(T0.replace(minute=1), tick=False):
        response = api.get("/me")

    # then
    assert response.status_code == 200


def test_callers_are_counted_apart(agent, other_agent):
    # given
    alice, oscar = api_client(agent), api_client(other_agent)
    with time_machine.travel(T0, tick=False):
        alice.get("/me")
        alice.get("/me")

        # when
        response = oscar.get("/me")

    # then
    assert response.status_code == 200


def test_callers_without_credentials_are_counted_by_address(db):
    # when
    with time_machine.travel(T0, tick=False):
        answers = [ApiClient().get("/me").status_code for _ in range(3)]

    # then
    assert answers == [401, 401, 429]


def test_a_refused_write_past_the_limit_writes_nothing(agent, carla_ticket, footprint):
    # given
    api = api_client(agent)
    with time_machine.travel(T0, tick=False):
        api.get("/me")
        api.get("/me")
        before = footprint()

        # when
        response = api.post(f"/tickets/{carla_ticket.number}/notes", {"body": "Psst"})

    # then
    assert response.status_code == 429
    assert footprint() == before


def test_the_count_is_shared_through_redis(agent, settings):
    # given: the cache of the scaled mode (every process counts in one place)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "KEY_PREFIX": f"helpline-test-{uuid.uuid4().hex}",
        }
    }
    api = api_client(agent)

    # when
    with time_machine.travel(T0, tick=False):
        answers = [api.get("/me") for _ in range(3)]

    # then
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "50"


def test_a_cache_outage_lets_requests_through(agent, settings):
    # given: a Redis that does not answer
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    api = api_client(agent)

    # when
    answers = [api.get("/me").status_code for _ in range(3)]

    # then
    assert answers == [200, 200, 200]
