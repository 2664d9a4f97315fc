"""API tokens in the settings: one's own, the secret shown once, revoking."""

from __future__ import annotations

import re

import pytest

from helpline.accounts.models import ApiToken
from helpline.accounts.tokens import token_authenticate, token_create

pytestmark = pytest.mark.django_db


def test_an_agent_creates_a_token_and_sees_its_secret_once(agent, signed_in):
    # given
    client = signed_in(agent)
    # when
    created = client.post("/settings/tokens/", {"name": "CRM sync"})
    later = client.get("/settings/tokens/").content.decode()
    # then
    found = re.search(r'value="(hl_[a-z0-9]+_[^"]+)"', created.content.decode())
    assert found is not None
    secret = found.group(1)
    token = token_authenticate(secret)
    assert token is not None and token.agent == agent
    assert created["Cache-Control"].startswith("max-age=0")
    assert secret not in later and "CRM sync" in later


def test_an_agent_sees_and_revokes_only_their_own_tokens(agent, other_agent, signed_in):
    # given
    mine, _ = token_create(actor=agent, agent=agent, name="mine")
    theirs, _ = token_create(actor=other_agent, agent=other_agent, name="theirs")
    client = signed_in(agent)
    # when
    html = client.get("/settings/tokens/").content.decode()
    refused = client.post(f"/settings/tokens/{theirs.pk}/revoke")
    revoked = client.post(f"/settings/tokens/{mine.pk}/revoke")
    # then
    assert "mine" in html and "theirs" not in html
    assert refused.status_code == 404
    assert revoked.status_code == 302
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None


def test_an_admin_sees_and_revokes_everyones_tokens(admin, agent, signed_in):
    # given
    theirs, _ = token_create(actor=agent, agent=agent, name="alice's script")
    client = signed_in(admin)
    # when
    html = client.get("/settings/tokens/").content.decode()
    client.post(f"/settings/tokens/{theirs.pk}/revoke")
    # then
    assert "alice&#x27;s script" in html and "Alice" in html
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is not None


def test_a_token_without_a_name_is_refused_with_a_message(agent, signed_in):
    response = signed_in(agent).post("/settings/tokens/", {"name": "  "})
    assert response.status_code == 422 and "this field is required" in response.content.decode()
    assert not ApiToken.objects.exists()
