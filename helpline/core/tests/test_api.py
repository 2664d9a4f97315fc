"""Custom field definitions through the API."""

from __future__ import annotations

import json

import pytest

from helpline.api.tests.support import api_client
from helpline.core.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(db):
    return [
        CustomField.objects.create(target="ticket", key="order", label="Order", type="text", is_public=True),
        CustomField.objects.create(target="ticket", key="cost", label="Cost", type="number"),
        CustomField.objects.create(target="customer", key="plan", label="Plan", type="choice", choices=["a", "b"]),
    ]


def test_agents_list_every_custom_field(agent, fields):
    # when
    response = api_client(agent).get("/custom-fields")

    # then
    assert json.loads(response.content)["items"][2] == {
        "id": fields[2].pk,
        "target": "customer",
        "key": "plan",
        "label": "Plan",
        "type": "choice",
        "choices": ["a", "b"],
        "required": False,
        "is_public": False,
        "position": 0,
    }
    assert [f["key"] for f in json.loads(response.content)["items"]] == ["order", "cost", "plan"]


def test_the_list_filters_by_target(agent, fields):
    # when
    response = api_client(agent).get("/custom-fields", {"target": "ticket"})

    # then
    assert [f["key"] for f in json.loads(response.content)["items"]] == ["order", "cost"]


def test_customers_see_the_public_fields_only(customer, fields):
    # when
    response = api_client(customer).get("/custom-fields")

    # then
    assert [f["key"] for f in json.loads(response.content)["items"]] == ["order"]
