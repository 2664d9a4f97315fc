"""The quote fold survives storage: a customer's mail is stored with its quoted history and signature
wrapped in our one marker class, so the fold can be shown from the stored HTML alone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from helpline.core.html import html_sanitize
from helpline.mail.models import InboundMail
from helpline.mail.parsing import html_fold_split
from helpline.mail.parsing.html import html_to_text
from helpline.mail.tests.support import mail_bytes
from helpline.mail.tests.test_pipeline_corpus import CORPUS
from helpline.tickets.models import Message

FOLD = '<div class="helpline-quote">'
_ATTRIBUTE = re.compile(r"""\s(class|id|style|type|on\w+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def _corpus(path: str) -> bytes:
    file = CORPUS / path
    if not file.exists():
        pytest.skip(f"the mail corpus is not at {CORPUS}")
    return file.read_bytes()


def _gmail() -> bytes:
    """Gmail's reply markup (talon's fixture: gmail_quote div, blockquote.gmail_quote) as a message."""
    html = _corpus("talon/html_replies/gmail.html").decode()
    return mail_bytes(message_id="gmail@client.test", body="Hi. I am fine.", html=html)


def _stored(deliver: Callable[..., InboundMail], raw: bytes) -> Message:
    inbound = deliver(raw)
    assert inbound.state == InboundMail.State.PROCESSED, inbound.reason
    assert inbound.ticket_message_id is not None
    return Message.objects.get(pk=inbound.ticket_message_id)


def _text(html: str) -> str:
    return " ".join(html_to_text(html).split())


@pytest.mark.parametrize(
    ("kind", "raw", "shown", "folded_starts"),
    [
        ("gmail", _gmail, "Hi. I am fine. Thanks, Alex", "On Thu, Jun 26, 2014 at 2:14 PM, Alexander L"),
        ("outlook", lambda: _corpus("zammad/mail003.box"), "Hallo Martin,", "Von: Fritz Bauer [mailto:me@example.com]"),
        ("apple-mail", lambda: _corpus("zammad/mail085.box"), "123", "_____"),
    ],
)
def test_the_fold_is_kept_in_the_stored_html(deliver: Callable[..., InboundMail], kind: str,
                                             raw: Callable[[], bytes], shown: str, folded_starts: str):  # fmt: skip
    # when a reply written in this client arrives
    message = _stored(deliver, raw())

    # then the stored HTML carries exactly one fold mark, and no other class, id, style or handler
    stored = message.body_html
    assert stored.count(FOLD) == 1
    assert [m.group(0).strip() for m in _ATTRIBUTE.finditer(stored)] == ['class="helpline-quote"']
    # and the fold comes apart from the stored HTML alone: the new words shown, the history folded
    new, folded = html_fold_split(stored)
    assert _text(new).startswith(shown)
    assert _text(folded).startswith(folded_starts)
    assert folded_starts not in _text(new)
    # and the mark is the only thing the tickets' own sanitizer would take out
    assert html_sanitize(stored) == stored.replace(' class="helpline-quote"', "")


def test_the_quoted_history_of_an_apple_mail_reply_is_folded(deliver: Callable[..., InboundMail]):
    # when
    message = _stored(deliver, _corpus("zammad/mail085.box"))

    # then the blockquote type=cite of the earlier mail is in the folded half
    _, folded = html_fold_split(message.body_html)
    assert "Dann würden wir uns unheimlich freuen" in _text(folded)


def test_a_forwarded_message_is_stored_unfolded(deliver: Callable[..., InboundMail]):
    # given a forward (Gmail puts it in gmail_quote too): it is the content, never folded
    raw = _corpus("flanker/multi-received-headers.eml")

    # when
    message = _stored(deliver, raw)

    # then
    assert FOLD not in message.body_html
    assert html_fold_split(message.body_html) == (message.body_html, "")
    assert "Forwarded message" in _text(message.body_html)


def test_a_customer_cannot_fake_the_fold_mark(deliver: Callable[..., InboundMail]):
    # given a mail that hides its first words in a div carrying our class
    html = '<div class="helpline-quote">Please refund order 1234.</div><p>Thanks</p>'

    # when
    message = _stored(deliver, mail_bytes(message_id="fake@client.test", body="x", html=html))

    # then nothing is folded and the class is gone
    assert message.body_html == "<div>Please refund order 1234.</div><p>Thanks</p>"
    assert html_fold_split(message.body_html) == (message.body_html, "")
