"""Sender block and allow lists, and "mark as spam" that teaches the block list."""

from __future__ import annotations

from typing import Any

import pytest

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput, PermissionDenied
from helpline.mail.models import InboundMail, SenderRule
from helpline.mail.services import sender_rule_for, sender_rule_set, ticket_spam_and_block
from helpline.mail.tests.support import mail_bytes
from helpline.tickets.models import Disposition, Ticket


def test_an_address_rule_wins_over_a_domain_rule(admin: Agent):
    # given
    sender_rule_set(actor=admin, pattern="@Example.org", action="block")
    sender_rule_set(actor=admin, pattern="boss@example.org", action="allow")

    # then
    boss, intern = sender_rule_for("boss@example.org"), sender_rule_for("Intern@Example.org")
    assert boss is not None and boss.action == "allow"
    assert intern is not None and intern.action == "block"
    assert sender_rule_for("someone@elsewhere.example") is None


def test_only_admins_set_rules_and_patterns_are_checked(admin: Agent, agent: Agent):
    # when / then
    with pytest.raises(PermissionDenied):
        sender_rule_set(actor=agent, pattern="x@example.org", action="block")
    with pytest.raises(InvalidInput, match="neither an e-mail address nor @domain"):
        sender_rule_set(actor=admin, pattern="example", action="block")
    with pytest.raises(InvalidInput, match="is not one of block, allow"):
        sender_rule_set(actor=admin, pattern="x@example.org", action="drop")
    assert not SenderRule.objects.exists()


def test_marking_spam_blocks_the_sender_next_time(deliver: Any, agent: Agent):
    # given
    ticket = deliver(mail_bytes(sender="spammer@junk.example", message_id="spam1@junk.example")).ticket

    # when
    ticket_spam_and_block(actor=agent, ticket=ticket)
    again = deliver(mail_bytes(sender="spammer@junk.example", message_id="spam2@junk.example"))

    # then
    ticket.refresh_from_db()
    assert ticket.disposition == Disposition.SPAM
    rule = SenderRule.objects.get()
    assert (rule.pattern, rule.action, rule.created_by) == ("spammer@junk.example", "block", agent)
    assert (again.state, again.reason) == (InboundMail.State.IGNORED,
                                           "Sender blocked by the rule 'spammer@junk.example'")  # fmt: skip
    assert Ticket.objects.count() == 1


def test_a_collaborator_cannot_mark_spam(deliver: Any, collaborator: Agent):
    # given
    ticket = deliver(mail_bytes()).ticket

    # when / then
    with pytest.raises(PermissionDenied):
        ticket_spam_and_block(actor=collaborator, ticket=ticket)
    assert not SenderRule.objects.exists()
