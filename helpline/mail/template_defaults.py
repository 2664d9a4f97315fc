"""The mail templates Helpline ships: used until an admin saves their own (MailTemplate rows).

Each is a (subject, text, HTML) triple rendered with Django's template language; the variables
each template gets are listed in `CONTEXT_SAMPLES` (also the data of the preview).
"""

from __future__ import annotations

from typing import Any

# The first line of everything a person may answer: the reply parser cuts at it.
REPLY_MARKER = "##- Please type your reply above this line -##"
REPLY_MARKER_CLASS = "helpline-reply-marker"

_MARKER_HTML = f'<div class="{REPLY_MARKER_CLASS}" style="color:#888">{{{{ reply_marker }}}}</div>\n'
_FOOTER_TEXT = "\n--\n{{ mailbox.from_name }}\nTicket #{{ ticket.number }}\n"

DEFAULTS: dict[str, tuple[str, str, str]] = {
    "acknowledgement": (
        "Re: {{ ticket.subject }} [#{{ ticket.number }}]",
        "{{ reply_marker }}\n\nHello {{ customer.name }},\n\n"
        'we have received your message and opened ticket #{{ ticket.number }}: "{{ ticket.subject }}".\n'
        "We will answer as soon as we can. To add anything, simply reply to this mail.\n" + _FOOTER_TEXT,
        _MARKER_HTML + "<p>Hello {{ customer.name }},</p>\n"
        "<p>we have received your message and opened ticket #{{ ticket.number }}: "
        "&ldquo;{{ ticket.subject }}&rdquo;.</p>\n"
        "<p>We will answer as soon as we can. To add anything, simply reply to this mail.</p>\n"
        "<p>&mdash;<br>{{ mailbox.from_name }}<br>Ticket #{{ ticket.number }}</p>\n",
    ),
    "agent_reply": (
        "Re: {{ ticket.subject }} [#{{ ticket.number }}]",
        "{{ reply_marker }}\n\n{{ message.text }}\n\n--\n{{ agent.name }}\n{{ mailbox.from_name }}\n"
        "{% if mailbox.signature %}{{ mailbox.signature }}\n{% endif %}Ticket #{{ ticket.number }}\n",
        _MARKER_HTML + "<div>{{ message.html }}</div>\n"
        "<p>&mdash;<br>{{ agent.name }}<br>{{ mailbox.from_name }}"
        "{% if mailbox.signature %}<br>{{ mailbox.signature|linebreaksbr }}{% endif %}"
        "<br>Ticket #{{ ticket.number }}</p>\n",
    ),
    "oversized": (
        "Your message was too large: {{ subject }}",
        "Hello {{ sender.name }},\n\n"
        'we could not accept your message "{{ subject }}" ({{ size_mb }} MB): {{ reason }}\n\n'
        "Nothing was lost on our side, but nobody will read it as it is. Please send large files as a\n"
        "link, or split them over several messages.\n\n--\n{{ mailbox.from_name }}\n",
        "<p>Hello {{ sender.name }},</p>\n"
        "<p>we could not accept your message &ldquo;{{ subject }}&rdquo; ({{ size_mb }} MB): {{ reason }}</p>\n"
        "<p>Nothing was lost on our side, but nobody will read it as it is. Please send large files as a "
        "link, or split them over several messages.</p>\n<p>&mdash;<br>{{ mailbox.from_name }}</p>\n",
    ),
    "notify_assigned": (
        "[#{{ ticket.number }}] assigned to you: {{ ticket.subject }}",
        '{{ reply_marker }}\n\nHello {{ agent.name }},\n\nticket #{{ ticket.number }} "{{ ticket.subject }}" '
        "is now yours.\n{{ ticket.url }}\n\nReply to this mail to answer the customer; start your reply with\n"
        "#note to write an internal note instead.\n",
        _MARKER_HTML + '<p>Hello {{ agent.name }},</p>\n<p>ticket <a href="{{ ticket.url }}">'
        "#{{ ticket.number }}</a> &ldquo;{{ ticket.subject }}&rdquo; is now yours.</p>\n"
        "<p>Reply to this mail to answer the customer; start your reply with #note to write an internal note "
        "instead.</p>\n",
    ),
    "notify_customer_replied": (
        "[#{{ ticket.number }}] new reply: {{ ticket.subject }}",
        "{{ reply_marker }}\n\nHello {{ agent.name }},\n\nthe customer wrote on ticket #{{ ticket.number }} "
        '"{{ ticket.subject }}":\n\n{{ message.text }}\n\n{{ ticket.url }}\n\nReply to this mail to answer '
        "the customer; start your reply with\n#note to write an internal note instead.\n",
        _MARKER_HTML + '<p>Hello {{ agent.name }},</p>\n<p>the customer wrote on ticket <a href="'
        '{{ ticket.url }}">#{{ ticket.number }}</a> &ldquo;{{ ticket.subject }}&rdquo;:</p>\n'
        "<blockquote>{{ message.text|linebreaksbr }}</blockquote>\n"
        "<p>Reply to this mail to answer the customer; start your reply with #note to write an internal note "
        "instead.</p>\n",
    ),
    "notify_mentioned": (
        "[#{{ ticket.number }}] you were mentioned: {{ ticket.subject }}",
        "{{ reply_marker }}\n\nHello {{ agent.name }},\n\nyou were mentioned in an internal note on ticket "
        '#{{ ticket.number }} "{{ ticket.subject }}":\n\n{{ message.text }}\n\n{{ ticket.url }}\n\n'
        "Reply to this mail to add an internal note.\n",
        _MARKER_HTML + "<p>Hello {{ agent.name }},</p>\n<p>you were mentioned in an internal note on ticket "
        '<a href="{{ ticket.url }}">#{{ ticket.number }}</a> &ldquo;{{ ticket.subject }}&rdquo;:</p>\n'
        "<blockquote>{{ message.text|linebreaksbr }}</blockquote>\n<p>Reply to this mail to add an internal "
        "note.</p>\n",
    ),
}

_TICKET = {"number": 1042, "subject": "Invoice 2024-118 is charged twice", "url": "https://helpdesk.example/t/1042"}
_MAILBOX = {"name": "Support", "address": "support@example.com", "from_name": "Example Support", "signature": ""}
_MESSAGE = {
    "text": "Thank you, the second charge is refunded.",
    "html": "<p>Thank you, the second charge is refunded.</p>",
}

CONTEXT_SAMPLES: dict[str, dict[str, Any]] = {
    "acknowledgement": {"ticket": _TICKET, "customer": {"name": "Carla", "email": "carla@example.org"},
                        "mailbox": _MAILBOX},
    "agent_reply": {"ticket": _TICKET, "customer": {"name": "Carla", "email": "carla@example.org"},
                    "agent": {"name": "Alice"}, "mailbox": _MAILBOX, "message": _MESSAGE},
    "oversized": {"sender": {"name": "Carla", "email": "carla@example.org"}, "subject": "Scans of my contract",
                  "size_mb": "48.2", "reason": "the message is larger than the 25 MB we accept.",
                  "mailbox": _MAILBOX},
    "notify_assigned": {"ticket": _TICKET, "agent": {"name": "Alice"}, "mailbox": _MAILBOX},
    "notify_customer_replied": {"ticket": _TICKET, "agent": {"name": "Alice"}, "mailbox": _MAILBOX,
                                "message": _MESSAGE},
    "notify_mentioned": {"ticket": _TICKET, "agent": {"name": "Alice"}, "mailbox": _MAILBOX, "message": _MESSAGE},
}  # fmt: skip
