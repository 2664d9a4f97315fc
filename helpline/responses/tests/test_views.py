"""/settings/responses/: the list, the form, editing and deleting, for agents and supervisors."""

from __future__ import annotations

import pytest
from django.test import Client

from helpline.accounts.models import Agent
from helpline.responses.models import CannedResponse
from helpline.responses.services import canned_response_create

pytestmark = pytest.mark.django_db


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_a_visitor_is_sent_to_the_sign_in_page():
    # when
    response = Client().get("/settings/responses/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_agent_lists_and_writes_personal_responses_only(agent):
    # given
    client = _signed_in(agent)
    # when
    page = client.get("/settings/responses/").content.decode()
    response = client.post(
        "/settings/responses/",
        {"title": "Thanks", "body": "Thank you, {{ requester.first_name }}!", "scope": "personal"},
    )
    # then
    assert '<option value="personal" selected>Only me</option>' in page
    assert 'value="everyone"' not in page
    assert "{{ requester.first_name }}" in page  # the placeholders are explained
    assert response.status_code == 302 and response["Location"] == "/settings/responses/"
    saved = CannedResponse.objects.get()
    assert (saved.title, saved.scope, saved.owner) == ("Thanks", "personal", agent)
    assert "Thanks" in client.get("/settings/responses/").content.decode()


def test_an_agent_trying_to_share_is_refused_and_nothing_is_saved(agent):
    # when
    response = _signed_in(agent).post("/settings/responses/", {"title": "Hi", "body": "Hello", "scope": "everyone"})
    # then
    assert response.status_code == 422
    assert "Only supervisors (for their teams) and admins share canned responses." in response.content.decode()
    assert not CannedResponse.objects.exists()


def test_a_supervisor_shares_with_their_team(supervisor, agent, support_team):
    # given
    client = _signed_in(supervisor)
    # when
    page = client.get("/settings/responses/").content.decode()
    client.post("/settings/responses/", {"title": "Hello", "body": "Hi", "scope": f"team:{support_team.pk}"})
    # then
    assert f'<option value="team:{support_team.pk}">Team Support</option>' in page
    saved = CannedResponse.objects.get()
    assert (saved.scope, saved.team) == ("team", support_team)
    assert "Hello" in _signed_in(agent).get("/settings/responses/").content.decode()


def test_invalid_input_shows_the_reasons_and_keeps_the_text(agent):
    # when
    response = _signed_in(agent).post(
        "/settings/responses/", {"title": "", "body": "<script>x</script>", "scope": "personal"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert "1 to 200 characters" in html
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in html
    assert not CannedResponse.objects.exists()


def test_the_owner_edits_and_deletes_a_personal_response(agent):
    # given
    mine = canned_response_create(actor=agent, title="Mine", body="x")
    client = _signed_in(agent)
    # when
    client.post(f"/settings/responses/{mine.pk}/", {"title": "Mine, better", "body": "y", "scope": "personal"})
    # then
    mine.refresh_from_db()
    assert (mine.title, mine.body) == ("Mine, better", "y")
    # when
    client.post(f"/settings/responses/{mine.pk}/delete")
    # then
    assert not CannedResponse.objects.exists()


def test_an_agent_sees_a_shared_response_read_only_and_cannot_change_it(agent, supervisor, support_team):
    # given
    shared = canned_response_create(actor=supervisor, title="Hello", body="Hi", scope="team", team=support_team)
    client = _signed_in(agent)
    # when
    page = client.get(f"/settings/responses/{shared.pk}/").content.decode()
    edit = client.post(f"/settings/responses/{shared.pk}/", {"title": "Mine", "body": "Hi", "scope": "personal"})
    client.post(f"/settings/responses/{shared.pk}/delete")
    # then
    assert "A shared response: supervisors and admins change it." in page
    assert 'id="edit-title" name="title"' in page and " disabled" in page
    assert edit.status_code == 422
    shared.refresh_from_db()
    assert (shared.title, shared.scope) == ("Hello", "team")


def test_someone_elses_personal_response_is_a_404(agent, other_agent):
    # given
    mine = canned_response_create(actor=agent, title="Mine", body="x")
    # when / then
    assert _signed_in(other_agent).get(f"/settings/responses/{mine.pk}/").status_code == 404
    assert _signed_in(other_agent).post(f"/settings/responses/{mine.pk}/delete").status_code == 404
    assert CannedResponse.objects.filter(pk=mine.pk).exists()
