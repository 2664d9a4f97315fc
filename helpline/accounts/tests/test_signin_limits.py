"""Failed sign-ins per address and per IP (accounts/signin_limits.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from helpline.accounts.signin_limits import sign_in_blocked_seconds, sign_in_failed
from helpline.core.clock import now


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, config in settings.CACHES.items()
    }
    settings.HELPLINE_LOGIN_RATE_LIMIT = "3/600"
    settings.HELPLINE_LOGIN_IP_RATE_LIMIT = "5/600"


def test_the_third_failure_for_an_address_blocks_it_for_the_rest_of_the_window():
    # given
    with time_machine.travel(now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1), tick=False):
        # when
        waits = [sign_in_failed(realm="agent", email="a@x.test", ip=f"10.0.0.{n}") for n in range(3)]
        # then
        assert waits == [0, 0, 600]
        assert sign_in_blocked_seconds(realm="agent", email="A@X.test ", ip="10.9.9.9") == 600
        assert sign_in_blocked_seconds(realm="agent", email="b@x.test", ip="10.9.9.9") == 0
        assert sign_in_blocked_seconds(realm="portal", email="a@x.test", ip="10.9.9.9") == 0


def test_many_addresses_from_one_ip_block_the_ip():
    # when
    for n in range(5):
        sign_in_failed(realm="agent", email=f"guess{n}@x.test", ip="10.0.0.1")
    # then
    assert sign_in_blocked_seconds(realm="agent", email="someone@x.test", ip="10.0.0.1") > 0
    assert sign_in_blocked_seconds(realm="agent", email="someone@x.test", ip="10.0.0.2") == 0


def test_the_block_ends_with_the_window():
    # given
    start = now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            sign_in_failed(realm="agent", email="a@x.test", ip="")
    # when
    with time_machine.travel(start + timedelta(seconds=601), tick=False):
        wait = sign_in_blocked_seconds(realm="agent", email="a@x.test", ip="")
    # then
    assert wait == 0
