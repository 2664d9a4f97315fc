"""Categories and tags through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpline.api.tests.support import api_client, problem
from helpline.tickets.models import Category, Tag
from helpline.tickets.tests.factories import CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db


def body(response: Any) -> Any:
    return json.loads(response.content)


def test_categories_are_listed_in_tree_order(agent):
    # given
    billing = CategoryFactory.create(name="Billing")
    refunds = CategoryFactory.create(name="Refunds", parent=billing)
    access = CategoryFactory.create(name="Access")

    # when
    response = api_client(agent).get("/categories")

    # then
    assert body(response) == {
        "items": [
            {"id": access.pk, "name": "Access", "path": "Access", "parent_id": None, "is_active": True},
            {"id": billing.pk, "name": "Billing", "path": "Billing", "parent_id": None, "is_active": True},
            {
                "id": refunds.pk,
                "name": "Refunds",
                "path": "Billing › Refunds",
                "parent_id": billing.pk,
                "is_active": True,
            },
        ],
        "next_cursor": None,
    }


def test_an_admin_creates_moves_and_deactivates_a_category(admin):
    # given
    api = api_client(admin)
    billing = body(api.post("/categories", {"name": "Billing"}))

    # when
    created = api.post("/categories", {"name": "Refunds", "parent_id": billing["id"]})
    moved = api.patch(f"/categories/{body(created)['id']}", {"parent_id": None, "is_active": False})

    # then
    assert (created.status_code, body(created)["path"]) == (201, "Billing › Refunds")
    assert body(moved) == {
        "id": body(created)["id"],
        "name": "Refunds",
        "path": "Refunds",
        "parent_id": None,
        "is_active": False,
    }


def test_agents_do_not_manage_categories(agent, footprint):
    # given
    api = api_client(agent)
    before = Category.objects.count()

    # when
    response = api.post("/categories", {"name": "Mine"})

    # then
    assert response.status_code == 403
    assert Category.objects.count() == before


def test_a_duplicate_category_is_a_409_problem(admin):
    # given (below a parent: the (parent, name) constraint lets root names repeat, NULLs being distinct)
    api = api_client(admin)
    parent = body(api.post("/categories", {"name": "Billing"}))["id"]
    api.post("/categories", {"name": "Refunds", "parent_id": parent})

    # when
    response = api.post("/categories", {"name": "Refunds", "parent_id": parent})

    # then
    assert response.status_code == 409
    assert problem(response)["code"] == "conflict"


def test_an_unknown_category_is_404(admin):
    # when
    response = api_client(admin).patch("/categories/999", {"name": "x"})

    # then
    assert response.status_code == 404


def test_tags_are_listed_by_name_and_created_by_agents(agent):
    # given
    TagFactory.create(name="vip")
    api = api_client(agent)

    # when
    created = api.post("/tags", {"name": "Angry Customer"})
    listed = api.get("/tags")

    # then
    assert (created.status_code, body(created)["name"]) == (201, "angry-customer")
    assert [t["name"] for t in body(listed)["items"]] == ["angry-customer", "vip"]


def test_customers_neither_list_nor_create_tags(customer):
    # given
    api = api_client(customer)

    # when
    answers = [api.get("/tags"), api.post("/tags", {"name": "x"}), api.get("/categories")]

    # then
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert Tag.objects.count() == 0


def test_a_supervisor_renames_and_deletes_a_tag(supervisor, agent, carla_ticket):
    # given
    from helpline.tickets.services import ticket_update

    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice", "vip"]})
    invoice = Tag.objects.get(name="invoice")
    api = api_client(supervisor)

    # when
    renamed = api.patch(f"/tags/{invoice.pk}", {"name": "Billing Question"})
    deleted = api.delete(f"/tags/{invoice.pk}")

    # then
    assert (renamed.status_code, body(renamed)) == (200, {"id": invoice.pk, "name": "billing-question"})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert list(carla_ticket.tags.values_list("name", flat=True)) == ["vip"]


def test_renaming_a_tag_to_a_name_in_use_is_a_409_problem(supervisor):
    # given
    invoice, _vip = TagFactory.create(name="invoice"), TagFactory.create(name="vip")

    # when
    response = api_client(supervisor).patch(f"/tags/{invoice.pk}", {"name": "vip"})

    # then
    assert response.status_code == 409
    assert (problem(response)["code"], problem(response)["detail"]) == ("conflict", "A tag named 'vip' exists already.")
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice", "vip"]


def test_agents_neither_rename_nor_delete_tags_and_unknown_tags_are_404(agent, supervisor, footprint):
    # given
    tag = TagFactory.create(name="invoice")
    alice, sam = api_client(agent), api_client(supervisor)
    before = footprint()

    # when
    renamed = alice.patch(f"/tags/{tag.pk}", {"name": "bill"})
    deleted = alice.delete(f"/tags/{tag.pk}")
    unknown = sam.delete("/tags/999999")

    # then
    assert (renamed.status_code, deleted.status_code, unknown.status_code) == (403, 403, 404)
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice"]
    assert footprint() == before
