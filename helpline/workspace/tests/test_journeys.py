"""The four journeys of issue #3, in chromium against uvicorn (HTTP + websockets), on both engines."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from helpline.accounts.models import Agent
from helpline.customers.models import Customer
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Channel, Message, Status, Ticket
from helpline.tickets.services import ticket_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
WAIT = 20_000  # ms: a busy two-core machine runs the suite next to the browser


def _expect() -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    return expect


def _agent_page(browser: Any, base: str, agent: Agent) -> Any:
    """A browser tab signed in as `agent` (the session is made here and committed)."""
    client = Client()
    client.force_login(agent)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return page


def _live(page: Any) -> None:
    """Wait until the page's websocket is connected (events sent before would be missed)."""
    _expect()(page.locator("body[data-live=on]")).to_have_count(1)


def _ticket(customer: Customer, team: Any, subject: str) -> Ticket:
    return ticket_create(
        actor=None, requester=customer, subject=subject, channel=Channel.EMAIL, body_text="Please help", team=team
    )


def test_web_form_to_agent_and_portal_and_back(browser, asgi_server, agent, support_team):
    expect = _expect()
    base = asgi_server
    # given an agent watching Unassigned
    desk = _agent_page(browser, base, agent)
    desk.goto(f"{base}/views/unassigned")
    _live(desk)
    # when a customer sends the web form
    visitor = browser.new_context().new_page()
    visitor.set_default_timeout(WAIT)
    visitor.goto(f"{base}/portal/new")
    visitor.fill("#f-name", "Nina Kowalski")
    visitor.fill("#f-email", "nina@example.org")
    visitor.fill("#f-subject", "Cannot export my invoices")
    visitor.fill("#f-body", "The export button does nothing since Monday.")
    visitor.wait_for_timeout(2100)  # people take a moment; the form refuses robots that do not
    visitor.click("text=Send request")
    expect(visitor.locator("[data-ticket-number]")).to_be_visible()
    number = int(visitor.locator("[data-ticket-number]").get_attribute("data-ticket-number"))
    # then it appears in the agent's Unassigned without a reload
    row = desk.locator(".ticket-link", has_text="Cannot export my invoices")
    expect(row).to_be_visible()
    # when the agent takes it, replies and adds an internal note
    row.click()
    desk.wait_for_url(re.compile(rf"/tickets/{number}"))
    _live(desk)
    desk.click("[data-take]")
    expect(desk.locator("#prop-assignee")).to_have_value(str(agent.pk))
    desk.fill("#composer-body", "Thanks Nina, we fixed the export. Can you try again?")
    desk.click("[data-send]")
    expect(desk.locator("#thread .msg--reply", has_text="we fixed the export")).to_be_visible()
    desk.locator(".composer__tab--note").click()
    desk.fill("#composer-body", "Root cause was the PDF worker, ticket ENG-42.")
    desk.click("[data-send-note]")
    expect(desk.locator("#thread .msg--note", has_text="ENG-42")).to_be_visible()
    expect(desk.locator("#thread .msg--note .msg__flag")).to_have_text(re.compile("customers never see this"))
    # when the customer signs in to the portal with the link from the e-mail
    visitor.goto(f"{base}/portal/")
    visitor.fill("#email", "nina@example.org")
    visitor.click("text=E-mail me a sign-in link")
    expect(visitor.locator("text=Check your e-mail")).to_be_visible()
    mail = OutboxMessage.objects.filter(kind="email", payload__subject__icontains="sign-in").latest("id")
    found = re.search(r"https?://\S+/portal/sign-in/\S+", mail.payload["text"])
    assert found is not None
    link = found.group(0)
    visitor.goto(link)
    visitor.click("[data-sign-in]")
    visitor.click("text=Cannot export my invoices")
    # then they see the reply and not the note
    expect(visitor.locator(".msg--reply", has_text="we fixed the export")).to_be_visible()
    assert "ENG-42" not in visitor.content()
    assert visitor.locator(".msg--note").count() == 0
    # when they answer
    visitor.fill("#reply-body", "Works now, thank you!")
    visitor.click("form.composer button[type=submit]")
    expect(visitor.locator(".msg--customer", has_text="Works now")).to_be_visible()
    # then the agent sees the answer appear
    expect(desk.locator("#thread .msg--customer", has_text="Works now, thank you!")).to_be_visible()
    ticket = Ticket.objects.get(number=number)
    assert (ticket.assignee_id, ticket.status) == (agent.pk, Status.OPEN)


