"""A ticket's History tab: every event from the log, newest first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from helpline.tickets.selectors import ticket_get
from helpline.workspace.presenters import PRIORITY_LABELS, STATUS_SHORT, history_entries, ticket_names
from helpline.workspace.selectors import directory_get, ticket_history
from helpline.workspace.views._common import agent_of, agent_view, is_htmx, nav_context

TEMPLATE = "workspace/ticket_history.html"


@agent_view
@require_safe
def ticket_history_page(request: HttpRequest, number: int) -> HttpResponse:
    """htmx: the entries (the tab loads them when first shown; `cursor` asks for older ones).
    Otherwise a page of its own, for browsers without JavaScript."""
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    directory = directory_get(actor=agent)
    page = ticket_history(actor=agent, ticket=ticket, cursor=request.GET.get("cursor"))
    names = ticket_names(directory, ticket)
    context = {"ticket": ticket, "entries": history_entries(page.items, names), "cursor": page.next_cursor}
    if is_htmx(request):
        return render(request, f"{TEMPLATE}#history", context)
    context.update(nav_context(agent, None), status_labels=STATUS_SHORT, priority_labels=PRIORITY_LABELS)
    return render(request, TEMPLATE, context)
