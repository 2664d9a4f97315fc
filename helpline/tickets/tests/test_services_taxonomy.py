from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.tickets.models import Category, Tag
from helpline.tickets.services import category_create, category_update, tag_create

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


@pytest.mark.parametrize("who", ["supervisor", "agent", "customer"])
def test_only_admins_manage_categories(request, admin, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    billing = category_create(actor=admin, name="Billing")
    before = footprint()
    categories = list(Category.objects.values())

    # when / then
    with pytest.raises(PermissionDenied):
        category_create(actor=actor, name="Mine")
    with pytest.raises(PermissionDenied):
        category_update(actor=actor, category=billing, is_active=False)
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
