"""The inbox: a view's tickets (built-in or saved) with filters, sort, columns, keyset paging and
bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput, ServiceError
from helpline.tickets.models import Category, Channel, Priority, Status, Ticket
from helpline.tickets.selectors import SORTS, ticket_get, ticket_queryset
from helpline.workspace.models import SavedView
from helpline.workspace.presenters import PRIORITY_LABELS, STATUS_SHORT, inbox_rows
from helpline.workspace.selectors import (
    COLUMNS,
    DEFAULT_VIEW,
    VIEWS_BY_SLUG,
    InboxView,
    counts_forget,
    directory_get,
    inbox_columns,
    inbox_filters_parse,
    inbox_page,
    inbox_view_get,
    saved_view_may_change,
    saved_view_query,
)
from helpline.workspace.services import BulkResult, tickets_bulk_change, tickets_bulk_merge
from helpline.workspace.views._common import agent_of, agent_view, error_text, is_htmx, nav_context

SORT_LABELS = {
    "-updated_at": gettext_lazy("Recently updated"),
    "updated_at": gettext_lazy("Least recently updated"),
    "-created_at": gettext_lazy("Newest first"),
    "created_at": gettext_lazy("Oldest first"),
    "-number": gettext_lazy("Highest number"),
    "number": gettext_lazy("Lowest number"),
}
TEMPLATE = "workspace/inbox.html"


@dataclass
class MergeQuestion:
    """A bulk merge waiting for the agent's confirmation."""

    target: Ticket
    sources: list[int]  # ticket numbers


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request: HttpRequest, slug: str = DEFAULT_VIEW) -> HttpResponse:
    """GET: the view's first page (or, for htmx, just the rows or the results). POST: a bulk action
    on the selected tickets, then the view again."""
    return inbox_response(request, inbox_view_get(slug), None)


def inbox_response(request: HttpRequest, view: InboxView, saved: SavedView | None) -> HttpResponse:
    """A built-in view, or a saved one (its filters, sort and columns until the filter bar sends
    its own values), with the bulk action a POST asks for done first."""
    agent = agent_of(request)
    result, question = _bulk(request, agent) if request.method == "POST" else (None, None)
    if result is not None:
        counts_forget(agent)
    if result is not None and not is_htmx(request):
        _bulk_messages(request, result)
        return redirect(request.get_full_path())
    query = request.GET if saved is None or "sort" in request.GET else saved_view_query(saved)
    filters = inbox_filters_parse(query)
    sort = query.get("sort", "")
    sort = sort if sort in SORTS else view.sort
    columns = inbox_columns(query.getlist("col"), sort)
    base = ticket_queryset(actor=agent)
    try:
        page = inbox_page(
            actor=agent, view=view, filters=filters, sort=sort, cursor=request.GET.get("cursor"), base=base
        )
    except InvalidInput as error:
        return HttpResponseBadRequest(error.detail)
    show = {name: name in columns for name in COLUMNS}
    view_query = _view_query(view, saved, sort)
    ticket_base = reverse("workspace:ticket", args=[0])[:-1]
    context: dict[str, Any] = {
        "view": view,
        "saved": saved,
        "page": page,
        "rows": inbox_rows(page.items, show=show, link=ticket_base, link_query=view_query),
        "filters": filters,
        "sort": sort,
        "columns": columns,
        "show": show,
        "column_count": len(columns) + 1,
        "view_query": view_query,
        "bulk": result,
        "bulk_text": bulk_summary(result) if result and result.done else "",
        "merge_question": question,
        "selected": _selected(request) if question else set(),
        "select_label": _("Select ticket"),
        "unassigned_label": _("Unassigned"),
    }
    target = request.headers.get("HX-Target", "") if is_htmx(request) else ""
    if target == "more-row":
        return render(request, f"{TEMPLATE}#rows", context)
    context["directory"] = directory_get(actor=agent)
    context.update(_filter_choices())
    if target == "inbox-results":
        response = render(request, f"{TEMPLATE}#results", context)
        response["HX-Trigger"] = "hl-counts"
        return response
    context.update(nav_context(agent, view if saved is None else None, base, saved_id=saved.pk if saved else None))
    context.update(
        share_teams=context["directory"].share_teams,
        may_change_saved=saved is not None and saved_view_may_change(agent, saved),
        page_title=saved.name if saved is not None else view.label,
        count_key=f"saved-{saved.pk}" if saved is not None else view.slug,
    )
    return render(request, TEMPLATE, context)


@agent_view
@require_safe
def counts(request: HttpRequest) -> HttpResponse:
    """The sidebar again (live updates ask for it after a change)."""
    current = VIEWS_BY_SLUG.get(request.GET.get("view", ""))
    saved = request.GET.get("saved", "")
    context = nav_context(agent_of(request), current, fresh=True, saved_id=int(saved) if saved.isdigit() else None)
    return render(request, "workspace/layout.html#nav", context)


