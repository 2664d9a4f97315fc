"""The ticket page: thread, composer (reply / note, held on collision), requester; the properties
are in views/properties.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from helpline.accounts.models import Agent
from helpline.accounts.permissions import can_reply
from helpline.core.errors import InvalidInput, ServiceError
from helpline.customers.selectors import customer_get
from helpline.tickets.models import Attachment, Message, Status, Ticket
from helpline.tickets.selectors import attachment_get, message_list, ticket_get, ticket_queryset
from helpline.tickets.services import attachment_upload, note_add, reply_add
from helpline.workspace.presenters import (
    PRIORITY_LABELS,
    STATUS_SHORT,
    message_card,
    thread_items,
    ticket_names,
)
from helpline.workspace.selectors import (
    DEFAULT_VIEW,
    VIEWS_BY_SLUG,
    Directory,
    counts_forget,
    directory_get,
    inbox_view_get,
    last_public_message_id,
    messages_since,
    requester_tickets,
    saved_view_base,
    saved_view_filters,
    saved_view_get,
    thread_events,
    ticket_neighbour,
)
from helpline.workspace.views._common import agent_of, agent_view, error_text, is_htmx, nav_context, ticket_part
from helpline.workspace.views.properties import properties_context

TEMPLATE = "workspace/ticket.html"
THREAD_PAGE = 50
MAX_FILES = 10


@agent_view
@require_safe
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    agent = agent_of(request)
    base = ticket_queryset(actor=agent)
    ticket = ticket_get(actor=agent, number=number)
    context = _page_context(request, agent, ticket, base)
    context.update(nav_context(agent, VIEWS_BY_SLUG.get(request.GET.get("view", "")), base))
    return render(request, TEMPLATE, context)


@agent_view
@require_safe
def ticket_thread(request: HttpRequest, number: int) -> HttpResponse:
    """The thread alone (live updates swap it in); with `cursor`, the next messages only."""
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    directory = directory_get(actor=agent)
    context = {"ticket": ticket, **_thread_context(agent, ticket, directory, request.GET.get("cursor"))}
    part = "thread-more" if request.GET.get("cursor") else "thread"
    return render(request, f"{TEMPLATE}#{part}", context)


@agent_view
@require_POST
def ticket_message(request: HttpRequest, number: int) -> HttpResponse:
    """Send a public reply or add an internal note, with files.

    A reply is held when public messages arrived after the last one the agent saw (`last_seen`):
    the composer comes back with the text, the files already uploaded, what arrived, and
    "Send anyway" (which carries the newest id shown).
    """
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    form = _composer_form(request)
    errors = _upload(request, agent, form)
    newer: list[Message] = []
    if not errors and form["kind"] == "reply":
        # "Send anyway" posts the newest id it was shown, so only what arrived since holds again.
        newer = messages_since(actor=agent, ticket=ticket, after_id=form["last_seen"])
    sent = False
    if not errors and not newer:
        try:
            _send(agent, ticket, form)
            sent = True
            counts_forget(agent)
        except ServiceError as error:
            errors.append(error_text(error))
    if not is_htmx(request):
        return _message_fallback(request, agent, ticket, form, errors, newer, sent)
    directory = directory_get(actor=agent)
    ticket = ticket_get(actor=agent, number=number)
    thread = _thread_context(agent, ticket, directory, None)
    composer = _composer_context(agent, ticket, directory, thread["last_public_id"])
    if not sent:
        composer.update(form=form, errors=errors, newer=[message_card(m) for m in newer])
    context = {"ticket": ticket, **thread, **composer}
    html: str = render_to_string(f"{TEMPLATE}#composer", context, request=request)
    html += ticket_part(request, "thread", context, oob=True)
    if sent:
        html += ticket_part(
            request, "properties", {**context, **properties_context(agent, ticket, directory)}, oob=True
        )
        html += ticket_part(request, "header", context, oob=True)
    return HttpResponse(html)


@agent_view
@require_safe
def ticket_neighbour_go(request: HttpRequest, number: int) -> HttpResponse:
    """j / k on a ticket: the next (or previous) ticket of the view the agent came from."""
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    sort = request.GET.get("sort", "")
    filters = None
    if request.GET.get("saved", "").isdigit():
        saved = saved_view_get(actor=agent, saved_view_id=int(request.GET["saved"]))
        view, filters, sort = saved_view_base(saved), saved_view_filters(saved), sort or saved.sort
    else:
        view = inbox_view_get(request.GET.get("view") or DEFAULT_VIEW)
    forward = request.GET.get("dir") != "prev"
    found = ticket_neighbour(actor=agent, view=view, ticket=ticket, sort=sort, forward=forward, filters=filters)
    walk = _walk(request)
    if found is None:
        return redirect(walk["list_url"])
    return redirect(f"{reverse('workspace:ticket', args=[found.number])}?{walk['walk_query']}")


def _walk(request: HttpRequest) -> dict[str, str]:
    """The list the agent came from (a view or a saved view, with its sort), which j / k walk and
    "Back to list" returns to."""
    get = request.GET
    if get.get("saved", "").isdigit():
        params = {"saved": get["saved"], "sort": get.get("sort", "")}
        return {"walk_query": urlencode(params), "list_url": reverse("workspace:saved", args=[int(get["saved"])])}
    slug = get.get("view", "")
    params = {"view": slug or DEFAULT_VIEW, "sort": get.get("sort", "")}
    list_url = reverse("workspace:view", args=[slug]) if slug in VIEWS_BY_SLUG else reverse("workspace:inbox")
    return {"walk_query": urlencode(params), "list_url": list_url}


# --- contexts ------------------------------------------------------------------------------------


def _page_context(request: HttpRequest, agent: Agent, ticket: Ticket, base: Any) -> dict[str, Any]:
    directory = directory_get(actor=agent)
    thread = _thread_context(agent, ticket, directory, None)
    requester = customer_get(actor=agent, customer_id=ticket.requester_id)
    return {
        "ticket": ticket,
        "requester": requester,
        "requester_tickets": requester_tickets(actor=agent, requester_id=requester.pk, base=base),
        **_walk(request),
        **thread,
        **_composer_context(agent, ticket, directory, thread["last_public_id"]),
        **properties_context(agent, ticket, directory),
    }


def _thread_context(agent: Agent, ticket: Ticket, directory: Directory, cursor: str | None) -> dict[str, Any]:
    page = message_list(actor=agent, ticket=ticket, limit=THREAD_PAGE, cursor=cursor)
    events = thread_events(ticket=ticket)
    if page.next_cursor and page.items:
        events = [e for e in events if e.at <= page.items[-1].created_at]
    if cursor and page.items:
        events = [e for e in events if e.at > page.items[0].created_at]
    names = ticket_names(directory, ticket)
    public = [m.pk for m in page.items if m.is_public]
    last_public = last_public_message_id(ticket=ticket) if page.next_cursor else (public[-1] if public else 0)
    return {
        "items": thread_items(page.items, events, names),
        "thread_cursor": page.next_cursor,
        "last_public_id": last_public,
        "status_labels": STATUS_SHORT,
        "priority_labels": PRIORITY_LABELS,
    }


def _composer_context(agent: Agent, ticket: Ticket, directory: Directory, last_public_id: int) -> dict[str, Any]:
    return {
        "may_reply": can_reply(agent, ticket) and ticket.status != Status.CLOSED and ticket.disposition == "active",
        "last_seen": last_public_id,
        "mentionable": [a for a in directory.agents if a.pk != agent.pk],
        "form": {"kind": "reply" if agent.may_reply else "note", "body": "", "attachments": [], "status": ""},
        "errors": [],
        "newer": [],
    }


# --- composer ------------------------------------------------------------------------------------


def _composer_form(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "kind": "note" if post.get("kind") == "note" else "reply",
        "body": post.get("body", ""),
        "status": post.get("status", "") if post.get("status", "") in Status.values else "",
        "last_seen": _int(post.get("last_seen")),
        "mentions": [i for i in map(_int, post.getlist("mention")) if i],
        "attachments": list(_own_uploads(request, [i for i in map(_int, post.getlist("attachment")) if i])),
    }


def _own_uploads(request: HttpRequest, ids: list[int]) -> list[Attachment]:
    """Files uploaded with an earlier, held attempt: still unbound and the agent's own."""
    found = []
    for pk in ids[:MAX_FILES]:
        try:
            attachment = attachment_get(actor=agent_of(request), attachment_id=pk)
        except ServiceError:
            continue
        if attachment.message_id is None:
            found.append(attachment)
    return found


