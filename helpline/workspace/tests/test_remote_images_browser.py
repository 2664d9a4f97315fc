"""The "Load remote images" button in chromium against uvicorn: the image really renders, through
the same-origin proxy, without a single Content-Security-Policy violation (the CSP stays
`img-src 'self' data:`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from helpline.core.tests.image_server import ImageServer, image_server_running, png
from helpline.tickets.models import Channel
from helpline.tickets.services import ticket_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
WAIT = 20_000  # ms, as the other journeys
# Runs in the page before its own scripts, through the DevTools protocol (which the CSP does not govern).
CSP_WATCH = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture(scope="module")
def asgi_server_env() -> dict[str, str]:
    """The sender's image server of this test listens on loopback."""
    return {"HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE": "true"}


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    with image_server_running() as server:
        yield server


def _agent_page(browser: Any, base: str, agent: Any) -> tuple[Any, list[str]]:
    """A tab signed in as `agent`, and the console's CSP complaints as they come."""
    client = Client()
    client.force_login(agent)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return page, console


def test_an_agent_loads_the_remote_images_of_a_mail(browser, asgi_server, agent, customer, support_team, image_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    # given a mail whose remote image the email channel blocked, on a real image server
    url = image_server.add("/banner.png", png(width=7, height=5))
    ticket = ticket_create(
        actor=None, requester=customer, subject="Our newsletter", channel=Channel.EMAIL, team=support_team,
        body_html=f'<p>Spring offers</p><img data-blocked-src="{url}" alt="Spring banner">',
    )  # fmt: skip
    message = ticket.messages.get()
    page, console = _agent_page(browser, asgi_server, agent)
    page.goto(f"{asgi_server}/tickets/{ticket.number}")
    image = page.locator(f"#message-{message.pk} img[alt='Spring banner']")
    expect(image).to_have_attribute("src", "/static/helpline/img/remote-image.svg")
    assert image_server.requests == []
    # when the agent clicks "Load remote images"
    page.get_by_role("button", name="Load remote images").click()
    # then the image renders from the proxy, at its real size
    expect(image).to_have_attribute("src", f"/messages/{message.pk}/remote-images/0")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=WAIT)
    assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [7, 5]
    expect(page.get_by_role("status").filter(has_text="Remote images are shown through Helpline")).to_be_visible()
    assert page.get_by_role("button", name="Load remote images").count() == 0
    # and the browser met no CSP violation; the sender's server saw Helpline, not the browser
    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    [seen] = image_server.requests
    assert seen.headers["User-Agent"] == "Helpline-Image-Proxy/1"
    assert "Cookie" not in seen.headers and "Referer" not in seen.headers
