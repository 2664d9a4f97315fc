"""Categories, tags and custom fields through the settings screens."""

from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.models import CustomField
from helpline.tickets.models import Category, Tag
from helpline.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


def test_an_admin_builds_the_category_tree(admin, signed_in):
    # given
    client = signed_in(admin)
    # when
    client.post("/settings/categories/", {"name": "Billing"})
    billing = Category.objects.get(name="Billing")
    client.post("/settings/categories/", {"name": "Refunds", "parent": billing.pk})
    html = client.get("/settings/categories/").content.decode()
    # then
    assert list(Category.objects.values_list("path", flat=True)) == ["Billing", "Billing › Refunds"]
    assert "tree__item--d1" in html and "Refunds" in html
    assert [e.kind for e in Event.objects.filter(entity="category").order_by("id")] == [
        "category.created",
        "category.created",
    ]


def test_an_admin_renames_moves_and_deactivates_a_category(admin, signed_in):
    # given
    client = signed_in(admin)
    client.post("/settings/categories/", {"name": "Billing"})
    client.post("/settings/categories/", {"name": "Money"})
    billing, money = Category.objects.get(name="Billing"), Category.objects.get(name="Money")
    # when
    response = client.post(f"/settings/categories/{billing.pk}", {"name": "Invoices", "parent": money.pk})
    # then
    assert response.status_code == 302
    billing.refresh_from_db()
    assert (billing.path, billing.is_active) == ("Money › Invoices", False)


def test_a_category_cannot_move_below_itself(admin, signed_in):
    # given
    client = signed_in(admin)
    client.post("/settings/categories/", {"name": "Billing"})
    billing = Category.objects.get(name="Billing")
    client.post("/settings/categories/", {"name": "Refunds", "parent": billing.pk})
    refunds = Category.objects.get(name="Refunds")
    # when
    response = client.post(
        f"/settings/categories/{billing.pk}", {"name": "Billing", "parent": refunds.pk, "is_active": "on"}
    )
    # then
    assert response.status_code == 422 and "A category cannot be moved below itself." in response.content.decode()
    billing.refresh_from_db()
    assert billing.parent_id is None


def test_a_supervisor_adds_and_renames_a_category(supervisor, signed_in):
    # given
    client = signed_in(supervisor)
    # when
    page = client.get("/settings/categories/").content.decode()
    added = client.post("/settings/categories/", {"name": "Sales"})
    sales = Category.objects.get(name="Sales")
    renamed = client.post(f"/settings/categories/{sales.pk}", {"name": "Deals", "is_active": "on"})
    # then
    assert "Add a category" in page
    assert (added.status_code, renamed.status_code) == (302, 302)
    assert list(Category.objects.values_list("path", "is_active")) == [("Deals", True)]
    events = Event.objects.filter(entity="category").order_by("id")
    assert [(e.kind, e.actor_agent_id) for e in events] == [
        ("category.created", supervisor.pk),
        ("category.updated", supervisor.pk),
    ]


def test_an_agent_neither_sees_nor_changes_categories(agent, signed_in, footprint):
    # given
    billing = Category.objects.create(name="Billing", path="Billing")
    client = signed_in(agent)
    before = footprint()
    # when
    page = client.get("/settings/categories/")
    added = client.post("/settings/categories/", {"name": "Sales"})
    edited = client.post(f"/settings/categories/{billing.pk}", {"name": "Money"})
    # then
    assert (page.status_code, added.status_code, edited.status_code) == (403, 403, 403)
    assert list(Category.objects.values_list("path", flat=True)) == ["Billing"]
    assert footprint() == before


def test_a_supervisor_adds_a_tag_and_sees_how_often_tags_are_used(supervisor, signed_in, carla_ticket):
    # given
    client = signed_in(supervisor)
    # when
    response = client.post("/settings/tags/", {"name": "VIP"})
    html = client.get("/settings/tags/").content.decode()
    # then
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["vip"]
    assert '<span class="tag">vip</span></td><td>0</td>' in html


