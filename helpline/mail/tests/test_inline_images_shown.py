"""An inline (`cid:`) image of a mail shows in place on the agent's ticket page and in the portal."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest
from django.test import Client

from helpline.tickets.models import Attachment

pytestmark = pytest.mark.django_db

# A real 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def _mail_with_inline_image() -> bytes:
    message = EmailMessage()
    message["From"] = "Carla Customer <carla@example.com>"
    message["To"] = "support@helpline.test"
    message["Subject"] = "Screenshot of the error"
    message["Message-ID"] = "<inline-1@example.com>"
    message.set_content("See the screenshot.")
    message.add_alternative('<p>See the screenshot:</p><p><img src="cid:shot1@example.com" alt="shot"></p>',
                            subtype="html")  # fmt: skip
    [*message.iter_parts()][1].add_related(PNG, "image", "png", cid="<shot1@example.com>", filename="shot.png")
    return message.as_bytes()


def test_the_agent_sees_the_inline_image_in_place_not_a_placeholder(deliver, agent):
    # given a customer's mail with an inline screenshot
    inbound = deliver(_mail_with_inline_image())
    image = Attachment.objects.get(message=inbound.ticket_message)
    client = Client()
    client.force_login(agent)

    # when the agent opens the ticket
    page = client.get(f"/tickets/{inbound.ticket.number}").content.decode()
    shown = client.get(f"/attachments/{image.pk}?inline=1")

    # then the image is shown where the customer put it, from the workspace's own file view
    assert f'<img src="/attachments/{image.pk}?inline=1" alt="shot"' in page
    assert "remote-image" not in page.split("See the screenshot:")[1].split("</article>")[0]
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"


def test_an_image_pointing_at_a_file_of_another_message_shows_nothing(deliver, agent):
    # given a mail whose HTML names the file of another message by our own URL
    first = deliver(_mail_with_inline_image())
    other = Attachment.objects.get(message=first.ticket_message)
    raw = (
        b"From: Dan <dan@example.com>\r\nTo: support@helpline.test\r\nSubject: Look\r\n"
        b"Message-ID: <inline-2@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
        + f'<p>Look <img src="/api/v1/attachments/{other.pk}/content" alt="theirs"></p>'.encode()
    )
    inbound = deliver(raw)
    client = Client()
    client.force_login(agent)

    # when the agent opens that ticket
    page = client.get(f"/tickets/{inbound.ticket.number}").content.decode()

    # then the foreign file is not shown in it
    assert f"/attachments/{other.pk}?inline=1" not in page


def test_the_customer_sees_their_inline_image_in_the_portal(deliver):
    # given the customer's mail with an inline screenshot
    from helpline.portal.session import SESSION_KEY

    inbound = deliver(_mail_with_inline_image())
    image = Attachment.objects.get(message=inbound.ticket_message)
    client = Client()
    session = client.session
    session[SESSION_KEY] = inbound.ticket.requester_id
    session.save()

    # when they open their request in the portal
    page = client.get(f"/portal/requests/{inbound.ticket.number}").content.decode()
    shown = client.get(f"/portal/files/{image.pk}?inline=1")

    # then the image is in place, served by the portal's own file view
    assert f'<img src="/portal/files/{image.pk}?inline=1" alt="shot"' in page
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
