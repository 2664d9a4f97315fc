"""The composer's canned responses: those the agent may use, filled in for the ticket at hand."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from helpline.responses.placeholders import placeholders_fill
from helpline.responses.selectors import canned_responses_visible
from helpline.tickets.selectors import ticket_get
from helpline.workspace.views._common import agent_of, agent_view


@agent_view
@require_safe
def ticket_responses(request: HttpRequest, number: int) -> HttpResponse:
    """The picker's list (the composer loads it when the picker first opens): each response's title
    and its text with the placeholders filled in for this ticket and this agent."""
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    items = [
        {"response": response, "text": placeholders_fill(response.body, ticket=ticket, agent=agent)}
        for response in canned_responses_visible(actor=agent, query=request.GET.get("q", ""))
    ]
    return render(request, "workspace/_canned_list.html", {"items": items})