@agent_view
@require_safe
def jump(request: HttpRequest) -> HttpResponse:
    """The top bar's "go to ticket #": digits open that ticket (its page says if there is none)."""
    digits = "".join(ch for ch in request.GET.get("q", "") if ch.isdigit())
    if not digits:
        messages.info(request, _("Type a ticket number, like 1042."))
        return redirect(request.META.get("HTTP_REFERER") or "workspace:inbox")
    return redirect("workspace:ticket", number=int(digits[:18]))


# --- bulk actions --------------------------------------------------------------------------------


def _selected(request: HttpRequest) -> set[int]:
    return {int(value) for value in request.POST.getlist("ticket") if value.isdigit()}


def _bulk(request: HttpRequest, agent: Agent) -> tuple[BulkResult | None, MergeQuestion | None]:
    """Do what the bulk bar asks: (the result, None), or (None, the question) for a merge that
    waits for confirmation, or (None, None) when the agent cancelled one."""
    ids = sorted(_selected(request))
    action = request.POST.get("action", "apply")
    if action == "cancel":
        return None, None
    if not ids:
        return BulkResult(failed=[(0, _("Select tickets first."))]), None
    if action == "spam":
        return tickets_bulk_change(actor=agent, ticket_ids=ids, changes={}, spam=True), None
    if action in ("merge", "merge-confirm"):
        return _bulk_merge(request, agent, ids, confirmed=action == "merge-confirm")
    changes: dict[str, Any] = {}
    if action == "solve":
        changes["status"] = Status.SOLVED
    elif action == "assign-me":
        changes["assignee"] = agent
    else:
        changes.update(_bulk_changes(request, agent))
    if not changes:
        return BulkResult(failed=[(0, _("Choose what to change first."))]), None
    return tickets_bulk_change(actor=agent, ticket_ids=ids, changes=changes), None


def _bulk_merge(
    request: HttpRequest, agent: Agent, ids: list[int], *, confirmed: bool
) -> tuple[BulkResult | None, MergeQuestion | None]:
    field = "merge_target" if confirmed else "merge_into"
    digits = "".join(ch for ch in request.POST.get(field, "") if ch.isdigit())[:18]
    if not digits:
        return BulkResult(failed=[(0, _("Type the number of the ticket to merge into."))]), None
    try:
        if confirmed:
            return tickets_bulk_merge(actor=agent, ticket_ids=ids, target_number=int(digits)), None
        target = ticket_get(actor=agent, number=int(digits))
    except ServiceError as error:
        return BulkResult(failed=[(0, error_text(error))]), None
    sources = list(
        ticket_queryset(actor=agent)
        .filter(pk__in=ids)
        .exclude(pk=target.pk)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not sources:
        return BulkResult(failed=[(0, _("Select the tickets to merge, besides the one they go into."))]), None
    return None, MergeQuestion(target=target, sources=sources)


def _bulk_changes(request: HttpRequest, agent: Agent) -> dict[str, Any]:
    post = request.POST
    changes: dict[str, Any] = {}
    assignee = post.get("assignee", "")
    if assignee == "none":
        changes["assignee"] = None
    elif assignee.isdigit():
        chosen = Agent.objects.filter(pk=int(assignee), is_active=True).first()
        if chosen is not None:
            changes["assignee"] = chosen
    if post.get("status") in Status.values:
        changes["status"] = post["status"]
    if post.get("priority") in Priority.values:
        changes["priority"] = post["priority"]
    category = post.get("category", "")
    if category == "none":
        changes["category"] = None
    elif category.isdigit():
        chosen_category = Category.objects.filter(pk=int(category), is_active=True).first()
        if chosen_category is not None:
            changes["category"] = chosen_category
    for field, change in (("add_tag", "add_tags"), ("remove_tag", "remove_tags")):
        names = [t for t in post.get(field, "").replace(",", " ").split() if t]
        if names:
            changes[change] = names
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


# --- helpers -------------------------------------------------------------------------------------


def _view_query(view: InboxView, saved: SavedView | None, sort: str) -> str:
    """What a ticket link carries so that j/k on the ticket page walk the same list."""
    if saved is not None:
        return urlencode({"saved": str(saved.pk), "sort": sort})
    return urlencode({"view": view.slug, "sort": sort})


def _filter_choices() -> dict[str, Any]:
    return {
        "status_choices": list(STATUS_SHORT.items()),
        "priority_choices": list(PRIORITY_LABELS.items()),
        "channel_choices": Channel.choices,
        "sort_choices": list(SORT_LABELS.items()),
        "column_choices": list(COLUMNS.items()),
        "inbox_url": reverse("workspace:inbox"),
    }
