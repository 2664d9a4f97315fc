from __future__ import annotations

from typing import Any

import pytest

from helpline.core.customfields import custom_fields_validate
from helpline.core.errors import InvalidInput
from helpline.core.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket_fields() -> dict[str, CustomField]:
    """One ticket field of every type; `order_no` is public, `plan` is required."""
    specs: list[tuple[str, str, dict[str, Any]]] = [
        ("note", CustomField.Type.TEXT, {}),
        ("amount", CustomField.Type.NUMBER, {}),
        ("seats", CustomField.Type.INTEGER, {}),
        ("urgent", CustomField.Type.BOOLEAN, {}),
        ("due", CustomField.Type.DATE, {}),
        ("plan", CustomField.Type.CHOICE, {"choices": ["basic", "pro"], "required": True}),
        ("order_no", CustomField.Type.TEXT, {"is_public": True}),
    ]
    return {
        key: CustomField.objects.create(target="ticket", key=key, label=key.title(), type=kind, **extra)
        for key, kind, extra in specs
    }


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("note", "the blue one", "the blue one"),
        ("note", "x" * 10_000, "x" * 10_000),
        ("amount", 12.5, 12.5),
        ("amount", 3, 3),
        ("seats", 40, 40),
        ("urgent", False, False),
        ("due", "2026-03-02", "2026-03-02"),
        ("due", "20260302", "2026-03-02"),
        ("plan", "pro", "pro"),
    ],
)
def test_a_valid_value_of_each_type_is_stored_typed(ticket_fields, key, value, stored):
    # when
    values = custom_fields_validate(target="ticket", values={"plan": "basic", key: value})

    # then
    assert values == {"plan": "basic", key: stored}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("note", 5, "expected text"),
        ("note", "x" * 10_001, "text is longer than 10000 characters"),
        ("amount", "12", "expected a number"),
        ("amount", True, "expected a number"),
        ("seats", 2.5, "expected a whole number"),
        ("seats", False, "expected a whole number"),
        ("urgent", "yes", "expected true or false"),
        ("urgent", 1, "expected true or false"),
        ("due", 20260302, "expected a date as YYYY-MM-DD"),
        ("due", "2026-02-30", "day is out of range for month"),
        ("plan", "gold", "expected one of basic, pro"),
    ],
)
def test_a_wrong_value_of_each_type_is_refused_with_a_reason(ticket_fields, key, value, message):
    # when
    with pytest.raises(InvalidInput) as raised:
        custom_fields_validate(target="ticket", values={key: value}, current={"plan": "basic"})

    # then
    assert raised.value.errors == [{"field": f"custom_fields.{key}", "message": message}]
    assert raised.value.detail == "Some custom fields are not valid."


def test_every_problem_is_listed_at_once(ticket_fields):
    # when
    with pytest.raises(InvalidInput) as raised:
        custom_fields_validate(
            target="ticket", values={"seats": "many", "colour": "red", "urgent": None, "due": "soon"}
        )

    # then
    assert raised.value.errors == [
        {"field": "custom_fields.seats", "message": "expected a whole number"},
        {"field": "custom_fields.colour", "message": "unknown custom field"},
        {"field": "custom_fields.due", "message": "Invalid isoformat string: 'soon'"},
        {"field": "custom_fields.plan", "message": "this field is required"},
    ]


def test_values_merge_into_the_current_ones_and_none_removes_a_field(ticket_fields):
    # given
    current = {"plan": "basic", "seats": 3, "note": "old"}

    # when
    values = custom_fields_validate(target="ticket", values={"note": None, "urgent": True}, current=current)

    # then
    assert values == {"plan": "basic", "seats": 3, "urgent": True}
    assert current == {"plan": "basic", "seats": 3, "note": "old"}


def test_removing_a_required_field_is_refused(ticket_fields):
    # when
    with pytest.raises(InvalidInput) as raised:
        custom_fields_validate(target="ticket", values={"plan": None}, current={"plan": "pro"})

    # then
    assert raised.value.errors == [{"field": "custom_fields.plan", "message": "this field is required"}]


def test_with_public_fields_only_a_staff_field_is_unknown_and_staff_required_fields_are_not_asked(ticket_fields):
    # when
    accepted = custom_fields_validate(target="ticket", values={"order_no": "A-17"}, public_only=True)
    with pytest.raises(InvalidInput) as raised:
        custom_fields_validate(target="ticket", values={"seats": 3}, public_only=True)

    # then
    assert accepted == {"order_no": "A-17"}
    assert raised.value.errors == [{"field": "custom_fields.seats", "message": "unknown custom field"}]


def test_fields_of_the_other_target_are_unknown(ticket_fields):
    # given
    CustomField.objects.create(target="customer", key="vip", label="VIP", type=CustomField.Type.BOOLEAN)

    # when
    with pytest.raises(InvalidInput) as raised:
        custom_fields_validate(target="ticket", values={"vip": True, "plan": "pro"})

    # then
    assert raised.value.errors == [{"field": "custom_fields.vip", "message": "unknown custom field"}]
