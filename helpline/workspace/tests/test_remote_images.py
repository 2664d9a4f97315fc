"""Remote images of a mail: blocked on the ticket page, loaded on an agent's click through the image
proxy (same origin, so the CSP stays `img-src 'self' data:`), which fetches from a real HTTP server
on loopback; customers and the API keep what is stored."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from helpline.accounts.models import Agent, Team
from helpline.api.tests.support import api_client
from helpline.core.remote_images import MAX_BYTES, fetch
from helpline.core.tests.image_server import HTML, SVG, ImageServer, image_server_running, png
from helpline.customers.models import Customer
from helpline.portal.session import SESSION_KEY
from helpline.tickets.models import Channel, Message
from helpline.tickets.services import ticket_create

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PLACEHOLDER = "/static/helpline/img/remote-image.svg"


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    with image_server_running() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    """The sender's server of these tests is on loopback, which the proxy refuses by default."""
    settings.HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE = True


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _mail(customer: Customer, team: Team, html: str) -> Message:
    """A customer's mail as the email channel stores it: remote images blocked."""
    ticket = ticket_create(
        actor=None, requester=customer, subject="Newsletter", channel=Channel.EMAIL, body_html=html, team=team
    )
    return ticket.messages.get()


def _blocked(*urls: str) -> str:
    images = "".join(
        f'<img data-blocked-src="{url}" alt="Image {i}" width="3" height="2">' for i, url in enumerate(urls)
    )
    return f"<p>Our offers this week</p>{images}"


def _body(html: str, pk: int) -> str:
    start = html.index(f'id="message-{pk}"')
    return html[start : html.index("</article>", start)]


def _proxy(message: Message, index: int) -> str:
    return f"/messages/{message.pk}/remote-images/{index}"


# ------------------------------------------------------------------ the ticket page


def test_the_ticket_page_blocks_remote_images_and_offers_to_load_them(agent, customer, support_team):
    # given a mail with two blocked images
    message = _mail(customer, support_team, _blocked("https://cdn.example/a.png", "https://cdn.example/b.png"))
    # when
    html = _signed_in(agent).get(f"/tickets/{message.ticket.number}").content.decode()
    # then the images are placeholders, and a notice offers to load them
    body = _body(html, message.pk)
    assert body.count(f'<img src="{PLACEHOLDER}" alt="Image 0">') == 1
    assert body.count(f'<img src="{PLACEHOLDER}" alt="Image 1">') == 1
    assert "cdn.example" not in html and "/remote-images/" not in html
    assert "Remote images in this message were not loaded, so the sender cannot tell when it was read." in body
    assert (
        f'<button type="button" class="button button--ghost button--small" hx-get="/messages/{message.pk}/images" '
        'hx-target="closest article" hx-swap="outerHTML" data-load-images>Load remote images</button>'
    ) in body


def test_the_notice_and_the_button_speak_german(agent, customer, support_team):
    # given
    message = _mail(customer, support_team, _blocked("https://cdn.example/a.png"))
    # when
    html = _signed_in(agent).get(f"/tickets/{message.ticket.number}", headers={"Accept-Language": "de"}).content
    # then
    body = _body(html.decode(), message.pk)
    assert "Externe Bilder dieser Nachricht wurden nicht geladen" in body
    assert "data-load-images>Externe Bilder laden</button>" in body


def test_a_message_without_remote_images_offers_nothing(agent, carla_ticket):
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}").content.decode()
    # then
    assert "Load remote images" not in html and "Remote images" not in html


def test_loading_remote_images_points_them_at_the_proxy_only(agent, customer, support_team):
    # given a mail whose first image appears twice
    urls = ("https://cdn.example/a.png", "http://tracker.example/p.gif?u=1&amp;v=2", "https://cdn.example/a.png")
    message = _mail(customer, support_team, _blocked(*urls))
    # when the agent clicks "Load remote images"
    response = _signed_in(agent).get(f"/messages/{message.pk}/images", headers=HTMX)
    # then the message comes back with each image at its proxy URL, and no remote address at all
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article class="msg msg--customer" id="message-{message.pk}"')
    assert re.findall(r'<img [^>]*src="([^"]*)"', html) == [_proxy(message, 0), _proxy(message, 1), _proxy(message, 0)]
    assert f'<img src="{_proxy(message, 0)}" alt="Image 0" width="3" height="2">' in html
    assert "cdn.example" not in html and "tracker.example" not in html
    assert "Remote images are shown through Helpline, so the sender does not see your address." in html
    assert "Load remote images" not in html