def test_a_supervisor_renames_a_tag_on_its_tickets(supervisor, agent, signed_in, carla_ticket):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice"]})
    tag = Tag.objects.get(name="invoice")
    client = signed_in(supervisor)
    # when
    page = client.get(f"/settings/tags/{tag.pk}").content.decode()
    response = client.post(f"/settings/tags/{tag.pk}", {"name": "Billing Question"})
    # then
    assert "On 1 ticket." in page and 'value="invoice"' in page
    assert response.status_code == 302
    assert list(carla_ticket.tags.values_list("name", flat=True)) == ["billing-question"]
    assert Event.objects.filter(entity="tag", kind="tag.renamed", actor_agent=supervisor).count() == 1


def test_renaming_a_tag_to_a_name_in_use_says_so(supervisor, signed_in, footprint):
    # given
    invoice, _vip = Tag.objects.create(name="invoice"), Tag.objects.create(name="vip")
    client = signed_in(supervisor)
    before = footprint()
    # when
    response = client.post(f"/settings/tags/{invoice.pk}", {"name": "VIP"})
    # then
    assert response.status_code == 422
    assert "A tag named &#x27;vip&#x27; exists already." in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice", "vip"]
    assert footprint() == before


def test_an_admin_deletes_a_tag_and_it_leaves_its_tickets(admin, agent, signed_in, carla_ticket):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["invoice", "vip"]})
    tag = Tag.objects.get(name="invoice")
    client = signed_in(admin)
    # when
    response = client.post(f"/settings/tags/{tag.pk}/delete", follow=True)
    # then
    assert response.redirect_chain == [("/settings/tags/", 302)]
    assert "Tag invoice deleted and taken off 1 ticket." in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["vip"]
    assert list(carla_ticket.tags.values_list("name", flat=True)) == ["vip"]


def test_an_agent_neither_renames_nor_deletes_a_tag(agent, signed_in, footprint):
    # given
    tag = Tag.objects.create(name="invoice")
    client = signed_in(agent)
    before = footprint()
    # when
    renamed = client.post(f"/settings/tags/{tag.pk}", {"name": "bill"})
    deleted = client.post(f"/settings/tags/{tag.pk}/delete")
    # then
    assert (renamed.status_code, deleted.status_code) == (403, 403)
    assert list(Tag.objects.values_list("name", flat=True)) == ["invoice"]
    assert footprint() == before


def test_an_admin_defines_edits_and_removes_a_custom_field(admin, signed_in):
    # given
    client = signed_in(admin)
    # when
    created = client.post(
        "/settings/fields/",
        {
            "target": "ticket",
            "key": "plan",
            "label": "Plan",
            "type": "choice",
            "choices": "Free\nPro\n\nPro",
            "is_public": "on",
        },
    )
    field = CustomField.objects.get(key="plan")
    edited = client.post(f"/settings/fields/{field.pk}", {"label": "Price plan", "choices": "Free\nPro\nTeam"})
    field.refresh_from_db()
    snapshot = (field.label, field.choices, field.is_public, field.required)
    removed = client.post(f"/settings/fields/{field.pk}/delete")
    # then
    assert created.status_code == edited.status_code == removed.status_code == 302
    assert snapshot == ("Price plan", ["Free", "Pro", "Team"], False, False)
    assert not CustomField.objects.exists()
    kinds = [e.kind for e in Event.objects.filter(entity="custom_field").order_by("id")]
    assert kinds == ["custom_field.created", "custom_field.updated", "custom_field.deleted"]


def test_a_custom_field_with_a_bad_key_and_no_choices_says_what_is_wrong(admin, signed_in):
    # when
    response = signed_in(admin).post(
        "/settings/fields/", {"target": "ticket", "key": "Bad Key", "label": "", "type": "choice"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert "lower-case letters, digits and _, starting with a letter" in html
    assert "a choice field needs at least one choice" in html
    assert "a label has 1 to 200 characters" in html
    assert not CustomField.objects.exists()
