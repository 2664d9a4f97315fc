"""`helpline ensure_admin` (the command lives in accounts; `helpline serve` runs it)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from helpline.accounts.models import Agent
from helpline.audit.models import Event

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"^    password:  (\S+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def no_admin_env(monkeypatch):
    for name in ("HELPLINE_ADMIN_EMAIL", "HELPLINE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def _ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_first_run_creates_admin_at_localhost_and_prints_the_generated_password_once():
    # when
    first = _ensure_admin()
    second = _ensure_admin()

    # then
    passwords = PASSWORD_LINE.findall(first)
    assert len(passwords) == 1
    assert len(passwords[0]) >= 24
    admin = Agent.objects.get()
    assert (admin.email, admin.name, admin.role) == ("admin@localhost", "Admin", Agent.Role.ADMIN)
    assert (admin.is_staff, admin.is_superuser, admin.is_active) == (True, True, True)
    assert admin.check_password(passwords[0])
    assert first.count("ONLY THIS ONCE") == 1
    assert second == "An admin agent exists (admin@localhost); nothing to do.\n"
    assert list(Event.objects.values_list("kind", "entity", "entity_id")) == [("agent.created", "agent", admin.pk)]


def test_admin_from_the_environment_and_the_password_is_not_printed(monkeypatch):
    # given
    monkeypatch.setenv("HELPLINE_ADMIN_EMAIL", "Boss@Example.com")
    monkeypatch.setenv("HELPLINE_ADMIN_PASSWORD", "correct horse battery staple")

    # when
    out = _ensure_admin()

    # then
    admin = Agent.objects.get()
    assert (admin.email, admin.role, admin.is_staff, admin.is_superuser) == (
        "boss@example.com",
        Agent.Role.ADMIN,
        True,
        True,
    )
    assert admin.check_password("correct horse battery staple")
    assert out == "Created the admin agent boss@example.com (HELPLINE_ADMIN_PASSWORD).\n"


def test_password_file_is_read_like_every_secret(monkeypatch, tmp_path):
    # given
    secret = tmp_path / "admin-password"
    secret.write_text("a long enough passphrase\n")
    monkeypatch.setenv("HELPLINE_ADMIN_PASSWORD_FILE", str(secret))

    # when
    _ensure_admin()

    # then
    assert Agent.objects.get(email="admin@localhost").check_password("a long enough passphrase")


def test_nothing_happens_when_an_admin_exists(monkeypatch):
    # given
    Agent.objects.create_superuser("first@example.com", None, name="First")
    monkeypatch.setenv("HELPLINE_ADMIN_EMAIL", "second@example.com")

    # when
    out = _ensure_admin()

    # then
    assert out == "An admin agent exists (first@example.com); nothing to do.\n"
    assert list(Agent.objects.values_list("email", flat=True)) == ["first@example.com"]
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HELPLINE_ADMIN_PASSWORD": "short"}, "HELPLINE_ADMIN_PASSWORD is too weak: This password is too short."),
        ({"HELPLINE_ADMIN_EMAIL": "not an address"}, "HELPLINE_ADMIN_EMAIL 'not an address' is not an email address."),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_created(monkeypatch, env, message):
    # given
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    # when
    with pytest.raises(CommandError) as raised:
        _ensure_admin()

    # then
    assert str(raised.value).startswith(message)
    assert Agent.objects.count() == 0
    assert Event.objects.count() == 0


def test_an_existing_agent_with_the_admin_email_is_not_promoted_silently(monkeypatch):
    # given
    Agent.objects.create_user("boss@example.com", None, name="Boss")
    monkeypatch.setenv("HELPLINE_ADMIN_EMAIL", "boss@example.com")

    # when
    with pytest.raises(CommandError) as raised:
        _ensure_admin()

    # then
    assert "the agent boss@example.com exists and is not an admin" in str(raised.value)
    boss = Agent.objects.get()
    assert (boss.role, boss.is_staff, boss.is_superuser) == (Agent.Role.AGENT, False, False)
