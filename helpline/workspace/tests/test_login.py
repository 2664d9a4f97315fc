"""The workspace sign-in: failed attempts are limited per address and per IP."""

from __future__ import annotations

import pytest
from django.test import Client

from helpline.accounts.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return AgentFactory.create(email="alice@helpline.test", name="Alice", password=PASSWORD)


def _attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_after_too_many_failures_for_an_address_even_the_right_password_waits(alice, settings):
    # given
    settings.HELPLINE_LOGIN_RATE_LIMIT = "3/900"
    client = Client()
    # when
    failures = [_attempt(client, "alice@helpline.test", f"guess {n}", ip=f"10.0.0.{n}") for n in range(3)]
    right = _attempt(client, "Alice@helpline.test", PASSWORD, ip="10.0.0.9")
    # then
    assert [r.status_code for r in failures] == [200, 200, 429]
    assert right.status_code == 429
    assert "Too many failed sign-in attempts. Please wait" in right.content.decode()
    assert 0 < int(right["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session
    assert 'value="Alice@helpline.test"' in right.content.decode()


def test_one_ip_guessing_many_addresses_is_stopped(alice, settings):
    # given
    settings.HELPLINE_LOGIN_IP_RATE_LIMIT = "4/900"
    # when
    answers = [_attempt(Client(), f"guess{n}@helpline.test", "x").status_code for n in range(4)]
    from_there = _attempt(Client(), "alice@helpline.test", PASSWORD)
    elsewhere = _attempt(Client(), "alice@helpline.test", PASSWORD, ip="10.0.0.2")
    # then
    assert answers == [200, 200, 200, 429]
    assert from_there.status_code == 429
    assert elsewhere.status_code == 302 and elsewhere["Location"] == "/"


def test_a_successful_sign_in_is_not_counted(alice, settings):
    # given
    settings.HELPLINE_LOGIN_RATE_LIMIT = "2/900"
    # when
    answers = [_attempt(Client(), "alice@helpline.test", PASSWORD).status_code for _ in range(3)]
    # then
    assert answers == [302, 302, 302]
