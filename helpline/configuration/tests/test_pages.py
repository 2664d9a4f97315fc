"""Every settings screen opens for those it is meant for, and is refused to the others."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SUPERVISOR_PAGES = [
    "/settings/agents/",
    "/settings/teams/",
    "/settings/organizations/",
    "/settings/categories/",
    "/settings/tags/",
]
ADMIN_PAGES = ["/settings/fields/", "/settings/company/"]
EVERYONE = ["/settings/tokens/", "/me/preferences"]


@pytest.mark.parametrize("path", SUPERVISOR_PAGES + ADMIN_PAGES + EVERYONE)
def test_an_admin_opens_every_settings_page(admin, signed_in, path):
    # when
    response = signed_in(admin).get(path)
    # then
    assert response.status_code == 200
    assert 'aria-label="Settings"' in response.content.decode()


@pytest.mark.parametrize("path", SUPERVISOR_PAGES + EVERYONE)
def test_a_supervisor_opens_the_pages_of_supervisors(supervisor, signed_in, path):
    assert signed_in(supervisor).get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_supervisor_is_refused_the_admin_pages(supervisor, signed_in, path):
    assert signed_in(supervisor).get(path).status_code == 403


@pytest.mark.parametrize("path", SUPERVISOR_PAGES + ADMIN_PAGES)
def test_an_agent_and_a_collaborator_are_refused_settings(agent, collaborator, signed_in, path):
    assert signed_in(agent).get(path).status_code == 403
    assert signed_in(collaborator).get(path).status_code == 403


@pytest.mark.parametrize("path", EVERYONE)
def test_an_agent_has_their_tokens_and_preferences(agent, signed_in, path):
    assert signed_in(agent).get(path).status_code == 200


@pytest.mark.parametrize("path", SUPERVISOR_PAGES + ADMIN_PAGES + EVERYONE)
def test_a_visitor_is_sent_to_sign_in(db, path):
    # when
    response = Client().get(path)
    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_settings_starts_where_the_agent_may_go(admin, agent, signed_in):
    assert signed_in(admin).get("/settings/")["Location"] == "/settings/agents/"
    assert signed_in(agent).get("/settings/")["Location"] == "/settings/tokens/"


def test_the_sidebar_links_settings_for_supervisors_and_preferences_for_everyone(supervisor, agent, signed_in):
    # when
    sam = signed_in(supervisor).get("/").content.decode()
    alice = signed_in(agent).get("/").content.decode()
    # then
    assert 'href="/settings/"' in sam and 'href="/me/preferences"' in sam
    assert 'href="/settings/"' not in alice and 'href="/me/preferences"' in alice


def test_the_settings_menu_links_canned_responses(supervisor, signed_in):
    html = signed_in(supervisor).get("/settings/teams/").content.decode()
    assert 'href="/settings/responses/"' in html