# ------------------------------------------------------------------ the proxy


def test_the_proxy_serves_a_real_png_with_strict_headers_and_caches_it(
    agent, customer, support_team, image_server, loopback_allowed
):
    # given
    url = image_server.add("/logo.png", png())
    message = _mail(customer, support_team, _blocked(url))
    client = _signed_in(agent)
    # when
    first = client.get(_proxy(message, 0))
    second = client.get(_proxy(message, 0))
    # then
    for response in (first, second):
        assert response.status_code == 200
        assert response.content == png()
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "private, max-age=86400"
    [seen] = image_server.requests  # the second answer came from the cache
    assert seen.path == "/logo.png"
    assert "Cookie" not in seen.headers and "Referer" not in seen.headers
    assert seen.headers["User-Agent"] == "Helpline-Image-Proxy/1"


def _refused(response: Any, status: int, text: str) -> None:
    assert response.status_code == status
    assert response.content.decode() == f"{text}\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "no-store"


def test_the_proxy_does_not_fetch_from_a_private_address_by_default(agent, customer, support_team, image_server):
    # given the setting is off (the default) and the image is on loopback
    message = _mail(customer, support_team, _blocked(image_server.add("/logo.png", png())))
    # when
    response = _signed_in(agent).get(_proxy(message, 0))
    # then
    _refused(response, 403, "127.0.0.1 is not a public address: the proxy does not fetch from it.")
    assert image_server.requests == []


@pytest.mark.parametrize(
    ("body", "declared", "text"),
    [
        (SVG, "image/svg+xml", "The address answered image/svg+xml, not an image."),
        (SVG, "image/png", "The address did not answer with a PNG, JPEG, GIF, WebP, AVIF, BMP or icon image."),
        (HTML, "text/html; charset=utf-8", "The address answered text/html, not an image."),
        (HTML, None, "The address did not answer with a PNG, JPEG, GIF, WebP, AVIF, BMP or icon image."),
    ],
    ids=["svg", "svg-called-png", "html", "html-undeclared"],
)
def test_the_proxy_serves_nothing_but_raster_images(
    agent, customer, support_team, image_server, loopback_allowed, body, declared, text
):
    # given
    message = _mail(customer, support_team, _blocked(image_server.add("/x.png", body, content_type=declared)))
    # when
    response = _signed_in(agent).get(_proxy(message, 0))
    # then nothing of what the server sent is served
    _refused(response, 502, text)
    assert image_server.paths() == ["/x.png"]


def test_the_proxy_abandons_an_image_over_the_size_limit(agent, customer, support_team, image_server, loopback_allowed):
    # given an image one byte too large, sent without a length (the limit is found while streaming)
    url = image_server.add("/huge.png", png() + b"\x00" * (MAX_BYTES + 1 - len(png())), content_length=False)
    message = _mail(customer, support_team, _blocked(url))
    # when
    response = _signed_in(agent).get(_proxy(message, 0))
    # then
    _refused(response, 502, "The image is larger than 5 MB.")


def test_the_proxy_follows_three_redirects_and_no_more(agent, customer, support_team, image_server, loopback_allowed):
    # given chains of three and of four redirects to a real image
    image_server.add("/logo.png", png())
    for hop in range(1, 5):
        image_server.redirect(f"/hop{hop}", "/logo.png" if hop == 1 else f"/hop{hop - 1}")
    message = _mail(customer, support_team, _blocked(image_server.url("/hop3"), image_server.url("/hop4")))
    client = _signed_in(agent)
    # when
    three = client.get(_proxy(message, 0))
    four = client.get(_proxy(message, 1))
    # then
    assert (three.status_code, three.content) == (200, png())
    _refused(four, 502, "The image's server redirected more than 3 times.")
    assert image_server.paths()[4:] == ["/hop4", "/hop3", "/hop2", "/hop1"]