def test_two_agents_see_each_other_and_the_second_reply_is_held(browser, asgi_server, agent, supervisor, carla_ticket):
    expect = _expect()
    base = asgi_server
    # given Alice and Sam on the same ticket
    alice = _agent_page(browser, base, agent)
    sam = _agent_page(browser, base, supervisor)
    for page in (alice, sam):
        page.goto(f"{base}/tickets/{carla_ticket.number}")
        _live(page)
    # then each sees the other
    expect(alice.locator("[data-presence] [data-presence-name='Sam']")).to_be_visible()
    expect(sam.locator("[data-presence] [data-presence-name='Alice']")).to_be_visible()
    # when both write and Sam's typing shows on Alice's screen
    sam.fill("#composer-body", "Hello Carla, I am looking into invoice 42.")
    sam.type("#composer-body", " Thanks")
    expect(alice.locator("[data-presence-name='Sam'] .presence__typing")).to_be_visible()
    alice.fill("#composer-body", "Hi Carla, invoice 42 is corrected.")
    alice.click("[data-send]")
    expect(alice.locator("#thread .msg--reply", has_text="invoice 42 is corrected")).to_be_visible()
    sam.click("[data-send]")
    # then Sam's reply is held, and he is shown Alice's
    held = sam.locator("[data-held]")
    expect(held).to_be_visible()
    expect(held.locator(".msg--reply", has_text="invoice 42 is corrected")).to_be_visible()
    expect(sam.locator("#composer-body")).to_have_value("Hello Carla, I am looking into invoice 42. Thanks")
    assert Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).count() == 1
    # when he sends anyway, it goes
    sam.click("[data-send]")
    expect(sam.locator("#thread .msg--reply", has_text="I am looking into invoice 42")).to_be_visible()
    assert Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).count() == 2


def test_bulk_assign_and_bulk_solve_from_a_view(browser, asgi_server, agent, customer, support_team):
    expect = _expect()
    base = asgi_server
    # given three unassigned tickets
    tickets = [_ticket(customer, support_team, f"Bulk {n}") for n in range(3)]
    page = _agent_page(browser, base, agent)
    page.goto(f"{base}/views/unassigned")
    expect(page.locator("#rows .ticket-row")).to_have_count(3)
    # when the agent selects them all and assigns them to themself
    page.check("[data-select-all]")
    expect(page.locator("[data-selected-count]")).to_have_text("3")
    page.select_option("[data-bulkbar] select[name=assignee]", str(agent.pk))
    page.click("[data-bulkbar] button[value=apply]")
    # then Unassigned is empty and the tickets are theirs
    expect(page.locator(".notice--success")).to_have_text(re.compile("3 tickets updated"))
    expect(page.locator("#rows .ticket-row")).to_have_count(0)
    # when they solve them all from My open tickets
    page.goto(f"{base}/")
    expect(page.locator("#rows .ticket-row")).to_have_count(3)
    page.check("[data-select-all]")
    page.click("[data-bulk-action=solve]")
    expect(page.locator(".notice--success")).to_have_text(re.compile("3 tickets updated"))
    expect(page.locator("#rows .ticket-row")).to_have_count(0)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.assignee_id, ticket.status) == (agent.pk, Status.SOLVED)


def test_keyboard_only_triage_of_three_tickets(browser, asgi_server, agent, customer, support_team):
    expect = _expect()
    base = asgi_server
    # given three unassigned tickets (the newest is listed first)
    first, second, third = (_ticket(customer, support_team, f"Triage {n}") for n in (1, 2, 3))
    page = _agent_page(browser, base, agent)
    page.goto(f"{base}/views/unassigned")
    expect(page.locator("#rows .ticket-row")).to_have_count(3)
    keys = page.keyboard
    # the shortcuts are listed on ?
    keys.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    keys.press("Escape")
    # when: open the first, take it, reply with Ctrl+Enter
    keys.press("j")
    expect(page.locator(".ticket-row.is-focused")).to_have_attribute("data-ticket-id", str(third.pk))
    keys.press("Enter")
    page.wait_for_url(re.compile(rf"/tickets/{third.number}\?"))
    keys.press("a")
    expect(page.locator("#prop-assignee")).to_have_value(str(agent.pk))
    keys.press("r")
    expect(page.locator("#composer-body")).to_be_focused()
    keys.type("On it, will call you in an hour.")
    keys.press("Control+Enter")
    expect(page.locator("#thread .msg--reply", has_text="On it")).to_be_visible()
    # leave the composer; next ticket of the view: take it and solve it
    keys.press("Escape")
    keys.press("j")
    page.wait_for_url(re.compile(rf"/tickets/{second.number}\?"))
    keys.press("a")
    expect(page.locator("#prop-assignee")).to_have_value(str(agent.pk))
    keys.press("s")
    expect(page.locator("#ticket-header .badge--solved")).to_be_visible()
    # the last one: take it, back to the list
    keys.press("j")
    page.wait_for_url(re.compile(rf"/tickets/{first.number}\?"))
    keys.press("a")
    expect(page.locator("#prop-assignee")).to_have_value(str(agent.pk))
    keys.press("u")
    page.wait_for_url(re.compile(r"/views/unassigned$"))
    expect(page.locator(".empty")).to_be_visible()
    # then
    for ticket in (first, second, third):
        ticket.refresh_from_db()
    assert [t.assignee_id for t in (first, second, third)] == [agent.pk] * 3
    assert (first.status, second.status, third.status) == (Status.OPEN, Status.SOLVED, Status.OPEN)
    assert Message.objects.filter(ticket=third, kind=Message.Kind.REPLY, body_text__startswith="On it").exists()


