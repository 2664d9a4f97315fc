"""Factories for agents, teams and memberships (the personas live in helpline/conftest.py)."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from helpline.accounts.models import Agent, Membership, Team


class AgentFactory(DjangoModelFactory[Agent]):
    """An active agent without a password; `AgentFactory(admin=True)` and friends pick the role."""

    class Meta:
        model = Agent
        skip_postgeneration_save = True

    class Params:
        admin = factory.Trait(role=Agent.Role.ADMIN, is_staff=True)
        supervisor = factory.Trait(role=Agent.Role.SUPERVISOR)
        collaborator = factory.Trait(role=Agent.Role.COLLABORATOR)

    email = factory.Sequence(lambda n: f"agent{n}@helpline.test")
    name = factory.Sequence(lambda n: f"Agent {n}")
    role = Agent.Role.AGENT

    @classmethod
    def _create(cls, model_class: type[Agent], *args: Any, **kwargs: Any) -> Agent:
        password = kwargs.pop("password", None)
        return model_class.objects.create_user(kwargs.pop("email"), password, **kwargs)


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team
        skip_postgeneration_save = True
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    is_private = False


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    agent = factory.SubFactory(AgentFactory)
    is_lead = False
