"""The inbox: a view's tickets with filters, sort, keyset paging and bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput
from helpline.tickets.models import Channel, Priority, Status
from helpline.tickets.selectors import SORTS, ticket_queryset
from helpline.workspace.presenters import PRIORITY_LABELS, STATUS_SHORT
from helpline.workspace.selectors import (
    DEFAULT_VIEW,
    VIEWS_BY_SLUG,
    counts_forget,
    directory_get,
    inbox_filters_parse,
    inbox_page,
    inbox_view_get,
)
from helpline.workspace.services import BulkResult, tickets_bulk_change
from helpline.workspace.views._common import agent_of, agent_view, is_htmx, nav_context

SORT_LABELS = {
    "-updated_at": gettext_lazy("Recently updated"),
    "updated_at": gettext_lazy("Least recently updated"),
    "-created_at": gettext_lazy("Newest first"),
    "created_at": gettext_lazy("Oldest first"),
    "-number": gettext_lazy("Highest number"),
    "number": gettext_lazy("Lowest number"),
}
TEMPLATE = "workspace/inbox.html"


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request: HttpRequest, slug: str = DEFAULT_VIEW) -> HttpResponse:
    """GET: the view's first page (or, for htmx, just the rows or the results). POST: a bulk action
    on the selected tickets, then the view again."""
    agent = agent_of(request)
    view = inbox_view_get(slug)
    result = _bulk(request, agent) if request.method == "POST" else None
    if result is not None:
        counts_forget(agent)
    if result is not None and not is_htmx(request):
        _bulk_messages(request, result)
        return redirect(request.get_full_path())
    filters = inbox_filters_parse(request.GET)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else view.sort
    base = ticket_queryset(actor=agent)
    try:
        page = inbox_page(
            actor=agent, view=view, filters=filters, sort=sort, cursor=request.GET.get("cursor"), base=base
        )
    except InvalidInput as error:
        return HttpResponseBadRequest(error.detail)
    context: dict[str, Any] = {
        "view": view,
        "page": page,
        "filters": filters,
        "sort": sort,
        "view_query": _view_query(view.slug, sort),
        "status_labels": STATUS_SHORT,
        "priority_labels": PRIORITY_LABELS,
        "bulk": result,
        "bulk_text": bulk_summary(result) if result and result.done else "",
        "by_created": sort in ("-created_at", "created_at"),
        "ticket_base": reverse("workspace:ticket", args=[0])[:-1],
        "select_label": _("Select ticket"),
        "unassigned_label": _("Unassigned"),
    }
    target = request.headers.get("HX-Target", "") if is_htmx(request) else ""
    if target == "more-row":
        return render(request, f"{TEMPLATE}#rows", context)
    context["directory"] = directory_get(actor=agent, with_categories=False)
    context.update(_filter_choices())
    if target == "inbox-results":
        response = render(request, f"{TEMPLATE}#results", context)
        response["HX-Trigger"] = "hl-counts"
        return response
    context.update(nav_context(agent, view, base))
    return render(request, TEMPLATE, context)


@agent_view
@require_safe
def counts(request: HttpRequest) -> HttpResponse:
    """The sidebar again (live updates ask for it after a change)."""
    current = VIEWS_BY_SLUG.get(request.GET.get("view", ""))
    return render(request, "workspace/layout.html#nav", nav_context(agent_of(request), current, fresh=True))


@agent_view
@require_safe
def jump(request: HttpRequest) -> HttpResponse:
    """The top bar's "go to ticket #": digits open that ticket (its page says if there is none)."""
    digits = "".join(ch for ch in request.GET.get("q", "") if ch.isdigit())
    if not digits:
        messages.info(request, _("Type a ticket number, like 1042."))
        return redirect(request.META.get("HTTP_REFERER") or "workspace:inbox")
    return redirect("workspace:ticket", number=int(digits[:18]))


def _bulk(request: HttpRequest, agent: Agent) -> BulkResult:
    ids = []
    for value in request.POST.getlist("ticket"):
        if value.isdigit():
            ids.append(int(value))
    action = request.POST.get("action", "apply")
    if not ids:
        return BulkResult(failed=[(0, _("Select tickets first."))])
    if action == "spam":
        return tickets_bulk_change(actor=agent, ticket_ids=ids, changes={}, spam=True)
    changes: dict[str, Any] = {}
    if action == "solve":
        changes["status"] = Status.SOLVED
    elif action == "assign-me":
        changes["assignee"] = agent
    else:
        changes.update(_bulk_changes(request, agent))
    if not changes:
        return BulkResult(failed=[(0, _("Choose what to change first."))])
    return tickets_bulk_change(actor=agent, ticket_ids=ids, changes=changes)


def _bulk_changes(request: HttpRequest, agent: Agent) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    assignee = request.POST.get("assignee", "")
    if assignee == "none":
        changes["assignee"] = None
    elif assignee.isdigit():
        chosen = Agent.objects.filter(pk=int(assignee), is_active=True).first()
        if chosen is not None:
            changes["assignee"] = chosen
    if request.POST.get("status") in Status.values:
        changes["status"] = request.POST["status"]
    if request.POST.get("priority") in Priority.values:
        changes["priority"] = request.POST["priority"]
    tag = request.POST.get("add_tag", "").strip()
    if tag:
        changes["add_tags"] = [t for t in tag.replace(",", " ").split() if t]
    return changes


def _bulk_messages(request: HttpRequest, result: BulkResult) -> None:
    if result.done:
        messages.success(request, bulk_summary(result))
    for number, why in result.failed:
        messages.error(request, f"#{number}: {why}" if number else why)


def bulk_summary(result: BulkResult) -> str:
    return ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", len(result.done)) % {
        "count": len(result.done)
    }


def _view_query(slug: str, sort: str) -> str:
    """What a ticket link carries so that j/k on the ticket page walk the same list."""
    return f"view={slug}&sort={sort}"


def _filter_choices() -> dict[str, Any]:
    return {
        "status_choices": list(STATUS_SHORT.items()),
        "priority_choices": list(PRIORITY_LABELS.items()),
        "channel_choices": Channel.choices,
        "sort_choices": list(SORT_LABELS.items()),
        "inbox_url": reverse("workspace:inbox"),
    }