def test_canned_response_inserted_by_keyboard_then_the_history_tab(browser, asgi_server, agent, carla_ticket):
    from helpline.responses.services import canned_response_create

    expect = _expect()
    base = asgi_server
    # given a personal canned response with placeholders
    canned_response_create(
        actor=agent, title="Thanks for waiting", body="Hi {{ requester.first_name }}, #{{ ticket.number }} is fixed."
    )
    canned_response_create(actor=agent, title="Refund", body="Your refund is on its way.")
    page = _agent_page(browser, base, agent)
    page.goto(f"{base}/tickets/{carla_ticket.number}")
    # when the agent opens the picker from the keyboard, narrows it and inserts with Enter
    page.focus("[data-canned-picker] summary")
    page.keyboard.press("Enter")
    expect(page.locator("[data-canned-search]")).to_be_focused()
    expect(page.locator("[data-canned-list] [role=option]")).to_have_count(2)
    page.keyboard.type("wait")
    expect(page.locator("[data-canned-list] [role=option]:visible")).to_have_count(1)
    page.keyboard.press("Enter")
    # then the filled-in text is in the composer, and it sends
    expect(page.locator("#composer-body")).to_have_value(f"Hi Carla, #{carla_ticket.number} is fixed.")
    expect(page.locator("#composer-body")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#thread .msg--reply", has_text="is fixed")).to_be_visible()
    # when they leave the composer and press h
    page.keyboard.press("Escape")
    page.keyboard.press("h")
    # then the history tab shows the reply, the oldest event last
    expect(page.locator("#tab-history")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-conversation")).to_be_hidden()
    entries = page.locator("#history-body .history__entry")
    expect(entries.filter(has_text="Public reply sent")).to_have_count(1)
    expect(entries.last).to_have_attribute("data-event-kind", "ticket.created")


def test_save_the_filtered_inbox_as_a_view(browser, asgi_server, agent, customer, support_team):
    from helpline.tickets.models import Priority
    from helpline.workspace.models import SavedView

    expect = _expect()
    base = asgi_server
    # given two unassigned tickets, one urgent
    urgent = ticket_create(
        actor=None,
        requester=customer,
        subject="Site down",
        channel=Channel.EMAIL,
        body_text="!",
        team=support_team,
        priority=Priority.URGENT,
    )
    _ticket(customer, support_team, "Question")
    page = _agent_page(browser, base, agent)
    page.goto(f"{base}/views/unassigned")
    expect(page.locator("#rows .ticket-row")).to_have_count(2)
    # when they filter by priority, add the number column and save the view
    page.select_option("#filters select[name=priority]", "urgent")
    expect(page.locator("#rows .ticket-row")).to_have_count(1)
    page.click("#filters .popover summary")
    page.check("#filters input[name=col][value=number]")
    expect(page.locator("th.cell-number")).to_be_visible()
    page.click(".page__actions details summary")
    page.fill("#saved-new-name", "Urgent, unassigned")
    page.click("[data-saved-form] button[type=submit]")
    # then the saved view opens, listed in the sidebar with its count
    page.wait_for_url(re.compile(r"/saved/\d+$"))
    saved = SavedView.objects.get()
    expect(page.locator(f"[data-saved='{saved.pk}'] [data-count-for='saved-{saved.pk}']")).to_have_text("1")
    expect(page.locator("#rows .ticket-row")).to_have_count(1)
    expect(page.locator("#rows .ticket-row .cell-number")).to_have_text(f"#{urgent.number}")
    assert (saved.base, saved.filters["priority"], "number" in saved.columns) == ("unassigned", ["urgent"], True)
