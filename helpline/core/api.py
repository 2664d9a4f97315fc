"""REST operations on custom field definitions (read-only for now)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router

from helpline.accounts.models import Agent
from helpline.api.operations import CURSOR, actor_of, responses
from helpline.core.keyset import keyset_page
from helpline.core.models import CustomField
from helpline.core.schemas import CustomFieldPage, custom_field_json

router = Router(tags=["custom fields"])


@router.get("/custom-fields", response=responses(CustomFieldPage))
def custom_fields_list(
    request: HttpRequest,
    target: Literal["ticket", "customer"] | None = None,
    limit: int = Query(100, ge=1, le=100),
    cursor: str | None = Query(None, **CURSOR),
) -> dict[str, Any]:
    """The custom fields of tickets and customers, oldest first; customers see the public ones."""
    fields = CustomField.objects.all()
    if target is not None:
        fields = fields.filter(target=target)
    if not isinstance(actor_of(request), Agent):
        fields = fields.filter(is_public=True)
    page = keyset_page(fields, field="id", descending=False, field_type=int, limit=limit, cursor=cursor)
    return {"items": [custom_field_json(f) for f in page.items], "next_cursor": page.next_cursor}
