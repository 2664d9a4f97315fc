"""The ticket page's sidebar properties, each changed in place: status, priority, team, assignee,
category, tags, followers and the admin-defined custom fields."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpline.accounts.models import Agent
from helpline.accounts.permissions import can_edit_ticket
from helpline.core.customfields import custom_field_definitions
from helpline.core.errors import ServiceError, StaleVersion
from helpline.core.models import CustomField
from helpline.tickets.models import Priority, Status, Ticket
from helpline.tickets.selectors import ticket_get
from helpline.tickets.services import ticket_update
from helpline.workspace.presenters import PRIORITY_LABELS, STATUS_SHORT, status_choices
from helpline.workspace.selectors import Directory, counts_forget, directory_get
from helpline.workspace.views._common import agent_of, agent_view, error_text, is_htmx, ticket_part

CUSTOM_FIELD_PREFIX = "cf."


@agent_view
@require_http_methods(["GET", "POST"])
def ticket_properties(request: HttpRequest, number: int) -> HttpResponse:
    """GET: the properties again (live updates). POST: change one property (the field htmx names in
    HX-Trigger-Name, or every field of a plain form post) at the version the agent saw; a stale
    version shows the current values instead."""
    agent = agent_of(request)
    ticket = ticket_get(actor=agent, number=number)
    directory = directory_get(actor=agent)
    notice: dict[str, str] | None = None
    if request.method == "GET":
        return _properties_response(request, agent, ticket, directory, notice)
    try:
        changes = _property_changes(request, agent, ticket, directory)
        version = int(request.POST.get("version", ""))
    except ValueError:
        changes, version = {}, ticket.version
        notice = {"kind": "error", "text": _("That value is not valid.")}
    if changes:
        counts_forget(agent)
        try:
            ticket_update(actor=agent, ticket=ticket.pk, changes=changes, version=version)
            notice = {"kind": "success", "text": _("Saved.")}
        except StaleVersion:
            notice = {
                "kind": "warning",
                "title": _("Someone else changed this ticket."),
                "text": _("Your change was not saved. These are the current values: check them and try again."),
            }
        except ServiceError as error:
            notice = {"kind": "error", "text": error_text(error)}
        ticket = ticket_get(actor=agent, number=number)
    if not is_htmx(request):
        return redirect(reverse("workspace:ticket", args=[number]))
    return _properties_response(request, agent, ticket, directory, notice)


def properties_context(agent: Agent, ticket: Ticket, directory: Directory) -> dict[str, Any]:
    """What the properties card shows; `ticket` comes from ticket_get (followers prefetched)."""
    followers = list(ticket.followers.all())
    follower_ids = {f.pk for f in followers}
    return {
        "directory": directory,
        "may_edit": can_edit_ticket(agent, ticket),
        "status_options": status_choices(ticket.status),
        "priority_options": list(PRIORITY_LABELS.items()),
        "tag_text": ", ".join(t.name for t in ticket.tags.all()),
        "status_labels": STATUS_SHORT,
        "followers": followers,
        "follower_choices": [a for a in directory.agents if a.pk not in follower_ids],
        "following": agent.pk in follower_ids,
        "custom_fields": _custom_field_rows(ticket),
    }


def _properties_response(
    request: HttpRequest, agent: Agent, ticket: Ticket, directory: Directory, notice: dict[str, str] | None
) -> HttpResponse:
    context = {"ticket": ticket, **properties_context(agent, ticket, directory), "notice": notice}
    html: str = render_to_string("workspace/ticket.html#properties", context, request=request)
    html += ticket_part(request, "header", {**context, "priority_labels": PRIORITY_LABELS}, oob=True)
    return HttpResponse(html)


# --- reading the form ----------------------------------------------------------------------------


def _property_changes(request: HttpRequest, agent: Agent, ticket: Ticket, directory: Directory) -> dict[str, Any]:
    post = request.POST
    if "take" in post:
        return {"assignee": agent}
    trigger = request.headers.get("HX-Trigger-Name", "") if is_htmx(request) else ""
    followers = _followers_change(post, trigger, agent, ticket, directory)
    if followers is not None:
        return {"followers": followers}
    if trigger.startswith(CUSTOM_FIELD_PREFIX):
        return {"custom_fields": _custom_field_values(post, [trigger])}
    fields = [trigger] if trigger in PROPERTY_FIELDS else list(PROPERTY_FIELDS)
    changes: dict[str, Any] = {}
    for name in fields:
        if name in post:
            changes[name] = PROPERTY_FIELDS[name](post[name], directory)
    if not trigger:
        # Only the custom fields the agent changed: one left empty but required must not refuse
        # the change of another property.
        shown = {row["name"]: row["value"] for row in _custom_field_rows(ticket)}
        edited = [name for name in post if name.startswith(CUSTOM_FIELD_PREFIX) and post[name] != shown.get(name)]
        if edited:
            changes["custom_fields"] = _custom_field_values(post, edited)
    return changes


def _followers_change(
    post: QueryDict, trigger: str, agent: Agent, ticket: Ticket, directory: Directory
) -> list[Agent] | None:
    """The whole new set of followers when the agent added or removed one, else None."""
    current = {f.pk: f for f in ticket.followers.all()}
    if "follow_me" in post:
        return [*current.values(), agent]
    if "unfollow" in post:
        pk = int(post.get("unfollow") or "")
        return [f for f in current.values() if f.pk != pk]
    added = post.get("add_follower", "")
    if added and trigger in ("add_follower", ""):
        person = directory.agent(int(added))
        if person is None:
            raise ValueError(added)
        return [*current.values(), person]
    return None


def _custom_field_rows(ticket: Ticket) -> list[dict[str, Any]]:
    definitions = sorted(
        custom_field_definitions(CustomField.Target.TICKET).values(), key=lambda f: (f.position, f.key)
    )
    return [_custom_field_row(field, ticket.custom_fields.get(field.key)) for field in definitions]


def _custom_field_values(post: QueryDict, names: list[str]) -> dict[str, Any]:
    """{key: typed value, or None to clear it}; the ticket services validate the values."""
    definitions = custom_field_definitions(CustomField.Target.TICKET)
    values: dict[str, Any] = {}
    for name in names:
        key = name[len(CUSTOM_FIELD_PREFIX) :]
        if key in definitions and name in post:
            values[key] = _custom_field_value(definitions[key], post.get(name) or "")
        elif key not in definitions:
            values[key] = post.get(name)  # refused by the service, with the field named
    return values


def _custom_field_value(field: CustomField, raw: str) -> Any:
    if not raw.strip():
        return None
    match field.type:
        case CustomField.Type.NUMBER:
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(raw)
            return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
        case CustomField.Type.INTEGER:
            return int(raw)
        case CustomField.Type.BOOLEAN:
            return {"true": True, "false": False}[raw] if raw in ("true", "false") else raw
        case CustomField.Type.CHOICE:
            return next((choice for choice in field.choices if str(choice) == raw), raw)
    return raw


def _custom_field_row(field: CustomField, value: Any) -> dict[str, Any]:
    """A custom field as the form shows it: its input's value as text."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return {"field": field, "name": f"{CUSTOM_FIELD_PREFIX}{field.key}", "id": f"cf-{field.key}", "value": text}


def _choice(values: list[str]) -> Callable[[str, Directory], str]:
    def parse(value: str, directory: Directory) -> str:
        if value not in values:
            raise ValueError(value)
        return value

    return parse


def _related(kind: str) -> Callable[[str, Directory], Any]:
    def parse(value: str, directory: Directory) -> Any:
        if not value:
            return None
        found = getattr(directory, kind)(int(value))
        if found is None:
            raise ValueError(value)
        return found

    return parse


def _tags(value: str, directory: Directory) -> list[str]:
    return [t for t in value.replace(",", " ").split() if t]


PROPERTY_FIELDS: dict[str, Callable[[str, Directory], Any]] = {
    "status": _choice(list(Status.values)),
    "priority": _choice(list(Priority.values)),
    "category": _related("category"),
    "team": _related("team"),
    "assignee": _related("agent"),
    "tags": _tags,
}