def _upload(request: HttpRequest, agent: Agent, form: dict[str, Any]) -> list[str]:
    errors = []
    files = request.FILES.getlist("files")
    if len(files) + len(form["attachments"]) > MAX_FILES:
        return [_("Attach at most %(count)d files to one message.") % {"count": MAX_FILES}]
    for upload in files:
        try:
            form["attachments"].append(
                attachment_upload(
                    actor=agent,
                    content=upload,
                    filename=upload.name or "attachment",
                    content_type=upload.content_type or "application/octet-stream",
                )
            )
        except ServiceError as error:
            errors.append(f"{upload.name}: {error.detail}")
    return errors


def _send(agent: Agent, ticket: Ticket, form: dict[str, Any]) -> Message:
    ids = [a.pk for a in form["attachments"]]
    if form["kind"] == "note":
        return note_add(
            actor=agent, ticket=ticket.pk, body_text=form["body"], mention_ids=form["mentions"], attachment_ids=ids
        )
    if not form["body"].strip():
        raise InvalidInput(_("Write a reply first."))
    return reply_add(
        actor=agent, ticket=ticket.pk, body_text=form["body"], status=form["status"] or None, attachment_ids=ids
    )


def _message_fallback(
    request: HttpRequest,
    agent: Agent,
    ticket: Ticket,
    form: dict[str, Any],
    errors: list[str],
    newer: list[Message],
    sent: bool,
) -> HttpResponse:
    """Without htmx: back to the page after a send; the whole page with the held composer else."""
    if sent:
        return redirect(reverse("workspace:ticket", args=[ticket.number]))
    base = ticket_queryset(actor=agent)
    context = _page_context(request, agent, ticket, base)
    context.update(nav_context(agent, None, base), form=form, errors=errors, newer=[message_card(m) for m in newer])
    return render(request, TEMPLATE, context, status=409 if newer else 422)


# --- helpers -------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
