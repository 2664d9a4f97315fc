from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from helpline.accounts.models import Agent, ApiToken
from helpline.accounts.tokens import token_authenticate, token_create, token_revoke
from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, PermissionDenied
from helpline.customers.models import Customer

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOKEN_RE = re.compile(r"^hl_([a-z0-9]{10})_([A-Za-z0-9_-]{43,})$")


# ------------------------------------------------------------------ create


def test_create_returns_the_plain_token_once_and_stores_only_the_hash_of_its_secret(agent):
    # given / when
    with time_machine.travel(T0, tick=False):
        token, plain = token_create(agent=agent, name="laptop")

    # then
    match = TOKEN_RE.match(plain)
    assert match is not None, plain
    prefix, secret = match.groups()
    row = ApiToken.objects.get()
    assert row.pk == token.pk
    assert (row.prefix, row.name, row.agent_id, row.customer_id) == (prefix, "laptop", agent.pk, None)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.secret_hash
    assert (row.created_at, row.last_used_at, row.expires_at, row.revoked_at) == (T0, None, None, None)


def test_create_records_an_audit_event_without_secrets(agent, admin):
    # given
    expires_at = T0 + timedelta(days=30)

    # when
    with time_machine.travel(T0, tick=False):
        token, plain = token_create(agent=agent, name="ci", expires_at=expires_at, actor=admin)

    # then
    event = Event.objects.get()
    assert (event.kind, event.entity, event.entity_id) == ("token.created", "api_token", token.pk)
    assert (event.actor_agent_id, event.ticket_id, event.before) == (admin.pk, None, {})
    assert event.after == {
        "name": "ci",
        "prefix": token.prefix,
        "owner": f"agent:{agent.pk}",
        "expires_at": "2026-04-01T09:00:00+00:00",
        "revoked_at": None,
    }
    stored = json.dumps([event.before, event.after])
    assert plain.rsplit("_", 1)[-1] not in stored
    assert token.secret_hash not in stored


def test_two_tokens_never_share_a_prefix_or_a_secret(agent):
    # given / when
    first, first_plain = token_create(agent=agent, name="one")
    second, second_plain = token_create(agent=agent, name="two")

    # then
    assert first.prefix != second.prefix
    assert first.secret_hash != second.secret_hash
    assert first_plain != second_plain


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"name": "x"}, [{"field": "owner", "message": "give exactly one of agent or customer"}]),
        (
            {"name": "  "},
            [
                {"field": "owner", "message": "give exactly one of agent or customer"},
                {"field": "name", "message": "this field is required"},
            ],
        ),
        (
            {"name": "x" * 101},
            [
                {"field": "owner", "message": "give exactly one of agent or customer"},
                {"field": "name", "message": "longer than 100 characters"},
            ],
        ),
    ],
)
def test_create_refuses_invalid_input_and_writes_nothing(kwargs, errors):
    # when
    with pytest.raises(InvalidInput) as raised:
        token_create(**kwargs)

    # then
    assert raised.value.errors == errors
    assert ApiToken.objects.count() == 0
    assert Event.objects.count() == 0


def test_create_refuses_both_owners_a_past_expiry_and_an_inactive_agent(agent, customer):
    # given
    agent.is_active = False
    agent.save()

    # when
    with time_machine.travel(T0, tick=False), pytest.raises(InvalidInput) as raised:
        token_create(agent=agent, customer=customer, name="x", expires_at=T0)

    # then
    assert raised.value.errors == [
        {"field": "owner", "message": "give exactly one of agent or customer"},
        {"field": "agent", "message": "this agent is deactivated"},
        {"field": "expires_at", "message": "must be in the future"},
    ]
    assert ApiToken.objects.count() == 0
    assert Event.objects.count() == 0


def test_an_agent_may_not_create_a_token_for_another_agent(agent, other_agent):
    # when
    with pytest.raises(PermissionDenied):
        token_create(agent=agent, name="sneaky", actor=other_agent)

    # then
    assert ApiToken.objects.count() == 0
    assert Event.objects.count() == 0


