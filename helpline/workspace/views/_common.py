"""What every workspace view needs: the signed-in agent, the sidebar, service errors as pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from helpline.accounts.models import Agent
from helpline.core.errors import NotFound, ServiceError
from helpline.tickets.models import Ticket
from helpline.workspace.models import SavedView
from helpline.workspace.selectors import (
    COUNT_CAP,
    VIEWS,
    InboxView,
    inbox_counts_recent,
    saved_view_counts,
    saved_view_key,
    saved_views_recent,
)

View = Callable[..., HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def agent_view(view: View) -> View:
    """Signed-in agents only (others go to the sign-in page); NotFound from a selector is a 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404(_("There is nothing here.")) from None

    return wrapped


def agent_of(request: HttpRequest) -> Agent:
    return cast(Agent, request.user)


def count_label(count: int) -> str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def nav_context(
    agent: Agent,
    current: InboxView | None,
    base: QuerySet[Ticket] | None = None,
    *,
    fresh: bool = False,
    saved_id: int | None = None,
) -> dict[str, Any]:
    """The sidebar: every view and the agent's saved views with their capped counts (one query, or
    none while they are recent); `saved_id` marks the current saved view."""
    saved_views = saved_views_recent(actor=agent, fresh=fresh)
    counts = inbox_counts_recent(actor=agent, base=base, fresh=fresh, saved=saved_view_counts(saved_views))
    return {
        "current_view": current,
        "current_saved_id": saved_id,
        "nav_views": [
            {"view": view, "count": counts[view.slug], "label": count_label(counts[view.slug])} for view in VIEWS
        ],
        "nav_saved": [_saved_item(s, counts.get(saved_view_key(s), 0)) for s in saved_views],
        "availability_choices": Agent.Availability.choices,
    }


def _saved_item(saved: SavedView, count: int) -> dict[str, Any]:
    return {"saved": saved, "count": count, "label": count_label(count), "key": saved_view_key(saved)}


def error_text(error: ServiceError) -> str:
    """A service error as one sentence, with the per-field messages when there are some."""
    details = [f"{e.get('field', '')}: {e.get('message', '')}" for e in error.errors if e.get("message")]
    if details and error.detail.endswith("not valid."):
        return f"{error.detail} ({'; '.join(details)})"
    return error.detail


def ticket_part(request: HttpRequest, part: str, context: dict[str, Any], *, oob: bool = False) -> str:
    """A partial of the ticket page; with `oob`, marked for an out-of-band swap (its root element
    carries the id)."""
    return render_to_string(f"workspace/ticket.html#{part}", {**context, "oob": oob}, request=request)
