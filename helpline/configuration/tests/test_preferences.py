"""An agent's own preferences."""

from __future__ import annotations

import re

import pytest

from helpline.audit.models import Event

pytestmark = pytest.mark.django_db


def test_an_agent_sets_availability_time_zone_and_notifications(agent, signed_in):
    # when
    response = signed_in(agent).post(
        "/me/preferences",
        {"name": "Alice", "availability": "away", "time_zone": "Europe/Berlin", "notify_email_mention": "on"},
    )
    # then
    assert response.status_code == 302 and response["Location"] == "/me/preferences"
    agent.refresh_from_db()
    assert (agent.availability, agent.time_zone) == ("away", "Europe/Berlin")
    assert (agent.notify_email_assigned, agent.notify_email_reply, agent.notify_email_mention) == (False, False, True)
    event = Event.objects.get(entity="agent", kind="agent.updated")
    assert event.after == {
        "availability": "away",
        "time_zone": "Europe/Berlin",
        "notify_email_assigned": False,
        "notify_email_reply": False,
    }
    assert event.actor_agent == agent


def test_an_unknown_time_zone_is_refused_next_to_the_field(agent, signed_in):
    # given
    client = signed_in(agent)
    # when
    response = client.post(
        "/me/preferences",
        {"name": "Alice", "availability": "online", "time_zone": "Mars/Olympus", "notify_email_assigned": "on"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="pref-tz-error">&#x27;Mars/Olympus&#x27; is not a time zone.' in html
    agent.refresh_from_db()
    assert (agent.time_zone, agent.availability) == ("UTC", "offline")
    assert not Event.objects.filter(entity="agent").exists()


def test_the_page_shows_the_current_choices(agent, signed_in):
    # given
    agent.notify_email_reply = False
    agent.save()
    # when
    html = signed_in(agent).get("/me/preferences").content.decode()
    # then
    assert '<input type="checkbox" name="notify_email_assigned" checked>' in html
    assert '<input type="checkbox" name="notify_email_reply">' in html
    assert '<option value="Europe/Berlin">' in html


def test_a_german_browser_sees_the_preferences_in_german(agent, signed_in):
    # given an agent whose browser asks for German
    client = signed_in(agent)
    # when
    html = client.get("/me/preferences", headers={"Accept-Language": "de"}).content.decode()
    # then the notifications (labels made when the module was imported) and the availabilities are German
    assert "mir ein Ticket zugewiesen wird" in html
    assert "ein Kunde auf ein mir zugewiesenes Ticket antwortet" in html
    assert "mich jemand in einer Notiz erwähnt" in html
    assert "A ticket is assigned to me" not in html
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', html)[:3] == [
        ("online", "Online"),
        ("away", "Abwesend"),
        ("offline", "Offline"),
    ]
