"""Issue #3: the main screens pass axe-core's WCAG 2.0/2.1/2.2 A and AA rules on a laptop and on a
phone, as loaded and in use (form errors, the note composer, the phone's menu, a dialog); on a phone
nothing scrolls sideways or is cut off; the keyboard starts at the skip link and its focus always
shows. In chromium against uvicorn, on both engines.

axe-core comes bundled with axe-playwright-python (nothing is fetched at test time); Playwright
evaluates it through the DevTools protocol, which the page's strict CSP does not govern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from helpline.accounts.models import Agent
from helpline.core.services import custom_field_create
from helpline.customers.models import Customer
from helpline.customers.tests.factories import OrganizationFactory
from helpline.portal.session import SESSION_KEY
from helpline.responses.services import canned_response_create
from helpline.tickets.services import category_create, note_add, reply_add, ticket_update

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
WAIT = 20_000  # ms: a busy two-core machine runs the suite next to the browser

# axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass(frozen=True)
class Scene:
    """What the screens show: Carla's ticket with a reply and an internal note, and a bit of everything
    the settings list; `ids` fill the paths of SCREENS."""

    admin: Agent
    agent: Agent
    customer: Customer
    ids: dict[str, int]


@pytest.fixture
def scene(admin, agent, customer, support_team, carla_ticket) -> Scene:
    billing = category_create(actor=admin, name="Billing")
    ticket_update(actor=agent, ticket=carla_ticket, changes={"category": billing, "add_tags": ["invoice"]})
    reply_add(actor=agent, ticket=carla_ticket, body_text="Hello Carla, invoice 42 is corrected.")
    note_add(actor=agent, ticket=carla_ticket, body_text="Root cause: the rounding rule, see ENG-42.")
    field = custom_field_create(
        actor=admin, target="ticket", key="plan", label="Plan", type="choice", choices=["Free", "Pro"], is_public=True
    )
    organization = OrganizationFactory.create(name="Acme")
    canned = canned_response_create(actor=agent, title="Thanks", body="Thank you for writing to us.")
    ids = {
        "ticket": carla_ticket.number,
        "agent": agent.pk,
        "team": support_team.pk,
        "category": billing.pk,
        "field": field.pk,
        "organization": organization.pk,
        "canned": canned.pk,
        "tag": carla_ticket.tags.get().pk,
    }
    return Scene(admin=admin, agent=agent, customer=customer, ids=ids)


@pytest.fixture
def open_page(browser, asgi_server, scene) -> Iterator[Callable[..., Any]]:
    """`open_page(who, path, viewport, language="en")`: a tab of its own at that size, signed in as `who`
    (None, "agent", "admin" or "customer"), on that path of SCREENS, its browser asking for `language`
    (Accept-Language); closed after the test."""
    contexts = []

    def opened(who: str | None, path: str, viewport: str, language: str = "en") -> Any:
        is_phone = viewport == "phone"
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], is_mobile=is_phone, has_touch=is_phone, locale=language
        )
        contexts.append(context)
        if who is not None:
            cookie = {"name": settings.SESSION_COOKIE_NAME, "value": _session(scene, who), "url": asgi_server}
            context.add_cookies([cookie])
        page = context.new_page()
        page.set_default_timeout(WAIT)
        response = page.goto(asgi_server + path.format(**scene.ids))
        assert response is not None and response.status == 200, (page.url, response and response.status)
        page.wait_for_load_state("networkidle")
        return page

    yield opened
    for context in contexts:
        context.close()


# (name, who is signed in: "agent" | "admin" | "customer" | None, path)
SCREENS: list[tuple[str, str | None, str]] = [
    ("agent-sign-in", None, "/login/"),
    ("inbox", "agent", "/"),
    ("inbox-unassigned", "agent", "/views/unassigned"),
    ("ticket", "agent", "/tickets/{ticket}"),
    ("preferences", "agent", "/me/preferences"),
    ("settings-agents", "admin", "/settings/agents/"),
    ("settings-agent", "admin", "/settings/agents/{agent}"),
    ("settings-teams", "admin", "/settings/teams/"),
    ("settings-team", "admin", "/settings/teams/{team}"),
    ("settings-organizations", "admin", "/settings/organizations/"),
    ("settings-organization", "admin", "/settings/organizations/{organization}"),
    ("settings-categories", "admin", "/settings/categories/"),
    ("settings-category", "admin", "/settings/categories/{category}"),
    ("settings-tags", "admin", "/settings/tags/"),
    ("settings-tag", "admin", "/settings/tags/{tag}"),
    ("settings-fields", "admin", "/settings/fields/"),
    ("settings-field", "admin", "/settings/fields/{field}"),
    ("settings-responses", "admin", "/settings/responses/"),
    ("settings-response", "agent", "/settings/responses/{canned}/"),
    ("settings-company", "admin", "/settings/company/"),
    ("settings-tokens", "admin", "/settings/tokens/"),
    ("portal-sign-in", None, "/portal/"),
    ("portal-tickets", "customer", "/portal/"),
    ("portal-ticket", "customer", "/portal/requests/{ticket}"),
    ("web-form", None, "/portal/new"),
]


@pytest.mark.parametrize(
    ("who", "path", "viewport"),
    [
        pytest.param(who, path, viewport, id=f"{name}-{viewport}")
        for name, who, path in SCREENS
        for viewport in VIEWPORTS
    ],
)
def test_the_screen_has_no_wcag_violation_and_no_sideways_scroll(open_page, who, path, viewport):
    # given a visitor (signed in as `who`) on that screen at that size
    page = open_page(who, path, viewport)
    url = page.url

    # when axe checks the page
    violations = _axe_violations(page)

    # then nothing is reported, and a phone does not scroll sideways
    assert violations == [], _readable(url, viewport, violations)
    if viewport == "phone":
        _assert_reflows(page)


@pytest.mark.parametrize(("who", "path"), [pytest.param(who, path, id=f"{name}-de") for name, who, path in SCREENS])
def test_the_screen_in_german_does_not_scroll_sideways_on_a_phone(open_page, who, path):
    # given a visitor whose browser asks for German, on that screen on a phone
    page = open_page(who, path, "phone", language="de")

    # then the page is in German (its longer words and labels), and nothing scrolls sideways or is cut off
    assert page.evaluate("document.documentElement.lang") == "de"
    _assert_reflows(page)


# States a screen reaches by using it: form errors, the note composer, the phone's menu, a dialog.
# (name, who, path, what the visitor does, what then shows, the viewports it applies to)
def _wrong_password(page: Any) -> None:
    page.fill("#id_username", "alice@helpline.test")
    page.fill("#id_password", "not her password")
    page.click("form button[type=submit]")


def _send_unchecked(page: Any) -> None:
    # The browser's own checks would stop the form before the server's errors can be seen.
    page.evaluate("document.querySelectorAll('form').forEach((form) => { form.noValidate = true; })")
    page.locator("main form button[type=submit]").first.click()


def _note_tab(page: Any) -> None:
    page.locator(".composer__tab--note").click()


def _phone_menu(page: Any) -> None:
    page.locator(".topbar__menu").click()


def _shortcuts(page: Any) -> None:
    page.keyboard.press("?")


STATES: list[tuple[str, str | None, str, Any, str, tuple[str, ...]]] = [
    ("agent-sign-in-refused", None, "/login/", _wrong_password, ".notice--error", ("desktop", "phone")),
    ("portal-sign-in-refused", None, "/portal/", _send_unchecked, ".notice--error", ("desktop", "phone")),
    ("web-form-refused", None, "/portal/new", _send_unchecked, ".field-errors, .notice--error", ("desktop", "phone")),
    ("ticket-note-composer", "agent", "/tickets/{ticket}", _note_tab, "[data-send-note]", ("desktop", "phone")),
    ("inbox-menu-open", "agent", "/", _phone_menu, ".sidebar .nav__link", ("phone",)),
    ("inbox-shortcuts-dialog", "agent", "/", _shortcuts, "dialog[open]", ("desktop",)),
]


@pytest.mark.parametrize(
    ("who", "path", "action", "shows", "viewport"),
    [
        pytest.param(who, path, action, shows, viewport, id=f"{name}-{viewport}")
        for name, who, path, action, shows, viewports in STATES
        for viewport in viewports
    ],
)
def test_the_screen_in_use_has_no_wcag_violation(open_page, who, path, action, shows, viewport):
    # given a visitor on that screen at that size
    page = open_page(who, path, viewport)

    # when they use it and axe checks what it then shows
    action(page)
    page.locator(shows).first.wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    violations = _axe_violations(page)

    # then nothing is reported
    assert violations == [], _readable(page.url, viewport, violations)


FOCUS_SCREENS = ["agent-sign-in", "inbox-unassigned", "ticket", "settings-tags", "portal-ticket", "web-form"]


@pytest.mark.parametrize(("who", "path"), [pytest.param(w, p, id=n) for n, w, p in SCREENS if n in FOCUS_SCREENS])
def test_the_keyboard_starts_at_the_skip_link_and_focus_is_always_visible(open_page, who, path):
    # given a keyboard user on that screen
    page = open_page(who, path, "desktop")
    stops = [page.evaluate(FOCUS_PROBE)]  # a sign-in form starts in its first field (autofocus)

    # when they press Tab through the page
    for _ in range(40):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_PROBE))

    # then the skip link (or the field the page starts in) comes first, and every stop shows where
    # the focus is (WCAG 2.4.7)
    first = next(stop for stop in stops if stop is not None)
    assert first["text"] == "Skip to content" or first["autofocus"], stops[:3]
    unseen = [stop["what"] for stop in stops if stop is not None and not stop["visible"]]
    assert unseen == [], f"{page.url}: focus not visible on {unseen}"


# The focused element, and whether it shows a focus indicator: an outline or a ring of its own, or
# one its parent draws for it (a radio button styled as a tab, a file input inside its label).
FOCUS_PROBE = """(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const drawn = (node) => {
        const style = getComputedStyle(node);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        return outline || style.boxShadow !== "none";
    };
    const box = el.getBoundingClientRect();
    const text = (el.textContent || "").trim();
    return {
        what: `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join(".")} ${text.slice(0, 30)}`,
        text: text,
        autofocus: el.autofocus,
        visible: (drawn(el) || (!!el.parentElement && drawn(el.parentElement))) && box.width > 0 && box.height > 0,
    };
})()"""


def _session(scene: Scene, who: str) -> str:
    """The session key of a signed-in agent (a Django login) or customer (the portal's own key)."""
    if who == "customer":
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = scene.customer.pk
        store.create()
        return str(store.session_key)
    client = Client()
    client.force_login(scene.admin if who == "admin" else scene.agent)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def _assert_reflows(page: Any) -> None:
    """Nothing scrolls sideways on a phone, and nothing reaches past the screen's right edge."""
    # A phone widens the layout viewport (and innerWidth) to content that overflows: the page is
    # measured against the screen's width too, not against innerWidth alone.
    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    screen = VIEWPORTS["phone"]["width"]
    assert scroll_width <= min(inner_width, screen), f"{page.url} scrolls sideways on a phone: {scroll_width}px wide"
    assert _cut_off(page, screen) == [], f"{page.url}: cut off at the right edge of a {screen}px screen"


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return list(Axe().run(page, options=options).response["violations"])


def _cut_off(page: Any, screen: int) -> list[str]:
    """Elements that reach past the right edge of the screen, other than inside a region that
    scrolls sideways (a wide table): a container that hides its overflow would cut them off unseen."""
    return page.evaluate(
        """(screen) => [...document.querySelectorAll("body *")].filter((el) => {
            const box = el.getBoundingClientRect();
            if (box.width < 2 || box.height < 2 || box.right <= screen + 0.5) return false;
            if (getComputedStyle(el).visibility === "hidden") return false;
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                const overflow = getComputedStyle(up).overflowX;
                if ((overflow === "auto" || overflow === "scroll") && up.scrollWidth > up.clientWidth) return false;
            }
            return true;
        }).slice(0, 8).map((el) => {
            const right = Math.round(el.getBoundingClientRect().right);
            const text = el.textContent.trim().slice(0, 40);
            return `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (right edge at ${right}px): ${text}`;
        })""",
        screen,
    )


def _readable(url: str, viewport: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url} ({viewport}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {node['target']}  {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)
