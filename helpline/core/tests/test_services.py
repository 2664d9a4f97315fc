"""Defining custom fields (core/services.py)."""

from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.customfields import custom_fields_validate
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.core.models import CustomField
from helpline.core.services import custom_field_create, custom_field_delete, custom_field_update

pytestmark = pytest.mark.django_db


def test_an_admin_defines_a_field_that_values_are_then_checked_against(admin, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        field = custom_field_create(
            actor=admin, target="ticket", key="Order_No", label=" Order  number ", type="integer", required=True
        )
    # then
    assert (field.key, field.label, field.type, field.required, field.choices) == (
        "order_no",
        "Order number",
        "integer",
        True,
        [],
    )
    event = Event.objects.get(entity="custom_field")
    assert (event.kind, event.actor_agent, event.after["key"]) == ("custom_field.created", admin, "order_no")
    with pytest.raises(InvalidInput):
        custom_fields_validate(target="ticket", values={"order_no": "x"})


def test_a_key_is_unique_per_target(admin):
    # given
    custom_field_create(actor=admin, target="ticket", key="plan", label="Plan", type="text")
    # when / then
    with pytest.raises(Conflict):
        custom_field_create(actor=admin, target="ticket", key="plan", label="Plan", type="text")
    assert custom_field_create(actor=admin, target="customer", key="plan", label="Plan", type="text").pk


def test_every_problem_is_named_at_once(admin):
    # when
    with pytest.raises(InvalidInput) as caught:
        custom_field_create(actor=admin, target="order", key="1x", label="", type="choice", position=-1)
    # then
    assert [e["field"] for e in caught.value.errors] == ["target", "key", "label", "choices", "position"]
    assert not CustomField.objects.exists()


@pytest.mark.parametrize("who", ["supervisor", "agent", "customer"])
def test_only_admins_define_fields(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        custom_field_create(actor=actor, target="ticket", key="plan", label="Plan", type="text")
    assert not CustomField.objects.exists()


def test_an_update_records_before_and_after_of_what_changed_only(admin):
    # given
    field = custom_field_create(actor=admin, target="ticket", key="plan", label="Plan", type="choice", choices=["A"])
    # when
    custom_field_update(actor=admin, field=field, changes={"choices": ["A", "B"], "label": "Plan"})
    custom_field_update(actor=admin, field=field, changes={"label": "Plan"})  # nothing changes
    # then
    field.refresh_from_db()
    assert field.choices == ["A", "B"]
    event = Event.objects.get(kind="custom_field.updated")
    assert (event.before, event.after) == ({"choices": ["A"]}, {"choices": ["A", "B"]})


def test_the_key_and_type_cannot_change(admin):
    field = custom_field_create(actor=admin, target="ticket", key="plan", label="Plan", type="text")
    with pytest.raises(InvalidInput, match="These cannot be changed: key, type."):
        custom_field_update(actor=admin, field=field, changes={"key": "x", "type": "integer"})


def test_removing_a_field_is_recorded(admin, supervisor):
    # given
    field = custom_field_create(actor=admin, target="ticket", key="plan", label="Plan", type="text")
    # when
    with pytest.raises(PermissionDenied):
        custom_field_delete(actor=supervisor, field=field)
    custom_field_delete(actor=admin, field=field)
    # then
    assert not CustomField.objects.exists()
    assert Event.objects.get(kind="custom_field.deleted").before["key"] == "plan"
