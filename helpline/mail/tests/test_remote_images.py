"""Remote images from parsing to storage: a mail's remote images arrive blocked, and the stored
message keeps each URL in `data-blocked-src` (for the agents' image proxy) and never a live remote
`src`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest

from helpline.core.remote_images import remote_image_urls
from helpline.mail.models import InboundMail
from helpline.mail.tests.support import mail_bytes
from helpline.mail.tests.test_pipeline_corpus import CORPUS
from helpline.tickets.models import Message

pytestmark = pytest.mark.django_db
_LIVE_REMOTE_SRC = re.compile(r"""(?i)\ssrc\s*=\s*["']?\s*(?:https?:)?//""")


def _stored(deliver: Callable[..., InboundMail], raw: bytes) -> Message:
    inbound = deliver(raw)
    assert inbound.state == InboundMail.State.PROCESSED, inbound.reason
    assert inbound.ticket_message_id is not None
    return Message.objects.get(pk=inbound.ticket_message_id)


def test_a_real_newsletters_images_are_stored_blocked_with_their_urls(deliver: Callable[..., InboundMail]):
    # given a real newsletter with two remote images (Zammad's corpus)
    file = CORPUS / "zammad" / "mail011.box"
    if not file.exists():
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail(f"mail corpus missing at {CORPUS}")
        pytest.skip(f"mail corpus not found at {CORPUS}")
    # when it arrives
    message = _stored(deliver, file.read_bytes())
    # then both URLs are kept, blocked, and nothing remote would load
    assert remote_image_urls(message.body_html) == [
        "http://newsletters.cylex.de/img/www.cylex.de/sid-105/uid-4134001/"
        "http%3a%2f%2fnewsletters.cylex.de%2fimages_upl%2fcylexadvent2012-newsletter-banner634895.jpg",
        "http://newsletters.cylex.de/images_upl/cylexadvent2012-newsletter-btn634895.png",
    ]
    assert message.body_html.count(" data-blocked-src=") == 2
    assert not _LIVE_REMOTE_SRC.search(message.body_html)


def test_every_kind_of_remote_image_is_stored_blocked(deliver: Callable[..., InboundMail]):
    # given a mail with an https image, a tracking pixel, a protocol-relative image, a srcset and
    # an inline image of its own
    html = (
        "<p>Hello, the error looks like this:</p>"
        '<img src="https://shots.example/err.png" alt="Error">'
        '<img src="http://t.example/open.gif?u=7&amp;m=9" width="1" height="1">'
        '<img src="//cdn.example/logo.png" srcset="//cdn.example/logo@2x.png 2x" alt="Logo">'
        '<img src="cid:sig@client.test" alt="Signature">'
    )
    raw = mail_bytes(html=html, inline=[("sig.png", "image/png", b"\x89PNG\r\n\x1a\n", "sig@client.test")])
    # when
    message = _stored(deliver, raw)
    # then
    assert remote_image_urls(message.body_html) == [
        "https://shots.example/err.png",
        "http://t.example/open.gif?u=7&m=9",
        "https://cdn.example/logo.png",
    ]
    assert '<img data-blocked-src="http://t.example/open.gif?u=7&amp;m=9" width="1" height="1">' in message.body_html
    assert not _LIVE_REMOTE_SRC.search(message.body_html) and "srcset" not in message.body_html
    assert re.search(r'<img src="/api/v1/attachments/\d+/content" alt="Signature">', message.body_html)


def test_a_reply_with_quoted_history_keeps_its_blocked_urls(deliver: Callable[..., InboundMail]):
    # given a reply whose new part and quoted history both have a remote image
    html = (
        '<div>See the screenshot <img src="https://shots.example/new.png" alt="New"></div>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Bob wrote:</div>'
        '<blockquote class="gmail_quote"><p>Old <img src="https://shots.example/old.png" alt="Old"></p>'
        "</blockquote></div>"
    )
    # when
    message = _stored(deliver, mail_bytes(html=html))
    # then
    assert remote_image_urls(message.body_html) == ["https://shots.example/new.png", "https://shots.example/old.png"]
    assert not _LIVE_REMOTE_SRC.search(message.body_html)
