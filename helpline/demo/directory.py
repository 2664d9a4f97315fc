"""The people and the taxonomy that generated tickets refer to: teams, agents, organizations,
customers, categories and tags.

`directory_create` writes them; `directory_load` reads an existing one back (to add tickets to a
database that was generated before). Either way the generator gets a `Directory`: ids and the few
names it needs, never model instances.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from helpline.accounts.models import Agent, Membership, Team
from helpline.customers.models import ContactIdentity, Customer, Organization, OrganizationDomain
from helpline.demo import phrases
from helpline.demo.writer import TableWriter, next_id, sequences_reset
from helpline.tickets.models import Category, Tag

Progress = Callable[[str, int, int], None]

CUSTOMER_CHUNK = 5000
CUSTOMER_COLUMNS = (
    "id",
    "name",
    "organization_id",
    "tier",
    "attributes",
    "notes",
    "time_zone",
    "language",
    "merged_into_id",
    "created_at",
    "updated_at",
)
IDENTITY_COLUMNS = ("customer_id", "kind", "value", "is_primary", "failing_since", "failing_reason", "created_at")


@dataclass(frozen=True)
class TeamSpec:
    key: str  # the `team` of phrases.TOPICS
    name: str
    description: str
    is_private: bool
    weight: float  # share of agents whose first team it is


TEAMS = (
    TeamSpec("Support", "Support", "First line for every customer question.", False, 40),
    TeamSpec("Billing", "Billing", "Payments, invoices, refunds and subscriptions.", False, 18),
    TeamSpec("IT", "IT", "Hardware, software and everything technical.", False, 22),
    TeamSpec("HR", "HR", "Payroll, leave and contracts. Private.", True, 10),
    TeamSpec("Finance", "Finance", "Expenses, purchase orders and suppliers. Private.", True, 10),
)
FRIENDLY_TEAMS = (
    TeamSpec("Support", "Customer Support", "Questions from customers, first line.", False, 40),
    TeamSpec("Billing", "Billing & Payments", "Invoices, refunds and subscriptions.", False, 18),
    TeamSpec("IT", "IT Helpdesk", "Laptops, accounts, software and the VPN.", False, 22),
    TeamSpec("HR", "People & HR", "Payroll and leave. Only its members see these tickets.", True, 10),
    TeamSpec("Finance", "Finance", "Expenses and purchase orders. Private to the team.", True, 10),
)


@dataclass
class TeamInfo:
    id: int
    name: str
    is_private: bool
    responders: list[int]  # members who may reply (not collaborators)
    members: list[int]


@dataclass
class Directory:
    teams: dict[str, TeamInfo]  # by TeamSpec.key
    agent_names: dict[int, str]
    categories: dict[tuple[str, ...], int]  # by path
    tag_ids: list[int]
    # Parallel lists, one entry per customer; requesters are picked by position.
    customer_ids: list[int] = field(default_factory=list)
    customer_names: list[str] = field(default_factory=list)
    customer_domains: list[str] = field(default_factory=list)
    identities_written: int = 0

    @property
    def public_teams(self) -> list[TeamInfo]:
        return [team for team in self.teams.values() if not team.is_private]


def directory_create(
    *,
    rng: random.Random,
    agents: int,
    organizations: int,
    customers: int,
    start: datetime,
    teams: tuple[TeamSpec, ...] = TEAMS,
    password: str | None = None,
    progress: Progress | None = None,
) -> Directory:
    """Write teams, agents (with memberships), categories, tags, organizations and customers."""
    with transaction.atomic():
        team_rows = {spec.key: _team_ensure(spec) for spec in teams}
        agent_names, team_members = _agents_create(
            rng=rng, count=agents, teams=teams, team_rows=team_rows, start=start, password=password
        )
        categories = _categories_ensure()
        tag_ids = _tags_ensure()
    directory = Directory(
        teams={
            key: TeamInfo(
                id=row.pk,
                name=row.name,
                is_private=row.is_private,
                responders=[a for a, may_reply in team_members[key] if may_reply],
                members=[a for a, _ in team_members[key]],
            )
            for key, row in team_rows.items()
        },
        agent_names=agent_names,
        categories=categories,
        tag_ids=tag_ids,
    )
    org_ids = _organizations_create(rng=rng, count=organizations, start=start)
    _customers_create(
        rng=rng, count=customers, organizations=org_ids, start=start, directory=directory, progress=progress
    )
    sequences_reset([Customer])
    return directory


def directory_load(*, customers: int = 5000) -> Directory:
    """The directory of a database generated before (the first `customers` customers of it)."""
    agent_names = dict(Agent.objects.filter(is_active=True).values_list("id", "name"))
    roles = dict(Agent.objects.values_list("id", "role"))
    members: dict[int, list[int]] = {}
    for team_id, agent_id in Membership.objects.values_list("team_id", "agent_id").order_by("id"):
        members.setdefault(team_id, []).append(agent_id)
    teams = {}
    for team in Team.objects.all():
        key = next((s.key for s in (*TEAMS, *FRIENDLY_TEAMS) if s.name == team.name), team.name)
        ids = members.get(team.pk, [])
        teams[key] = TeamInfo(
            id=team.pk,
            name=team.name,
            is_private=team.is_private,
            members=ids,
            responders=[a for a in ids if roles[a] != Agent.Role.COLLABORATOR],
        )
    directory = Directory(teams=teams, agent_names=agent_names, categories=_categories_ensure(), tag_ids=_tags_ensure())
    rows = ContactIdentity.objects.filter(kind=ContactIdentity.Kind.EMAIL).order_by("customer_id")
    for customer_id, name, email in rows.values_list("customer_id", "customer__name", "value")[:customers]:
        _customer_remember(directory, customer_id, name, email.rpartition("@")[2])
    return directory


def _team_ensure(spec: TeamSpec) -> Team:
    team, _ = Team.objects.get_or_create(
        name=spec.name, defaults={"description": spec.description, "is_private": spec.is_private}
    )
    return team


def _agents_create(
    *,
    rng: random.Random,
    count: int,
    teams: tuple[TeamSpec, ...],
    team_rows: dict[str, Team],
    start: datetime,
    password: str | None,
) -> tuple[dict[int, str], dict[str, list[tuple[int, bool]]]]:
    """Agents with roles (1-2 admins, a few supervisors who lead teams, a few collaborators) and
    memberships: everybody in one or two teams (given enough agents), every team with a lead and
    an agent who replies."""
    admins = 1 if count < 20 else 2
    supervisors = max(2, count // 12)
    collaborators = count // 15
    roles = (
        [Agent.Role.ADMIN] * admins + [Agent.Role.SUPERVISOR] * supervisors + [Agent.Role.COLLABORATOR] * collaborators
    )
    roles += [Agent.Role.AGENT] * max(count - len(roles), 1)
    hashed = make_password(password)  # once: hashing is deliberately slow
    taken = {email.lower() for email in Agent.objects.values_list("email", flat=True)}
    first_id = next_id(Agent)
    rows, names = [], {}
    for offset, role in enumerate(roles):
        name, email = _person(rng, phrases.AGENT_DOMAIN, taken, suffix=str(first_id + offset))
        rows.append(
            Agent(
                id=first_id + offset,
                email=email,
                name=name,
                role=role,
                password=hashed,
                is_staff=role == Agent.Role.ADMIN,
                is_superuser=role == Agent.Role.ADMIN,
                availability=rng.choice(Agent.Availability.values),
                time_zone=rng.choice(phrases.TIME_ZONES),
                capacity=rng.choice((5, 8, 10, 10, 12, 15)),
                created_at=start - timedelta(days=rng.randint(30, 900)),
            )
        )
        names[first_id + offset] = name
    Agent.objects.bulk_create(rows)
    sequences_reset([Agent])
    joined: dict[int, dict[str, bool]] = {row.pk: {} for row in rows}  # agent -> {team key: is lead}
    leads = [row.pk for row in rows if row.role in (Agent.Role.SUPERVISOR, Agent.Role.ADMIN)]
    regulars = [row.pk for row in rows if row.role == Agent.Role.AGENT]

    def least_busy(candidates: list[int], key: str) -> int:
        outside = [a for a in candidates if key not in joined[a]] or [a for a in joined if key not in joined[a]]
        return min(outside or list(joined), key=lambda a: len(joined[a]))

    for spec in teams:
        # A team lead is a supervisor (or admin) while they have fewer than two teams, else an agent.
        lead = least_busy(leads, spec.key)
        if len(joined[lead]) >= 2:
            lead = least_busy(regulars, spec.key)
        joined[lead][spec.key] = True
        joined[least_busy(regulars, spec.key)].setdefault(spec.key, False)
    keys, weights = [s.key for s in teams], [s.weight for s in teams]
    for memberships in joined.values():
        wanted = 1 if rng.random() < 0.7 else 2
        while len(memberships) < wanted:
            memberships.setdefault(rng.choices(keys, weights)[0], False)
    Membership.objects.bulk_create(
        Membership(team=team_rows[key], agent_id=agent_id, is_lead=lead)
        for agent_id, memberships in joined.items()
        for key, lead in memberships.items()
    )
    collaborator_ids = {row.pk for row in rows if row.role == Agent.Role.COLLABORATOR}
    team_members: dict[str, list[tuple[int, bool]]] = {spec.key: [] for spec in teams}
    for agent_id, memberships in joined.items():
        for key in memberships:
            team_members[key].append((agent_id, agent_id not in collaborator_ids))
    return names, team_members


def _person(rng: random.Random, domain: str, taken: set[str] | None, *, suffix: str) -> tuple[str, str]:
    """A name and an address; `first.last.<suffix>` when the plain one is taken (or `taken` is None:
    nothing is known about the addresses already in the database)."""
    first, last = rng.choice(phrases.FIRST_NAMES), rng.choice(phrases.LAST_NAMES)
    local = f"{first}.{last}".lower()
    email = f"{local}@{domain}"
    if taken is None or email in taken:
        email = f"{local}.{suffix}@{domain}"
    if taken is not None:
        taken.add(email)
    return f"{first} {last}", email


def _categories_ensure() -> dict[tuple[str, ...], int]:
    categories: dict[tuple[str, ...], int] = {}
    for topic in phrases.TOPICS:
        path: tuple[str, ...] = ()
        parent = None
        for name in topic["path"]:
            path = (*path, name)
            if path not in categories:
                parent, _ = Category.objects.get_or_create(
                    parent=parent, name=name, defaults={"path": " › ".join(path)}
                )
                categories[path] = parent.pk
            else:
                parent = Category(pk=categories[path])
    return categories


def _tags_ensure() -> list[int]:
    Tag.objects.bulk_create([Tag(name=name) for name in phrases.TAGS], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=phrases.TAGS).order_by("name").values_list("id", flat=True))


def _organizations_create(*, rng: random.Random, count: int, start: datetime) -> list[tuple[int, str, str]]:
    """Organizations with one or two mail domains; returns (id, tier, first domain) for each."""
    names = set(Organization.objects.values_list("name", flat=True))
    domains: set[str] = set()
    first_id = next_id(Organization)
    rows, result = [], []
    for offset in range(count):
        stem, trade = rng.choice(phrases.COMPANY_STEMS), rng.choice(phrases.COMPANY_TRADES)
        name = f"{stem} {trade}{rng.choice(phrases.COMPANY_FORMS)}"
        if name in names:
            name = f"{name} {first_id + offset}"
        names.add(name)
        slug = re.sub(r"[^a-z0-9]+", "-", f"{stem} {trade}".lower()).strip("-")
        domain = f"{slug}.example" if f"{slug}.example" not in domains else f"{slug}-{first_id + offset}.example"
        org_domains = [domain] if rng.random() < 0.8 else [domain, f"{slug}-{first_id + offset}-group.example"]
        domains.update(org_domains)
        tier = rng.choices(Customer.Tier.values, (20, 45, 25, 10))[0]
        rows.append(
            Organization(
                id=first_id + offset,
                name=name,
                domains=org_domains,
                tier=tier,
                shares_tickets=rng.random() < 0.2,
                created_at=start - timedelta(days=rng.randint(1, 1500)),
            )
        )
        result.append((first_id + offset, tier, domain))
    with transaction.atomic():
        for index in range(0, len(rows), CUSTOMER_CHUNK):
            Organization.objects.bulk_create(rows[index : index + CUSTOMER_CHUNK])
        OrganizationDomain.objects.bulk_create(
            [OrganizationDomain(domain=d, organization_id=org.id) for org in rows for d in org.domains],
            batch_size=CUSTOMER_CHUNK,
            ignore_conflicts=True,
        )
    sequences_reset([Organization])
    return result


def _customers_create(
    *,
    rng: random.Random,
    count: int,
    organizations: list[tuple[int, str, str]],
    start: datetime,
    directory: Directory,
    progress: Progress | None,
) -> None:
    """Customers, two thirds of them in an organization, each with an e-mail identity and some with
    a phone; written in chunks so memory stays flat."""
    customers = TableWriter(Customer, CUSTOMER_COLUMNS)
    identities = TableWriter(ContactIdentity, IDENTITY_COLUMNS)
    # Addresses of earlier runs could collide with the plain first.last form: then always qualify.
    taken: set[str] | None = None if ContactIdentity.objects.exists() else set()
    first_id = next_id(Customer)
    customer_rows: list[tuple[object, ...]] = []
    identity_rows: list[tuple[object, ...]] = []
    for offset in range(count):
        customer_id = first_id + offset
        org = rng.choice(organizations) if organizations and rng.random() < 0.65 else None
        domain = org[2] if org else rng.choice(phrases.FREE_MAIL_DOMAINS)
        name, email = _person(rng, domain, taken, suffix=str(customer_id))
        tier = org[1] if org and rng.random() < 0.9 else rng.choices(("free", "standard"), (60, 40))[0]
        created = start - timedelta(days=rng.uniform(0, 700))
        customer_rows.append(
            (
                customer_id,
                name,
                org[0] if org else None,
                tier,
                {},
                "",
                rng.choice(phrases.TIME_ZONES),
                rng.choice(phrases.LANGUAGES),
                None,
                created,
                created,
            )
        )
        identity_rows.append((customer_id, ContactIdentity.Kind.EMAIL.value, email, True, None, "", created))
        if rng.random() < 0.3:
            identity_rows.append(
                (customer_id, ContactIdentity.Kind.PHONE.value, f"+1555{customer_id:07d}", False, None, "", created)
            )
        _customer_remember(directory, customer_id, name, domain)
        if len(customer_rows) >= CUSTOMER_CHUNK or offset == count - 1:
            with transaction.atomic():
                customers.write(customer_rows)
                identities.write(identity_rows)
            customer_rows, identity_rows = [], []
            directory.identities_written = identities.rows_written
            if progress:
                progress("customers", offset + 1, count)


def _customer_remember(directory: Directory, customer_id: int, name: str, domain: str) -> None:
    directory.customer_ids.append(customer_id)
    directory.customer_names.append(name)
    directory.customer_domains.append(domain)
