from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.tickets.models import Category, Tag, Ticket
from helpline.tickets.services import (
    category_create,
    category_update,
    tag_create,
    tag_delete,
    tag_rename,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def test_categories_form_a_tree_whose_paths_name_every_ancestor(admin):
    # when
    billing = category_create(actor=admin, name=" Billing ")
    refunds = category_create(actor=admin, name="Refunds", parent=billing)
    late = category_create(actor=admin, name="Late  refunds", parent=refunds)

    # then
    assert [c.path for c in Category.objects.all()] == [
        "Billing",
        "Billing › Refunds",
        "Billing › Refunds › Late refunds",
    ]
    assert (late.parent, refunds.parent) == (refunds, billing)
    assert Event.objects.filter(entity="category", kind="category.created").count() == 3


def test_renaming_or_moving_a_category_rewrites_the_paths_below_it(admin):
    # given
    billing = category_create(actor=admin, name="Billing")
    refunds = category_create(actor=admin, name="Refunds", parent=billing)
    category_create(actor=admin, name="Late", parent=refunds)
    sales = category_create(actor=admin, name="Sales")

    # when
    category_update(actor=admin, category=billing, name="Money")
    category_update(actor=admin, category=refunds, parent=sales)

    # then
    assert sorted(Category.objects.values_list("path", flat=True)) == [
        "Money",
        "Sales",
        "Sales › Refunds",
        "Sales › Refunds › Late",
    ]
    event = Event.objects.filter(entity="category", entity_id=refunds.pk).latest("id")
    assert (event.kind, event.before, event.after) == (
        "category.updated",
        {"name": "Refunds", "parent": billing.pk, "is_active": True},
        {"name": "Refunds", "parent": sales.pk, "is_active": True},
    )


def test_a_category_cannot_move_below_itself(admin, footprint):
    # given
    billing = category_create(actor=admin, name="Billing")
    refunds = category_create(actor=admin, name="Refunds", parent=billing)
    paths = list(Category.objects.values_list("pk", "parent_id", "path"))

    # when
    with pytest.raises(InvalidInput) as raised:
        category_update(actor=admin, category=billing, parent=refunds)

    # then
    assert raised.value.detail == "A category cannot be moved below itself."
    assert list(Category.objects.values_list("pk", "parent_id", "path")) == paths


def test_sibling_categories_have_different_names(admin):
    # given
    billing = category_create(actor=admin, name="Billing")
    category_create(actor=admin, name="Refunds", parent=billing)

    # when / then
    with pytest.raises(Conflict):
        category_create(actor=admin, name="Refunds", parent=billing)
    assert category_create(actor=admin, name="Refunds").path == "Refunds"


def test_root_categories_have_different_names_too(admin):
    # given
    category_create(actor=admin, name="Billing")
    paths = list(Category.objects.values_list("path", flat=True))

    # when / then
    with pytest.raises(Conflict):
        category_create(actor=admin, name=" Billing ")
    assert list(Category.objects.values_list("path", flat=True)) == paths


def test_a_supervisor_manages_categories(supervisor):
    # when
    billing = category_create(actor=supervisor, name="Billing")
    refunds = category_create(actor=supervisor, name="Refunds", parent=billing)
    category_update(actor=supervisor, category=billing, name="Money", is_active=False)

    # then
    assert sorted(Category.objects.values_list("path", "is_active")) == [("Money", False), ("Money › Refunds", True)]
    assert refunds.parent == billing
    events = Event.objects.filter(entity="category").order_by("id")
    assert [(e.kind, e.actor_agent_id) for e in events] == [
        ("category.created", supervisor.pk),
        ("category.created", supervisor.pk),
        ("category.updated", supervisor.pk),
    ]


@pytest.mark.parametrize("who", ["agent", "collaborator", "customer"])
def test_agents_and_customers_do_not_manage_categories(request, admin, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    billing = category_create(actor=admin, name="Billing")
    before = footprint()
    categories = list(Category.objects.values())

    # when / then
    with pytest.raises(PermissionDenied) as raised:
        category_create(actor=actor, name="Mine")
    with pytest.raises(PermissionDenied):
        category_update(actor=actor, category=billing, is_active=False)
    assert raised.value.detail == "Only supervisors and admins manage categories."
    assert footprint() == before
    assert list(Category.objects.values()) == categories


def test_agents_create_tags_in_their_normal_form_and_customers_do_not(agent, customer):
    # when
    tag = tag_create(actor=agent, name="  Late Payment ")
    again = tag_create(actor=agent, name="late payment")

    # then
    assert (tag.name, again.pk) == ("late-payment", tag.pk)
    with pytest.raises(PermissionDenied):
        tag_create(actor=customer, name="mine")
    assert list(Tag.objects.values_list("name", flat=True)) == ["late-payment"]


def test_a_supervisor_renames_a_tag_on_every_ticket_that_carries_it(
    supervisor, agent, carla_ticket, hr_ticket, ticket_events
):
    # given Carla's ticket tagged "invoice" and "vip", Otto's (private HR) tagged "invoice"
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice", "vip"]})
    ticket_update(actor=None, ticket=hr_ticket, changes={"tags": ["invoice"]})
    invoice = Tag.objects.get(name="invoice")
    versions = {
        pk: (version, updated) for pk, version, updated in Ticket.objects.values_list("pk", "version", "updated_at")
    }

    # when
    renamed = tag_rename(actor=supervisor, tag=invoice, name=" Billing  Question ")

    # then
    assert (renamed.pk, renamed.name) == (invoice.pk, "billing-question")
    assert sorted(carla_ticket.tags.values_list("name", flat=True)) == ["billing-question", "vip"]
    assert list(hr_ticket.tags.values_list("name", flat=True)) == ["billing-question"]
    assert ticket_events(carla_ticket)[-1] == (
        "ticket.tags_changed",
        {"tags": ["invoice", "vip"]},
        {"tags": ["billing-question", "vip"]},
    )
    assert ticket_events(hr_ticket)[-1] == (
        "ticket.tags_changed",
        {"tags": ["invoice"]},
        {"tags": ["billing-question"]},
    )
    event = Event.objects.get(entity="tag", entity_id=invoice.pk)
    assert (event.kind, event.actor_agent_id, event.before, event.after) == (
        "tag.renamed",
        supervisor.pk,
        {"name": "invoice"},
        {"name": "billing-question"},
    )
    # the versions move on (ETags, stale forms), updated_at stays: nobody worked on those tickets
    assert {pk: (v, u) for pk, v, u in Ticket.objects.values_list("pk", "version", "updated_at")} == {
        pk: (version + 1, updated) for pk, (version, updated) in versions.items()
    }


def test_renaming_a_tag_to_a_name_in_use_is_refused_not_merged(supervisor, agent, carla_ticket, footprint):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice", "vip"]})
    invoice = Tag.objects.get(name="invoice")
    before = footprint()

    # when
    with pytest.raises(Conflict) as raised:
        tag_rename(actor=supervisor, tag=invoice, name="VIP")

    # then
    assert raised.value.detail == "A tag named 'vip' exists already."
    assert footprint() == before
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice", "vip"]


def test_renaming_a_tag_to_its_own_name_changes_nothing(supervisor, agent, carla_ticket, footprint):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice"]})
    invoice = Tag.objects.get(name="invoice")
    before = footprint()

    # when
    same = tag_rename(actor=supervisor, tag=invoice, name="  Invoice ")

    # then
    assert same.name == "invoice"
    assert footprint() == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_tag_name_has_1_to_64_characters(supervisor, name, footprint):
    # given
    tag = tag_create(actor=supervisor, name="invoice")
    before = footprint()

    # when / then
    with pytest.raises(InvalidInput):
        tag_rename(actor=supervisor, tag=tag, name=name)
    assert footprint() == before
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice"]


def test_an_admin_deletes_a_tag_and_it_leaves_every_ticket(admin, agent, carla_ticket, hr_ticket, ticket_events):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice", "vip"]})
    ticket_update(actor=None, ticket=hr_ticket, changes={"tags": ["invoice"]})
    invoice = Tag.objects.get(name="invoice")

    # when
    count = tag_delete(actor=admin, tag=invoice)

    # then
    assert count == 2
    assert list(Tag.objects.values_list("name", flat=True)) == ["vip"]
    assert list(carla_ticket.tags.values_list("name", flat=True)) == ["vip"]
    assert hr_ticket.tags.count() == 0
    assert ticket_events(carla_ticket)[-1] == ("ticket.tags_changed", {"tags": ["invoice", "vip"]}, {"tags": ["vip"]})
    assert ticket_events(hr_ticket)[-1] == ("ticket.tags_changed", {"tags": ["invoice"]}, {"tags": []})
    event = Event.objects.get(entity="tag", entity_id=invoice.pk)
    assert (event.kind, event.actor_agent_id, event.before, event.after) == (
        "tag.deleted",
        admin.pk,
        {"name": "invoice"},
        {"tickets": 2},
    )


@pytest.mark.parametrize("who", ["agent", "collaborator", "customer"])
def test_agents_and_customers_neither_rename_nor_delete_tags(request, carla_ticket, admin, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    ticket_update(actor=admin, ticket=carla_ticket, changes={"tags": ["invoice"]})
    invoice = Tag.objects.get(name="invoice")
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied) as raised:
        tag_rename(actor=actor, tag=invoice, name="bill")
    with pytest.raises(PermissionDenied):
        tag_delete(actor=actor, tag=invoice)
    assert raised.value.detail == "Only supervisors and admins rename or delete tags."
    assert footprint() == before
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice"]
