"""Merging a ticket into another from its page: choose the number, confirm, merged."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpline.core.errors import NotFound, ServiceError
from helpline.tickets.selectors import ticket_get
from helpline.tickets.services import ticket_merge
from helpline.workspace.presenters import PRIORITY_LABELS, STATUS_SHORT
from helpline.workspace.selectors import counts_forget
from helpline.workspace.views._common import agent_of, agent_view, error_text, nav_context


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_merge_page(request: HttpRequest, number: int) -> HttpResponse:
    """GET `?into=<number>`: both tickets side by side and what merging does. POST: merge (the
    ticket services check permission and write the events), then the target's page."""
    agent = agent_of(request)
    source = ticket_get(actor=agent, number=number)
    back = reverse("workspace:ticket", args=[number])
    data = request.POST if request.method == "POST" else request.GET
    digits = "".join(ch for ch in data.get("into", "") if ch.isdigit())[:18]
    if not digits:
        messages.error(request, _("Type the number of the ticket to merge this one into."))
        return redirect(back)
    try:
        target = ticket_get(actor=agent, number=int(digits))
    except NotFound:
        messages.error(request, _("There is no ticket #%(number)s you can see.") % {"number": digits})
        return redirect(back)
    if request.method == "POST":
        try:
            ticket_merge(actor=agent, source=source.pk, target=target.pk)
        except ServiceError as error:
            messages.error(request, error_text(error))
            return redirect(back)
        counts_forget(agent)
        messages.success(request, _("#%(source)d was merged into this ticket.") % {"source": source.number})
        return redirect(reverse("workspace:ticket", args=[target.number]))
    context = {
        "source": source,
        "target": target,
        "same": source.pk == target.pk,
        "status_labels": STATUS_SHORT,
        "priority_labels": PRIORITY_LABELS,
        **nav_context(agent, None),
    }
    return render(request, "workspace/ticket_merge.html", context)
