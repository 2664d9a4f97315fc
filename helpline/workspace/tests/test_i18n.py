"""The workspace speaks the agent browser's language (Accept-Language): the models' choice labels
(priority, channel, tier, availability) and the values of the History tab are German too."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from helpline.accounts.models import Agent
from helpline.tickets.models import Ticket
from helpline.tickets.services import ticket_update

pytestmark = pytest.mark.django_db
GERMAN = {"Accept-Language": "de"}


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_a_german_agent_sees_the_tickets_priority_channel_and_tier_in_german(agent, carla_ticket):
    # given Carla's ticket: by e-mail, medium priority, Carla on the standard tier
    client = _signed_in(agent)
    # when
    html = client.get(f"/tickets/{carla_ticket.number}", headers=GERMAN).content.decode()
    # then
    assert '<span class="priority__dot" aria-hidden="true"></span>Mittel</span>' in html
    assert "über E-Mail" in html and "Kunde · E-Mail" in html
    assert "Stufe Standard" in html
    priorities = re.search(r'<select id="prop-priority".*?</select>', html, re.S)
    assert priorities is not None
    assert re.findall(r">([^<]+)</option>", priorities.group(0)) == ["Niedrig", "Mittel", "Hoch", "Dringend"]
    assert '<option value="offline" selected>Offline</option>' in html
    assert "Medium" not in html and "Email" not in html


def test_a_german_history_tab_shows_the_labels_of_the_values_in_german(agent, supervisor, carla_ticket: Ticket):
    # given Carla's ticket, opened by the e-mail channel (no one acted), then made urgent by Sam
    ticket_update(actor=supervisor, ticket=carla_ticket.pk, changes={"priority": "urgent"})
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}/history", headers=GERMAN).content.decode()
    # then
    changes = re.findall(
        r'fold__label">([^<]*)</span> <span class="fold__before">([^<]*)</span>.*?fold__after">([^<]*)</span>', html
    )
    assert changes[0] == ("Priorität", "Mittel", "Dringend")
    assert ("Kanal", "—", "E-Mail") in changes and ("Status", "—", "Neu") in changes
    assert ("Anfragende Person", "—", "Carla") in changes
    assert re.findall(r'history__who">([^<]*)<', html) == ["von Sam", "von System"]