def test_only_an_admin_creates_customer_tokens(agent, admin, customer):
    # when
    with pytest.raises(PermissionDenied):
        token_create(customer=customer, name="portal", actor=agent)
    token, _plain = token_create(customer=customer, name="portal", actor=admin)

    # then
    assert list(ApiToken.objects.values_list("pk", "customer_id")) == [(token.pk, customer.pk)]


# ------------------------------------------------------------------ authenticate


def test_authenticate_returns_the_token_and_notes_when_it_was_used(agent):
    # given
    with time_machine.travel(T0, tick=False):
        token, plain = token_create(agent=agent, name="laptop")

    # when
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        found = token_authenticate(plain)

    # then
    assert found is not None
    assert (found.pk, found.agent, found.last_used_at) == (token.pk, agent, T0 + timedelta(seconds=5))
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(seconds=5)


def test_last_used_at_is_written_at_most_once_a_minute(agent):
    # given
    with time_machine.travel(T0, tick=False):
        token, plain = token_create(agent=agent, name="laptop")
        token_authenticate(plain)

    # when: used again within the minute, then after it
    with time_machine.travel(T0 + timedelta(seconds=59), tick=False):
        assert token_authenticate(plain) is not None
    token.refresh_from_db()
    within_the_minute = token.last_used_at
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert token_authenticate(plain) is not None
    token.refresh_from_db()

    # then
    assert within_the_minute == T0
    assert token.last_used_at == T0 + timedelta(seconds=61)


@pytest.mark.parametrize(
    "raw",
    ["", "hl_", "hl__", "hl_abc", "hl_abcdefghij_", "xx_abcdefghij_secret", "Bearer hl_a_b", "hl_unknown123_x"],
)
def test_authenticate_refuses_malformed_and_unknown_tokens(agent, raw):
    # given
    token_create(agent=agent, name="laptop")

    # when / then
    assert token_authenticate(raw) is None


def test_authenticate_refuses_a_wrong_secret_and_leaves_the_row_alone(agent):
    # given
    token, plain = token_create(agent=agent, name="laptop")
    wrong = f"hl_{token.prefix}_{'A' * 43}"

    # when
    found = token_authenticate(wrong)

    # then
    assert found is None
    token.refresh_from_db()
    assert token.last_used_at is None
    assert token_authenticate(plain[:-1]) is None


def test_authenticate_refuses_a_revoked_token(agent):
    # given
    token, plain = token_create(agent=agent, name="laptop")
    token_revoke(token=token)

    # when / then
    assert token_authenticate(plain) is None
    token.refresh_from_db()
    assert token.last_used_at is None


def test_authenticate_refuses_an_expired_token(agent):
    # given
    with time_machine.travel(T0, tick=False):
        token, plain = token_create(agent=agent, name="laptop", expires_at=T0 + timedelta(days=1))

    # when
    with time_machine.travel(T0 + timedelta(days=1, seconds=-1), tick=False):
        before_expiry = token_authenticate(plain)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        at_expiry = token_authenticate(plain)

    # then
    assert before_expiry is not None
    assert at_expiry is None


def test_authenticate_refuses_the_token_of_a_deactivated_agent(agent):
    # given
    _token, plain = token_create(agent=agent, name="laptop")
    Agent.objects.filter(pk=agent.pk).update(is_active=False)

    # when / then
    assert token_authenticate(plain) is None


def test_customer_tokens_work_until_the_customer_is_merged(admin, customer):
    # given
    token, plain = token_create(customer=customer, name="portal", actor=admin)
    assert token_authenticate(plain) == token
    survivor = Customer.objects.create(name="Carla (main)")

    # when
    Customer.objects.filter(pk=customer.pk).update(merged_into=survivor)

    # then
    assert token_authenticate(plain) is None


# ------------------------------------------------------------------ revoke


