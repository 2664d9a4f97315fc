"""Everything that writes the definitions of custom fields (their values are checked by
core/customfields.py and stored by the tickets and customers services)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.customfields import custom_field_definitions_forget
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.core.models import CustomField

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
FIELD_CHANGES = {"label", "choices", "required", "is_public", "position"}
MAX_CHOICES = 100


def custom_field_create(
    *,
    actor: Actor | None,
    target: str,
    key: str,
    label: str,
    type: str,  # noqa: A002 - the field's own word
    choices: list[str] | None = None,
    required: bool = False,
    is_public: bool = False,
    position: int = 0,
) -> CustomField:
    """Define a custom field of tickets or customers (admins only); appends `custom_field.created`.

    The key is what the API and stored values use, so it cannot change later; the type neither.
    """
    _admin_check(actor)
    errors = []
    if target not in CustomField.Target.values:
        errors.append({"field": "target", "message": "choose tickets or customers"})
    key = (key or "").strip().lower()
    if not _KEY.match(key):
        errors.append(
            {"field": "key", "message": "lower-case letters, digits and _, starting with a letter (64 at most)"}
        )
    if type not in CustomField.Type.values:
        errors.append({"field": "type", "message": f"choose one of {', '.join(CustomField.Type.values)}"})
    values = _clean(
        {"label": label, "choices": choices or [], "required": required, "is_public": is_public, "position": position},
        type,
        errors,
    )
    if errors:
        raise InvalidInput("The custom field cannot be created.", errors=errors)
    try:
        with transaction.atomic():
            field = CustomField.objects.create(target=target, key=key, type=type, **values)
            event_record(
                actor=actor,
                entity="custom_field",
                entity_id=field.pk,
                kind="custom_field.created",
                after={"target": target, "key": key, "type": type, **values},
            )
            transaction.on_commit(custom_field_definitions_forget)
    except IntegrityError:
        raise Conflict(
            f"A custom field with the key '{key}' exists already.", errors=[{"field": "key", "message": "taken"}]
        ) from None
    return field


def custom_field_update(*, actor: Actor | None, field: CustomField, changes: dict[str, Any]) -> CustomField:
    """Change a field's label, choices, required, public or position (admins only); appends
    `custom_field.updated` with before and after. Values stored already are not rewritten."""
    _admin_check(actor)
    unknown = set(changes) - FIELD_CHANGES
    if unknown:
        raise InvalidInput(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    errors: list[dict[str, str]] = []
    current = {k: getattr(field, k) for k in FIELD_CHANGES}
    values = _clean({**current, **changes}, field.type, errors)
    if errors:
        raise InvalidInput("The custom field cannot be changed.", errors=errors)
    after = {k: values[k] for k in changes if values[k] != current[k]}
    before = {k: current[k] for k in after}
    if not after:
        return field
    with transaction.atomic():
        for key, value in after.items():
            setattr(field, key, value)
        field.save(update_fields=list(after))
        event_record(
            actor=actor,
            entity="custom_field",
            entity_id=field.pk,
            kind="custom_field.updated",
            before=before,
            after=after,
        )
        transaction.on_commit(custom_field_definitions_forget)
    return field


def custom_field_delete(*, actor: Actor | None, field: CustomField) -> None:
    """Remove a definition (admins only); appends `custom_field.deleted`. Values already stored on
    tickets and customers stay in their JSON and are no longer shown or accepted."""
    _admin_check(actor)
    with transaction.atomic():
        event_record(
            actor=actor,
            entity="custom_field",
            entity_id=field.pk,
            kind="custom_field.deleted",
            before={"target": field.target, "key": field.key, "type": field.type, "label": field.label},
        )
        field.delete()
        transaction.on_commit(custom_field_definitions_forget)


def _clean(values: dict[str, Any], type_: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    label = " ".join(str(values.get("label") or "").split())
    if not label or len(label) > 200:
        errors.append({"field": "label", "message": "a label has 1 to 200 characters"})
    choices = [" ".join(str(c).split()) for c in values.get("choices") or []]
    choices = list(dict.fromkeys(c for c in choices if c))
    if type_ == CustomField.Type.CHOICE and not choices:
        errors.append({"field": "choices", "message": "a choice field needs at least one choice"})
    if len(choices) > MAX_CHOICES or any(len(c) > 200 for c in choices):
        errors.append({"field": "choices", "message": f"at most {MAX_CHOICES} choices of 200 characters"})
    if type_ != CustomField.Type.CHOICE:
        choices = []
    position = values.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
        errors.append({"field": "position", "message": "a whole number from 0 to 10000"})
    return {
        "label": label,
        "choices": choices,
        "required": bool(values.get("required")),
        "is_public": bool(values.get("is_public")),
        "position": position,
    }


def _admin_check(actor: Actor | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins define custom fields.")