def test_the_proxy_refuses_a_redirect_to_a_private_address(
    agent, customer, support_team, image_server, settings, monkeypatch
):
    # given the default setting, the sender's server counted as public, and its redirect to a LAN address
    settings.HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE = False
    public = fetch.is_public_address
    monkeypatch.setattr(fetch, "is_public_address", lambda ip: str(ip) == "127.0.0.1" or public(ip))
    url = image_server.redirect("/logo.png", "http://192.168.1.1/admin.png")
    message = _mail(customer, support_team, _blocked(url))
    # when
    response = _signed_in(agent).get(_proxy(message, 0))
    # then
    _refused(response, 403, "192.168.1.1 is not a public address: the proxy does not fetch from it.")
    assert image_server.paths() == ["/logo.png"]


def test_the_proxy_refuses_a_redirect_to_another_scheme(agent, customer, support_team, image_server, loopback_allowed):
    # given
    message = _mail(customer, support_team, _blocked(image_server.redirect("/logo.png", "file:///etc/passwd")))
    # when
    response = _signed_in(agent).get(_proxy(message, 0))
    # then
    _refused(response, 403, "Only http and https images are loaded.")


def test_the_proxy_fetches_only_the_images_the_message_has(
    agent, customer, support_team, image_server, loopback_allowed
):
    # given a mail with one image
    message = _mail(customer, support_team, _blocked(image_server.add("/logo.png", png())))
    # when
    response = _signed_in(agent).get(_proxy(message, 1))
    # then
    _refused(response, 404, "This message has no such image.")
    assert image_server.requests == []


# ------------------------------------------------------------------ who may


def test_an_agent_who_cannot_see_the_ticket_gets_nothing(
    agent, other_customer, hr_team, image_server, loopback_allowed
):
    # given a mail to the private HR team, which Alice is not in
    message = _mail(other_customer, hr_team, _blocked(image_server.add("/logo.png", png())))
    client = _signed_in(agent)
    # when
    image = client.get(_proxy(message, 0))
    card = client.get(f"/messages/{message.pk}/images", headers=HTMX)
    # then
    assert (image.status_code, card.status_code) == (404, 404)
    assert b"\x89PNG" not in image.content
    assert image_server.requests == []


def test_a_member_of_the_private_team_gets_the_image(
    private_member, other_customer, hr_team, image_server, loopback_allowed
):
    # given
    message = _mail(other_customer, hr_team, _blocked(image_server.add("/logo.png", png())))
    # when
    response = _signed_in(private_member).get(_proxy(message, 0))
    # then
    assert (response.status_code, response.content) == (200, png())


def test_customers_and_strangers_are_sent_to_the_sign_in(customer, support_team, image_server, loopback_allowed):
    # given a mail of Carla's, and Carla signed in to the portal
    message = _mail(customer, support_team, _blocked(image_server.add("/logo.png", png())))
    carla = Client()
    session = carla.session
    session[SESSION_KEY] = customer.pk
    session.save()
    # when
    responses = [
        who.get(path) for who in (carla, Client()) for path in (_proxy(message, 0), f"/messages/{message.pk}/images")
    ]
    # then
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/messages/")
    assert image_server.requests == []


def test_the_portal_keeps_placeholders_and_the_api_the_stored_html(agent, customer, support_team):
    # given
    message = _mail(customer, support_team, _blocked("https://cdn.example/a.png"))
    carla = Client()
    session = carla.session
    session[SESSION_KEY] = customer.pk
    session.save()
    # when
    portal = carla.get(f"/portal/requests/{message.ticket.number}").content.decode()
    api = json.loads(api_client(agent).get(f"/tickets/{message.ticket.number}/messages").content)
    # then the customer sees a placeholder, no button, no proxy
    assert f'<img src="{PLACEHOLDER}" alt="Image 0">' in portal
    assert "cdn.example" not in portal and "remote-images" not in portal and "Load remote images" not in portal
    # and the API returns what is stored
    assert api["items"][0]["body_html"] == (
        '<p>Our offers this week</p><img data-blocked-src="https://cdn.example/a.png" alt="Image 0" width="3" '
        'height="2">'
    )
