"""REST shapes of custom field definitions."""

from __future__ import annotations

from typing import Any, Literal

from helpline.api.schemas import OutputSchema
from helpline.core.models import CustomField


class CustomFieldOut(OutputSchema):
    id: int
    target: Literal["ticket", "customer"]
    key: str
    label: str
    type: Literal["text", "number", "integer", "boolean", "date", "choice"]
    choices: list[Any]
    required: bool
    is_public: bool
    position: int


class CustomFieldPage(OutputSchema):
    items: list[CustomFieldOut]
    next_cursor: str | None


def custom_field_json(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "target": field.target,
        "key": field.key,
        "label": field.label,
        "type": field.type,
        "choices": field.choices,
        "required": field.required,
        "is_public": field.is_public,
        "position": field.position,
    }


def custom_field_public_keys(target: str) -> frozenset[str]:
    """The keys of the custom fields of `target` that customers may see."""
    return frozenset(CustomField.objects.filter(target=target, is_public=True).values_list("key", flat=True))
