"""Categories (the tree), tags and custom fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from helpline.accounts.permissions import can_supervise
from helpline.configuration import selectors
from helpline.configuration.views._common import checked, field_errors, page, settings_view, whole_number
from helpline.core.errors import NotFound, PermissionDenied, ServiceError
from helpline.core.models import CustomField
from helpline.core.services import custom_field_create, custom_field_delete, custom_field_update
from helpline.tickets.services.taxonomy import category_create, category_update, tag_create, tag_delete, tag_rename
from helpline.workspace.views._common import agent_of

# --- categories ----------------------------------------------------------------------------------


@settings_view()
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The category tree; add a category at the root or below another."""
    actor = agent_of(request)
    context: dict[str, Any] = {"values": {}, "error": ""}
    if request.method == "POST":
        try:
            parent = _category_or_none(request.POST.get("parent", ""))
            created = category_create(actor=actor, name=request.POST.get("name", ""), parent=parent)
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": request.POST, "error": error.detail}
        else:
            messages.success(request, _("Category %(path)s added.") % {"path": created.path})
            return redirect("configuration:categories")
    return _categories_page(request, context)


@settings_view()
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    """Rename, move or (de)activate a category; the paths below it follow."""
    actor = agent_of(request)
    category = selectors.category_get(category_id)
    context: dict[str, Any] = {"category": category, "error": ""}
    if request.method == "POST":
        try:
            parent = _category_or_none(request.POST.get("parent", ""))
            category_update(
                actor=actor,
                category=category,
                name=request.POST.get("name", ""),
                is_active=checked(request, "is_active"),
                parent=parent,
            )
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            category = selectors.category_get(category_id)
            context = {"category": category, "error": error.detail, "values": request.POST}
        else:
            messages.success(request, _("Saved."))
            return redirect("configuration:categories")
    context["parents"] = [c for c in selectors.category_tree() if c.pk != category.pk]
    context["may_edit"] = _may_manage_categories(actor)
    status = 422 if context["error"] else 200
    return page(request, "configuration/category_edit.html", context, section="configuration:categories", status=status)


def _categories_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context |= {"tree": selectors.category_tree(), "may_edit": _may_manage_categories(agent_of(request))}
    status = 422 if context.get("error") else 200
    return page(request, "configuration/categories.html", context, section="configuration:categories", status=status)


def _may_manage_categories(actor: Any) -> bool:
    # As the category services (tickets/services/taxonomy.py) decide: supervisors and admins.
    return can_supervise(actor)


def _category_or_none(value: str) -> Any:
    if not value:
        return None
    try:
        return selectors.category_get(whole_number(value, 0) or 0)
    except NotFound:
        raise NotFound(_("The parent category is gone.")) from None


# --- tags ----------------------------------------------------------------------------------------


@settings_view()
@require_http_methods(["GET", "POST"])
def tags(request: HttpRequest) -> HttpResponse:
    """Tags with their use; add one (agents also add tags simply by using them)."""
    actor = agent_of(request)
    context: dict[str, Any] = {"values": {}, "error": ""}
    if request.method == "POST":
        try:
            tag = tag_create(actor=actor, name=request.POST.get("name", ""))
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": request.POST, "error": error.detail}
        else:
            messages.success(request, _("Tag %(name)s is ready.") % {"name": tag.name})
            return redirect("configuration:tags")
    query = request.GET.get("q", "").strip()
    context |= {"tags": selectors.tag_list(query=query), "query": query}
    status = 422 if context["error"] else 200
    return page(request, "configuration/tags.html", context, section="configuration:tags", status=status)


@settings_view()
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    """Rename a tag on every ticket that carries it; the page also offers to delete it."""
    tag = selectors.tag_get(tag_id)
    context: dict[str, Any] = {"tag": tag, "values": {"name": tag.name}, "error": ""}
    if request.method == "POST":
        try:
            renamed = tag_rename(actor=agent_of(request), tag=tag, name=request.POST.get("name", ""))
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context |= {"values": request.POST, "error": error.detail}
        else:
            messages.success(request, _("Tag %(name)s saved.") % {"name": renamed.name})
            return redirect("configuration:tags")
    status = 422 if context["error"] else 200
    return page(request, "configuration/tag_edit.html", context, section="configuration:tags", status=status)


@settings_view()
@require_POST
def tag_delete_view(request: HttpRequest, tag_id: int) -> HttpResponse:
    """Delete a tag and take it off its tickets."""
    tag = selectors.tag_get(tag_id)
    tickets = tag_delete(actor=agent_of(request), tag=tag)
    text = ngettext(
        "Tag %(name)s deleted and taken off %(count)d ticket.",
        "Tag %(name)s deleted and taken off %(count)d tickets.",
        tickets,
    )
    messages.success(request, text % {"name": tag.name, "count": tickets})
    return redirect("configuration:tags")


# --- custom fields -------------------------------------------------------------------------------


@settings_view(who="admin")
@require_http_methods(["GET", "POST"])
def fields(request: HttpRequest) -> HttpResponse:
    """Custom fields of tickets and customers; define a new one."""
    context: dict[str, Any] = {"values": {}, "errors": {}, "error": ""}
    if request.method == "POST":
        try:
            created = custom_field_create(
                actor=agent_of(request),
                target=request.POST.get("target", ""),
                key=request.POST.get("key", ""),
                label=request.POST.get("label", ""),
                type=request.POST.get("type", ""),
                choices=_choices(request.POST.get("choices", "")),
                required=checked(request, "required"),
                is_public=checked(request, "is_public"),
                position=whole_number(request.POST.get("position", "") or "0", -1),  # type: ignore[arg-type]
            )
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": request.POST, "errors": field_errors(error), "error": error.detail}
        else:
            messages.success(request, _("Custom field %(label)s added.") % {"label": created.label})
            return redirect("configuration:fields")
    context |= {
        "fields": selectors.custom_field_list(),
        "targets": CustomField.Target.choices,
        "types": CustomField.Type.choices,
    }
    status = 422 if context["error"] else 200
    return page(request, "configuration/fields.html", context, section="configuration:fields", status=status)


@settings_view(who="admin")
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    field = selectors.custom_field_get(field_id)
    context: dict[str, Any] = {"field": field, "errors": {}, "error": ""}
    if request.method == "POST":
        changes = {
            "label": request.POST.get("label", ""),
            "choices": _choices(request.POST.get("choices", "")),
            "required": checked(request, "required"),
            "is_public": checked(request, "is_public"),
            "position": whole_number(request.POST.get("position", "") or "0", -1),
        }
        try:
            custom_field_update(actor=agent_of(request), field=field, changes=changes)
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            field = selectors.custom_field_get(field_id)
            context = {"field": field, "errors": field_errors(error), "error": error.detail}
        else:
            messages.success(request, _("Saved."))
            return redirect("configuration:fields")
    status = 422 if context["error"] else 200
    return page(request, "configuration/field_edit.html", context, section="configuration:fields", status=status)


@settings_view(who="admin")
@require_POST
def field_delete(request: HttpRequest, field_id: int) -> HttpResponse:
    field = selectors.custom_field_get(field_id)
    custom_field_delete(actor=agent_of(request), field=field)
    messages.success(request, _("Custom field %(label)s removed.") % {"label": field.label})
    return redirect("configuration:fields")


def _choices(text: str) -> list[str]:
    """One choice a line."""
    return [line.strip() for line in text.splitlines() if line.strip()]