def test_revoke_records_one_event_and_a_second_revoke_changes_nothing(agent, admin):
    # given
    with time_machine.travel(T0, tick=False):
        token, _plain = token_create(agent=agent, name="laptop")

    # when
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        token_revoke(token=token, actor=admin)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        again = token_revoke(token=ApiToken.objects.get(pk=token.pk), actor=admin)

    # then
    assert again.revoked_at == T0 + timedelta(hours=1)
    events = list(Event.objects.order_by("id").values_list("kind", "actor_agent_id", "before", "after"))
    assert events[1:] == [
        (
            "token.revoked",
            admin.pk,
            {"revoked_at": None},
            {
                "name": "laptop",
                "prefix": token.prefix,
                "owner": f"agent:{agent.pk}",
                "expires_at": None,
                "revoked_at": "2026-03-02T10:00:00+00:00",
            },
        )
    ]


def test_an_agent_revokes_its_own_token_but_not_another_agents(agent, other_agent):
    # given
    token, _plain = token_create(agent=agent, name="laptop")

    # when
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=other_agent)
    token.refresh_from_db()
    revoked_by_bob = token.revoked_at
    token_revoke(token=token, actor=agent)
    token.refresh_from_db()

    # then
    assert revoked_by_bob is None
    assert token.revoked_at is not None
    assert list(Event.objects.values_list("kind", flat=True).order_by("id")) == [
        "token.created",
        "token.revoked",
    ]


# ------------------------------------------------------------------ helpline token …


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_create_prints_the_token_once_and_it_authenticates(agent):
    # when
    out, err = _run("create", "--email", "ALICE@helpline.test", "--name", "deploy", "--expires-days", "7")

    # then
    lines = out.splitlines()
    assert len(lines) == 1
    assert TOKEN_RE.match(lines[0])
    token = token_authenticate(lines[0])
    assert token is not None
    assert (token.agent, token.name) == (agent, "deploy")
    assert token.expires_at is not None
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)
    assert err == f"Token {token.prefix} for alice@helpline.test created; it is shown only now: keep it safe.\n"
    assert lines[0] not in err


def test_cli_list_shows_prefixes_and_states_but_no_secret(agent):
    # given
    with time_machine.travel(T0, tick=False):
        live, live_plain = token_create(agent=agent, name="laptop")
        dead, _dead_plain = token_create(agent=agent, name="old")
        token_revoke(token=dead)

    # when
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        out, _err = _run("list", "--email", "alice@helpline.test")

    # then
    assert out.splitlines() == [
        "PREFIX       STATUS   CREATED           LAST USED         EXPIRES           NAME",
        f"{live.prefix}   active   2026-03-02 09:00  -                 -                 laptop",
        f"{dead.prefix}   revoked  2026-03-02 09:00  -                 -                 old",
    ]
    assert live_plain.rsplit("_", 1)[-1] not in out


def test_cli_revoke_by_prefix(agent):
    # given
    token, plain = token_create(agent=agent, name="laptop")

    # when
    first, _ = _run("revoke", token.prefix)
    second, _ = _run("revoke", token.prefix)

    # then
    assert first == f"Token {token.prefix} is now revoked.\n"
    assert second == f"Token {token.prefix} was already revoked.\n"
    assert token_authenticate(plain) is None
    assert Event.objects.filter(kind="token.revoked").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "--email", "nobody@example.com"), "No agent has the email 'nobody@example.com'."),
        (("list", "--email", "nobody@example.com"), "No agent has the email 'nobody@example.com'."),
        (("revoke", "zzzzzzzzzz"), "No token has the prefix 'zzzzzzzzzz'."),
        (("create", "--email", "alice@helpline.test", "--expires-days", "0"), "--expires-days must be 1 or more."),
        (
            ("create", "--email", "alice@helpline.test", "--name", " "),
            "The token cannot be created. (name: this field is required)",
        ),
    ],
)
def test_cli_errors_say_what_is_wrong_and_create_nothing(agent, args, message):
    # when
    with pytest.raises(CommandError) as raised:
        _run(*args)

    # then
    assert str(raised.value) == message
    assert ApiToken.objects.count() == 0
    assert Event.objects.count() == 0
