"""Everything that writes in the email channel: receiving, processing, sender rules, retries."""

from helpline.mail.services.process import inbound_retry, mail_process, mailbox_for
from helpline.mail.services.receive import mail_receive, mail_receive_many, raw_read
from helpline.mail.services.senders import sender_rule_for, sender_rule_set, ticket_spam_and_block

__all__ = [
    "inbound_retry",
    "mail_process",
    "mail_receive",
    "mail_receive_many",
    "mailbox_for",
    "raw_read",
    "sender_rule_for",
    "sender_rule_set",
    "ticket_spam_and_block",
]
