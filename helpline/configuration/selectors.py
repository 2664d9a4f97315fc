"""What the settings screens read, scoped to what the caller may manage."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from helpline.accounts.models import Agent, ApiToken, Membership, Team
from helpline.accounts.permissions import can_manage
from helpline.configuration.models import Branding
from helpline.core.errors import NotFound
from helpline.core.models import CustomField
from helpline.customers.models import Organization
from helpline.tickets.models import Category, Tag

logger = logging.getLogger(__name__)

BRANDING_CACHE_KEY = "helpline:branding:v1"
BRANDING_CACHE_SECONDS = 300  # the services delete it on commit; this only bounds a lost delete
DEFAULT_NAME = "Helpline"
LOGO_URL_DIGEST = 16  # hex digits of the logo's SHA-256 in its URL


@dataclass(frozen=True)
class BrandingView:
    """What pages show of the branding: never the logo bytes."""

    name: str
    logo_url: str
    portal_passwords: bool
    custom_name: str = ""


def branding_get() -> BrandingView:
    """The company name, logo URL and portal switches; from the cache, one query when cold."""
    try:
        cached = cache.get(BRANDING_CACHE_KEY)
    except Exception:
        logger.warning("cache unavailable; reading the branding from the database", exc_info=True)
        cached = None
    if isinstance(cached, BrandingView):
        return cached
    row = Branding.objects.defer("logo").filter(pk=Branding.SINGLETON_ID).first()
    logo = row.logo_digest[:LOGO_URL_DIGEST] if row else ""
    view = BrandingView(
        name=(row.company_name if row else "") or DEFAULT_NAME,
        custom_name=row.company_name if row else "",
        logo_url=reverse("configuration:logo", args=[logo]) if logo else "",
        portal_passwords=bool(row and row.portal_passwords),
    )
    try:
        cache.set(BRANDING_CACHE_KEY, view, timeout=BRANDING_CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable; the branding is not kept", exc_info=True)
    return view


def branding_logo() -> tuple[bytes, str, str] | None:
    """(bytes, content type, digest) of the logo, or None without one."""
    row = Branding.objects.filter(pk=Branding.SINGLETON_ID).exclude(logo_digest="").first()
    if row is None:
        return None
    return bytes(row.logo), row.logo_type, row.logo_digest


def agent_list(*, actor: Agent, query: str = "", include_inactive: bool = True) -> QuerySet[Agent]:
    """Every agent with their teams, active first then by name (admins and supervisors)."""
    agents = Agent.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("team__name"))
    )
    if not include_inactive:
        agents = agents.filter(is_active=True)
    if query:
        agents = agents.filter(Q(name__icontains=query) | Q(email__icontains=query.lower()))
    return agents.order_by("-is_active", "name", "id")


def agent_get(*, actor: Agent, agent_id: int) -> Agent:
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent


def team_list(*, actor: Agent) -> QuerySet[Team]:
    """The teams with their members (leads first); admins see all, supervisors every team too
    (a private team's tickets stay hidden: its members are not a secret)."""
    return Team.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("agent").order_by("-is_lead", "agent__name"),
        )
    ).order_by("name")


def team_get(*, actor: Agent, team_id: int) -> Team:
    team = team_list(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound("No such team.")
    return team


def team_may_manage(*, actor: Agent, team: Team) -> bool:
    """Whether `actor` may change this team's members: admins, and supervisors who lead it."""
    if can_manage(actor):
        return True
    return actor.role == Agent.Role.SUPERVISOR and any(
        m.agent_id == actor.pk and m.is_lead for m in team.memberships.all()
    )


def category_tree() -> list[Category]:
    """Every category (inactive ones too) in tree order, each with its `depth`."""
    categories = list(Category.objects.order_by("path"))
    by_id = {c.pk: c for c in categories}
    for category in categories:
        depth, node = 0, category
        while node.parent_id is not None and node.parent_id in by_id and depth < 50:
            depth, node = depth + 1, by_id[node.parent_id]
        category.depth = depth  # type: ignore[attr-defined]
    return categories


def category_get(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("No such category.")
    return category


def tag_list(*, query: str = "", limit: int = 500) -> list[Tag]:
    """Tags with how many tickets carry each (`ticket_count`), by name."""
    tags = Tag.objects.annotate(ticket_count=Count("tickets"))
    if query:
        tags = tags.filter(name__icontains=query)
    return list(tags.order_by("name")[:limit])


def tag_get(tag_id: int) -> Tag:
    """One tag with how many tickets carry it (`ticket_count`)."""
    tag = Tag.objects.annotate(ticket_count=Count("tickets")).filter(pk=tag_id).first()
    if tag is None:
        raise NotFound("No such tag.")
    return tag


def custom_field_list() -> list[CustomField]:
    return list(CustomField.objects.order_by("target", "position", "key"))


def custom_field_get(field_id: int) -> CustomField:
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise NotFound("No such custom field.")
    return field


def token_list(*, actor: Agent) -> QuerySet[ApiToken]:
    """API tokens: an agent's own; an admin's view holds everyone's (agents' and customers')."""
    tokens = ApiToken.objects.select_related("agent", "customer").order_by("revoked_at", "-created_at", "-id")
    return tokens if can_manage(actor) else tokens.filter(agent=actor)


def token_get(*, actor: Agent, token_id: int) -> ApiToken:
    token = token_list(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token


def organization_list(*, query: str = "", limit: int = 500) -> list[Organization]:
    """Organizations by name, each with how many customers belong to it (`customer_count`)."""
    organizations = Organization.objects.annotate(customer_count=Count("customers"))
    if query:
        organizations = organizations.filter(Q(name__icontains=query) | Q(domain_rows__domain__icontains=query))
    return list(organizations.distinct().order_by("name")[:limit])


def organization_get(organization_id: int) -> Organization:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("No such organization.")
    return organization
