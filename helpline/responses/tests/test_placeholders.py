"""Placeholders: a whitelist filled in once, never a template engine."""

from __future__ import annotations

import pytest

from helpline.responses.placeholders import placeholders_fill

pytestmark = pytest.mark.django_db


def test_known_placeholders_are_filled_in_for_the_ticket_and_the_agent(agent, carla_ticket):
    # given
    carla_ticket.requester.name = "Carla Diaz"
    text = (
        "Hi {{ requester.first_name }} ({{requester.name}}), about #{{ ticket.number }} "
        "“{{ ticket.subject }}”. — {{ agent.name }} / {{ agent.first_name }}"
    )
    # when
    filled = placeholders_fill(text, ticket=carla_ticket, agent=agent)
    # then
    assert filled == (f"Hi Carla (Carla Diaz), about #{carla_ticket.number} “My invoice is wrong”. — Alice / Alice")


def test_unknown_placeholders_and_template_syntax_stay_as_they_are(agent, carla_ticket):
    # given
    text = "{{ settings.SECRET_KEY }} {% debug %} {{ requester.name|upper }} {{ ticket.requester.email }}"
    # when / then
    assert placeholders_fill(text, ticket=carla_ticket, agent=agent) == text


def test_a_value_that_looks_like_a_placeholder_is_not_filled_in_again(agent, carla_ticket):
    # given
    carla_ticket.subject = "{{ agent.name }} <b>"
    # when / then
    assert placeholders_fill("Re: {{ ticket.subject }}", ticket=carla_ticket, agent=agent) == "Re: {{ agent.name }} <b>"


def test_a_requester_without_a_name_gives_empty_text(agent, carla_ticket):
    # given
    carla_ticket.requester.name = ""
    # when / then
    assert placeholders_fill("Hi {{ requester.first_name }}!", ticket=carla_ticket, agent=agent) == "Hi !"
