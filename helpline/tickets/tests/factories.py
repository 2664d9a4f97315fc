"""Factories for tickets, messages, categories and tags.

These write rows directly (fast, no events). Where the behaviour of creation matters, build the
ticket with `ticket_create` instead, as the `carla_ticket` persona fixture does.
"""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from helpline.core.sequences import sequence_next
from helpline.customers.tests.factories import CustomerFactory
from helpline.tickets.models import Category, Channel, Message, Priority, Status, Tag, Ticket


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None
    path = factory.LazyAttribute(lambda c: f"{c.parent.path} › {c.name}" if c.parent else c.name)


class TagFactory(DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        skip_postgeneration_save = True
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class TicketFactory(DjangoModelFactory[Ticket]):
    """A ticket with its number from the real sequence and a first customer message."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    number = factory.LazyFunction(lambda: sequence_next("ticket", start=1000))
    subject = factory.Sequence(lambda n: f"Question number {n}")
    requester = factory.SubFactory(CustomerFactory)
    channel = Channel.EMAIL
    status = Status.NEW
    priority = Priority.MEDIUM
    first_message = factory.RelatedFactory(
        "helpline.tickets.tests.factories.MessageFactory",
        factory_related_name="ticket",
        kind=Message.Kind.CUSTOMER,
        author_customer=factory.SelfAttribute("..requester"),
        channel=factory.SelfAttribute("..channel"),
        body_text="Hello, I need help.",
    )

    @factory.post_generation
    def tags(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.tags.set([TagFactory(name=name) for name in extracted])


class MessageFactory(DjangoModelFactory[Message]):
    class Meta:
        model = Message
        skip_postgeneration_save = True

    ticket = factory.SubFactory(TicketFactory, first_message=None)
    kind = Message.Kind.CUSTOMER
    channel = factory.SelfAttribute("ticket.channel")
    body_text = factory.Sequence(lambda n: f"Message {n}")
    author_customer = factory.Maybe(
        factory.LazyAttribute(lambda m: m.kind == Message.Kind.CUSTOMER),
        yes_declaration=factory.SelfAttribute("ticket.requester"),
        no_declaration=None,
    )
