"""A prepared query returns what its queryset returns, with each call's values, on both engines."""

from __future__ import annotations

import threading

import pytest
from django.db.models import Count

from helpline.accounts.models import Agent, ApiToken
from helpline.accounts.tokens import token_create
from helpline.core.prepared import INT_PLACEHOLDER, STR_PLACEHOLDER, PreparedQuery
from helpline.tickets.models import Ticket
from helpline.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

BY_NUMBER = PreparedQuery(
    lambda number: (
        Ticket.objects.select_related("requester", "team")
        .annotate(tag_count=Count("tags"))
        .filter(number=number)
        .order_by()
    ),
    number=INT_PLACEHOLDER,
)


def test_each_call_binds_its_own_values_and_builds_the_related_objects(customer, support_team):
    # given two tickets of different teams
    first = TicketFactory.create(requester=customer, team=support_team, tags=["a", "b"])
    second = TicketFactory.create(requester=customer, team=None)

    # when each is read through the same prepared query
    got_first = list(BY_NUMBER(number=first.number))
    got_second = list(BY_NUMBER(number=second.number))

    # then each call returns its own row, its select_related rows and its annotation
    assert [t.pk for t in got_first] == [first.pk]
    assert got_first[0].team == support_team and got_first[0].requester.name == customer.name
    assert got_first[0].tag_count == 2
    assert [t.pk for t in got_second] == [second.pk]
    assert got_second[0].team is None and got_second[0].tag_count == 0
    assert list(BY_NUMBER(number=999_999_999)) == []


def test_it_runs_one_statement_and_compiles_nothing(customer, support_team, django_assert_num_queries):
    # given a prepared query that has run once
    ticket = TicketFactory.create(requester=customer, team=support_team)
    list(BY_NUMBER(number=ticket.number))

    # when it runs again, then it is one statement, with the related rows in it
    with django_assert_num_queries(1):
        row = list(BY_NUMBER(number=ticket.number))[0]
        assert row.team is not None and row.team.name == support_team.name


def test_the_token_lookup_finds_the_owner_of_each_token(agent, other_agent):
    # given two agents' tokens
    _, alice_raw = token_create(agent=agent, name="alice")
    _, oscar_raw = token_create(agent=other_agent, name="oscar")
    prepared = PreparedQuery(
        lambda prefix: ApiToken.objects.select_related("agent").filter(prefix=prefix), prefix=STR_PLACEHOLDER
    )

    # when each prefix is looked up
    alice = list(prepared(prefix=alice_raw.split("_")[1]))
    oscar = list(prepared(prefix=oscar_raw.split("_")[1]))

    # then each finds its own owner
    assert [t.agent for t in alice] == [agent]
    assert [t.agent for t in oscar] == [other_agent]


def test_a_placeholder_missing_from_the_compiled_query_is_refused(db):
    # given a queryset that does not use its placeholder
    prepared = PreparedQuery(lambda number: Agent.objects.all(), number=INT_PLACEHOLDER)

    # when it is prepared, then it is refused, not silently run without the value
    with pytest.raises(ValueError, match="placeholder 'number' appears 0 times"):
        list(prepared(number=1))


@pytest.mark.django_db(transaction=True)
def test_another_thread_uses_its_own_connection(customer, support_team):
    # given a prepared query already used by this thread
    ticket = TicketFactory.create(requester=customer, team=support_team)
    list(BY_NUMBER(number=ticket.number))
    seen: list[object] = []

    # when another thread runs it, watching the statements of its own connection
    def run() -> None:
        from django.db import connections

        statements: list[str] = []

        def watch(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(watch):
            seen.append(list(BY_NUMBER(number=ticket.number))[0].pk)
        seen.append(len(statements))
        connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()

    # then it ran on that thread's connection and found the row
    assert seen == [ticket.pk, 1]


def test_insert_row_unless_exists_skips_a_duplicate_and_leaves_the_transaction_usable(customer):
    # given a customer's e-mail identity
    from django.db import transaction

    from helpline.core.prepared import insert_row_unless_exists
    from helpline.customers.models import ContactIdentity

    first = insert_row_unless_exists(
        ContactIdentity(customer=customer, kind="email", value="dup@example.com"), unique=("kind", "value")
    )

    # when the same identity is inserted again inside a transaction, which then goes on
    with transaction.atomic():
        again = insert_row_unless_exists(
            ContactIdentity(customer=customer, kind="email", value="dup@example.com"), unique=("kind", "value")
        )
        still_usable = ContactIdentity.objects.filter(value="dup@example.com").count()

    # then the first got its key, the duplicate was not written, and nothing broke the transaction
    assert first is not None and first.pk
    assert again is None
    assert still_usable == 1


def test_update_rows_writes_the_values_bumps_the_counters_and_checks_the_where(customer, support_team):
    # given a ticket at version v
    from helpline.core.prepared import update_rows

    ticket = TicketFactory.create(requester=customer, team=None)
    version = Ticket.objects.get(pk=ticket.pk).version

    # when it is written once with the right version and once with a stale one
    written = update_rows(Ticket, where={"pk": ticket.pk, "version": version},
                          values={"subject": "New words", "team": support_team}, increment=("version",))  # fmt: skip
    stale = update_rows(Ticket, where={"pk": ticket.pk, "version": version}, values={"subject": "Lost"},
                        increment=("version",))  # fmt: skip

    # then the first changed the row (a relation by its instance) and the version, the second nothing
    row = Ticket.objects.get(pk=ticket.pk)
    assert (written, stale) == (1, 0)
    assert (row.subject, row.team_id, row.version) == ("New words", support_team.pk, version + 1)
