"""Canned responses: who may write, change and delete which, and the events they leave."""

from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.responses.models import CannedResponse
from helpline.responses.selectors import canned_response_get, canned_responses_visible
from helpline.responses.services import canned_response_create, canned_response_delete, canned_response_update

pytestmark = pytest.mark.django_db


def _events() -> list[tuple[str, str]]:
    return list(Event.objects.filter(entity="canned_response").order_by("id").values_list("kind", "actor_agent__name"))


def test_any_agent_writes_a_personal_response_that_only_they_see(agent, other_agent, supervisor):
    # when
    mine = canned_response_create(actor=agent, title="  Thanks ", body="Thank you, {{ requester.first_name }}!")
    # then
    assert (mine.title, mine.scope, mine.owner, mine.team) == ("Thanks", "personal", agent, None)
    assert canned_responses_visible(actor=agent) == [mine]
    assert canned_responses_visible(actor=other_agent) == canned_responses_visible(actor=supervisor) == []
    with pytest.raises(NotFound):
        canned_response_get(actor=supervisor, canned_response_id=mine.pk)
    event = Event.objects.get(entity="canned_response")
    assert (event.kind, event.actor_agent, event.entity_id, event.after["title"]) == (
        "canned_response.created",
        agent,
        mine.pk,
        "Thanks",
    )


def test_an_agent_may_not_share_a_response(agent, support_team):
    # when / then
    with pytest.raises(PermissionDenied):
        canned_response_create(actor=agent, title="Hi", body="Hello", scope="everyone")
    with pytest.raises(PermissionDenied):
        canned_response_create(actor=agent, title="Hi", body="Hello", scope="team", team=support_team)
    assert not CannedResponse.objects.exists()
    assert _events() == []


def test_a_supervisor_shares_with_their_team_and_everyone_but_not_other_teams(
    supervisor, agent, other_agent, support_team, billing_team
):
    # when
    team_one = canned_response_create(actor=supervisor, title="Support", body="x", scope="team", team=support_team)
    everyone = canned_response_create(actor=supervisor, title="All", body="y", scope="everyone")
    # then
    with pytest.raises(PermissionDenied):
        canned_response_create(actor=supervisor, title="Billing", body="z", scope="team", team=billing_team)
    assert canned_responses_visible(actor=agent) == [everyone, team_one]
    assert canned_responses_visible(actor=other_agent) == [everyone]
    assert CannedResponse.objects.count() == 2


def test_an_admin_shares_with_any_team(admin, other_agent, billing_team):
    # when
    response = canned_response_create(actor=admin, title="Billing", body="z", scope="team", team=billing_team)
    # then
    assert canned_responses_visible(actor=other_agent) == [response]


def test_invalid_responses_are_refused_with_every_reason(supervisor, support_team):
    # when / then
    with pytest.raises(InvalidInput) as refused:
        canned_response_create(actor=supervisor, title=" ", body="", scope="team")
    assert refused.value.errors == [
        {"field": "title", "message": "1 to 200 characters"},
        {"field": "body", "message": "1 to 20000 characters"},
        {"field": "team", "message": "a team response names its team; others none"},
    ]
    assert not CannedResponse.objects.exists()


def test_shared_responses_are_changed_by_supervisors_and_admins_not_agents(agent, supervisor, admin, support_team):
    # given
    shared = canned_response_create(actor=supervisor, title="Hello", body="Hi", scope="team", team=support_team)
    # when an agent of the team tries
    with pytest.raises(PermissionDenied):
        canned_response_update(
            actor=agent, canned_response=shared.pk, title="Mine", body="Hi", scope="team", team=support_team
        )
    with pytest.raises(PermissionDenied):
        canned_response_delete(actor=agent, canned_response=shared.pk)
    # then nothing changed; an admin changes it and deletes it
    shared.refresh_from_db()
    assert shared.title == "Hello"
    canned_response_update(
        actor=admin, canned_response=shared.pk, title="Hello there", body="Hi", scope="team", team=support_team
    )
    canned_response_delete(actor=admin, canned_response=shared.pk)
    assert not CannedResponse.objects.exists()
    assert _events() == [
        ("canned_response.created", "Sam"),
        ("canned_response.updated", "Ada"),
        ("canned_response.deleted", "Ada"),
    ]
    updated = Event.objects.get(kind="canned_response.updated")
    assert (updated.before, updated.after) == ({"title": "Hello"}, {"title": "Hello there"})


def test_a_personal_response_of_someone_else_cannot_even_be_found(agent, admin):
    # given
    mine = canned_response_create(actor=agent, title="Mine", body="x")
    # when / then
    with pytest.raises(NotFound):
        canned_response_update(actor=admin, canned_response=mine.pk, title="Ha", body="x", scope="personal")
    with pytest.raises(NotFound):
        canned_response_delete(actor=admin, canned_response=mine.pk)
    mine.refresh_from_db()
    assert mine.title == "Mine"


def test_a_shared_response_made_personal_becomes_the_editors(supervisor, admin):
    # given
    shared = canned_response_create(actor=supervisor, title="Hello", body="Hi", scope="everyone")
    # when
    canned_response_update(actor=admin, canned_response=shared.pk, title="Hello", body="Hi", scope="personal")
    # then
    shared.refresh_from_db()
    assert (shared.scope, shared.owner) == ("personal", admin)


def test_an_update_that_changes_nothing_writes_no_event(agent):
    # given
    mine = canned_response_create(actor=agent, title="Mine", body="x")
    # when
    canned_response_update(actor=agent, canned_response=mine.pk, title="Mine", body="x", scope="personal")
    # then
    assert _events() == [("canned_response.created", "Alice")]
