"""The ticket page's tools: merge into another ticket, the History tab, followers and custom fields
in place, attachment previews, and the composer's canned responses."""

from __future__ import annotations

import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, RequestFactory

from helpline.accounts.models import Agent
from helpline.audit.models import Event
from helpline.core.models import CustomField
from helpline.responses.models import CannedResponse
from helpline.responses.services import canned_response_create
from helpline.tickets.models import Attachment, Channel, Status, Ticket
from helpline.tickets.services import (
    attachment_upload,
    note_add,
    reply_add,
    ticket_create,
    ticket_restore,
    ticket_trash,
    ticket_update,
)
from helpline.workspace.views.files import attachment_response

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _duplicate(ticket: Ticket, subject: str = "Invoice wrong, again") -> Ticket:
    return ticket_create(
        actor=None,
        requester=ticket.requester,
        subject=subject,
        channel=Channel.EMAIL,
        body_text="Same problem",
        team=ticket.team,
    )


# --- merge ---------------------------------------------------------------------------------------


def test_merge_shows_both_tickets_and_changes_nothing_before_the_confirmation(agent, carla_ticket, footprint):
    # given
    dupe = _duplicate(carla_ticket)
    client = _signed_in(agent)
    before = footprint()
    # when
    response = client.get(f"/tickets/{dupe.number}/merge", {"into": f"#{carla_ticket.number}"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Merge #{dupe.number} into #{carla_ticket.number}?" in html
    assert "Invoice wrong, again" in html and "My invoice is wrong" in html
    assert f'name="into" value="{carla_ticket.number}"' in html
    assert footprint() == before


def test_merge_confirmed_moves_the_thread_and_opens_the_target(agent, carla_ticket, ticket_events):
    # given
    dupe = _duplicate(carla_ticket)
    # when
    response = _signed_in(agent).post(f"/tickets/{dupe.number}/merge", {"into": str(carla_ticket.number)}, follow=True)
    # then
    assert response.redirect_chain == [(f"/tickets/{carla_ticket.number}", 302)]
    assert f"#{dupe.number} was merged into this ticket." in response.content.decode()
    dupe.refresh_from_db()
    assert (dupe.status, dupe.merged_into) == (Status.CLOSED, carla_ticket)
    assert ticket_events(dupe)[-1] == (
        "ticket.merged",
        {"status": "new"},
        {"status": "closed", "merged_into": carla_ticket.number},
    )


def test_merge_into_a_ticket_the_agent_may_not_see_reveals_nothing(agent, carla_ticket, hr_ticket, footprint):
    # given
    client = _signed_in(agent)
    before = footprint()
    # when
    response = client.post(f"/tickets/{carla_ticket.number}/merge", {"into": hr_ticket.number}, follow=True)
    # then
    html = response.content.decode()
    assert f"There is no ticket #{hr_ticket.number} you can see." in html
    assert hr_ticket.subject not in html
    assert footprint() == before


def test_a_collaborator_may_not_merge(collaborator, carla_ticket, footprint):
    # given
    dupe = _duplicate(carla_ticket)
    client = _signed_in(collaborator)
    before = footprint()
    # when
    response = client.post(f"/tickets/{dupe.number}/merge", {"into": carla_ticket.number}, follow=True)
    # then
    assert "You may not change ticket" in response.content.decode()
    assert footprint() == before
    assert "Merge into another ticket" not in client.get(f"/tickets/{dupe.number}").content.decode()


# --- history -------------------------------------------------------------------------------------


def test_the_history_tab_lists_every_event_newest_first_in_the_viewers_time_zone(agent, supervisor, carla_ticket):
    # given
    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    note_add(actor=supervisor, ticket=carla_ticket, body_text="Look at invoice 42")
    ticket_update(actor=supervisor, ticket=carla_ticket.pk, changes={"priority": "high"})
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}/history", headers=HTMX).content.decode()
    # then
    kinds = re.findall(r'data-event-kind="([^"]+)"', html)
    assert kinds == ["ticket.priority_changed", "message.added", "ticket.created"]
    latest = Event.objects.filter(ticket=carla_ticket).order_by("-at", "-id").first()
    assert latest is not None
    local = latest.at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{local:%Y-%m-%d %H:%M} JST" in html
    first = html[: html.index('data-event-kind="message.added"')]
    assert "Priority" in first and "by Sam" in first
    assert re.search(r'fold__before">Medium</span>.*?fold__after">High</span>', first, re.S)
    assert "Internal note added" in html and "Ticket opened" in html


def test_the_history_tab_shows_what_values_mean_not_how_they_are_stored(
    agent, supervisor, other_customer, carla_ticket, ticket_fields
):
    # given Carla's ticket (opened by the e-mail channel), then changed by Sam, trashed and restored
    ticket_update(
        actor=supervisor,
        ticket=carla_ticket.pk,
        changes={"assignee": agent, "ccs": [other_customer], "custom_fields": {"vip": True}},
    )
    ticket_trash(actor=supervisor, ticket=carla_ticket.pk)
    ticket_restore(actor=supervisor, ticket=carla_ticket.pk)
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}/history", headers=HTMX).content.decode()
    # then
    changes = re.findall(
        r'fold__label">([^<]*)</span> <span class="fold__before">([^<]*)</span>.*?fold__after">([^<]*)</span>', html
    )
    assert changes[:6] == [
        ("Disposition", "Trash", "Active"),
        ("Disposition", "Active", "Trash"),
        ("CCs", "—", "Otto"),
        ("Custom fields", "—", "vip: Yes"),
        ("Assignee", "—", "Alice"),
        ("Status", "New", "Open"),
    ]
    # the opening event's values, in the order the engine keeps JSON keys (jsonb sorts them)
    assert sorted(changes[6:]) == [
        ("Channel", "—", "Email"),
        ("Priority", "—", "Medium"),
        ("Requester", "—", "Carla"),
        ("Status", "—", "New"),
        ("Subject", "—", "My invoice is wrong"),
        ("Team", "—", "Support"),
    ]
    assert re.findall(r'history__who">([^<]*)<', html)[-1] == "by System"


def test_the_history_tab_names_people_without_more_queries(
    agent, other_customer, carla_ticket, django_assert_num_queries
):
    # given Carla's ticket with Otto in CC, and a client that has loaded its pages once
    ticket_update(actor=agent, ticket=carla_ticket.pk, changes={"ccs": [other_customer]})
    client = _signed_in(agent)
    client.get(f"/tickets/{carla_ticket.number}/history", headers=HTMX)
    # when / then: session, agent, ticket, directory, events (with their actors), CCs
    with django_assert_num_queries(6):
        html = client.get(f"/tickets/{carla_ticket.number}/history", headers=HTMX).content.decode()
    assert 'fold__after">Otto</span>' in html and 'fold__after">Carla</span>' in html


def test_the_history_page_works_without_javascript_and_is_for_those_who_see_the_ticket(
    agent, other_agent, hr_ticket, carla_ticket
):
    # when
    page = _signed_in(agent).get(f"/tickets/{carla_ticket.number}/history")
    hidden = _signed_in(other_agent).get(f"/tickets/{hr_ticket.number}/history")
    # then
    assert page.status_code == 200 and f"History of #{carla_ticket.number}" in page.content.decode()
    assert hidden.status_code == 404


def test_the_ticket_page_has_conversation_and_history_tabs(agent, carla_ticket):
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}").content.decode()
    # then
    assert 'role="tablist"' in html
    assert f'href="/tickets/{carla_ticket.number}/history"' in html
    assert 'id="panel-history" role="tabpanel"' in html


# --- followers -----------------------------------------------------------------------------------


def test_followers_are_added_and_removed_in_place(agent, supervisor, carla_ticket, ticket_events):
    # given
    client = _signed_in(agent)
    # when Alice follows, then adds Sam
    client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "follow_me": "1"},
        headers=HTMX,
    )
    carla_ticket.refresh_from_db()
    html = client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "add_follower": str(supervisor.pk)},
        headers={**HTMX, "HX-Trigger-Name": "add_follower"},
    ).content.decode()
    # then
    assert sorted(carla_ticket.followers.values_list("name", flat=True)) == ["Alice", "Sam"]
    assert re.search(r'<li class="chip">Alice<button type="submit" name="unfollow"', html)
    assert "data-follow>" not in html  # already following: no "Follow" button
    # when Alice removes herself
    carla_ticket.refresh_from_db()
    client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "unfollow": str(agent.pk)},
        headers=HTMX,
    )
    # then
    assert list(carla_ticket.followers.values_list("name", flat=True)) == ["Sam"]
    assert [e for e in ticket_events(carla_ticket) if e[0] == "ticket.followers_changed"][-1] == (
        "ticket.followers_changed",
        {"followers": sorted([agent.pk, supervisor.pk])},
        {"followers": [supervisor.pk]},
    )


# --- custom fields -------------------------------------------------------------------------------


@pytest.fixture
def ticket_fields(db: None) -> list[CustomField]:
    return [
        CustomField.objects.create(target="ticket", key="order", label="Order number", type="integer", position=1),
        CustomField.objects.create(
            target="ticket", key="plan", label="Plan", type="choice", choices=["free", "pro"], position=2
        ),
        CustomField.objects.create(target="ticket", key="vip", label="VIP", type="boolean", position=3),
        CustomField.objects.create(target="ticket", key="due", label="Due", type="date", position=4),
    ]


def test_custom_fields_are_shown_and_edited_in_place(agent, carla_ticket, ticket_fields, ticket_events):
    # given
    client = _signed_in(agent)
    page = client.get(f"/tickets/{carla_ticket.number}").content.decode()
    assert '<label for="cf-order">Order number</label>' in page
    assert 'id="cf-due" name="cf.due" type="date"' in page
    # when
    for name, value in (("cf.order", "1042"), ("cf.plan", "pro"), ("cf.vip", "true")):
        carla_ticket.refresh_from_db()
        html = client.post(
            f"/tickets/{carla_ticket.number}/properties",
            {"version": carla_ticket.version, name: value},
            headers={**HTMX, "HX-Trigger-Name": name},
        ).content.decode()
        assert "Saved." in html
    # then
    carla_ticket.refresh_from_db()
    assert carla_ticket.custom_fields == {"order": 1042, "plan": "pro", "vip": True}
    assert 'value="1042"' in html and '<option value="pro" selected>' in html
    assert '<option value="true" selected>' in html
    assert ticket_events(carla_ticket)[-1] == (
        "ticket.custom_fields_changed",
        {"custom_fields": {"order": 1042, "plan": "pro"}},
        {"custom_fields": {"order": 1042, "plan": "pro", "vip": True}},
    )


def test_an_invalid_custom_field_value_is_refused_and_nothing_changes(agent, carla_ticket, ticket_fields, footprint):
    # given
    client = _signed_in(agent)
    before = footprint()
    # when
    bad_number = client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "cf.order": "12abc"},
        headers={**HTMX, "HX-Trigger-Name": "cf.order"},
    ).content.decode()
    bad_choice = client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "cf.plan": "<script>gold</script>"},
        headers={**HTMX, "HX-Trigger-Name": "cf.plan"},
    ).content.decode()
    # then
    assert "That value is not valid." in bad_number
    assert "Some custom fields are not valid. (custom_fields.plan: expected one of free, pro)" in bad_choice
    assert "<script>gold" not in bad_choice
    assert footprint() == before


def test_a_required_empty_custom_field_does_not_block_other_properties(agent, carla_ticket):
    # given
    CustomField.objects.create(target="ticket", key="order", label="Order", type="integer", required=True)
    # when a plain form post (no JavaScript) changes the priority
    _signed_in(agent).post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "priority": "high", "status": "new", "tags": "", "cf.order": ""},
    )
    # then
    carla_ticket.refresh_from_db()
    assert carla_ticket.priority == "high"


# --- attachment previews -------------------------------------------------------------------------


def _reply_with(agent: Agent, ticket: Ticket, content: bytes, filename: str, content_type: str) -> int:
    upload = attachment_upload(actor=agent, content=BytesIO(content), filename=filename, content_type=content_type)
    reply_add(actor=agent, ticket=ticket.pk, body_text="See attached", attachment_ids=[upload.pk])
    return upload.pk


def test_plain_text_is_previewed_as_escaped_text(agent, carla_ticket, media_root):
    # given
    pk = _reply_with(agent, carla_ticket, b"line 1\n<script>alert(1)</script>\n", "log.txt", "text/plain")
    client = _signed_in(agent)
    # when
    page = client.get(f"/tickets/{carla_ticket.number}").content.decode()
    preview = client.get(f"/attachments/{pk}/preview", headers=HTMX)
    # then
    assert f'hx-get="/attachments/{pk}/preview"' in page
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "line 1\n&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_pdf_is_previewed_in_a_frame_that_only_our_pages_may_embed(agent, carla_ticket, media_root):
    # given
    pk = _reply_with(agent, carla_ticket, b"%PDF-1.4 fake", "invoice.pdf", "application/pdf")
    client = _signed_in(agent)
    # when
    page = client.get(f"/tickets/{carla_ticket.number}").content.decode()
    inline = client.get(f"/attachments/{pk}?inline=1")
    # then
    assert f'<iframe class="attachment__frame" src="/attachments/{pk}?inline=1" title="invoice.pdf"' in page
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["Content-Security-Policy"] == "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert inline["X-Content-Type-Options"] == "nosniff"


def test_other_files_get_a_download_card_with_type_and_size(agent, carla_ticket, media_root):
    # given
    pk = _reply_with(agent, carla_ticket, b"PK\x03\x04" + b"0" * 2044, "logs.zip", "application/zip")
    client = _signed_in(agent)
    # when
    page = client.get(f"/tickets/{carla_ticket.number}").content.decode()
    download = client.get(f"/attachments/{pk}?inline=1")
    # then
    card = page[page.index(f'data-attachment="{pk}"') :]
    card = card[: card.index("</li>")]
    assert "application/zip · 2.0\xa0KB" in card
    assert f'href="/attachments/{pk}" download>' in card
    assert "<iframe" not in card and "/preview" not in card
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert client.get(f"/attachments/{pk}/preview").status_code == 404


def test_the_portal_still_downloads_pdfs_rather_than_framing_them(agent, carla_ticket, media_root):
    # given
    pk = _reply_with(agent, carla_ticket, b"%PDF-1.4 fake", "invoice.pdf", "application/pdf")
    request = RequestFactory().get(f"/portal/attachments/{pk}?inline=1")
    # when
    response = attachment_response(Attachment.objects.get(pk=pk), request)
    # then
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- canned responses in the composer ------------------------------------------------------------


def test_the_picker_lists_usable_responses_filled_in_for_the_ticket(agent, other_agent, carla_ticket):
    # given
    canned_response_create(
        actor=agent, title="Thanks", body="Hi {{ requester.first_name }}, about #{{ ticket.number }}: {{ nope }}"
    )
    canned_response_create(actor=other_agent, title="Oscar's own", body="Not for Alice")
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}/responses", headers=HTMX).content.decode()
    # then
    assert re.findall(r'data-canned-title="([^"]+)"', html) == ["Thanks"]
    assert f'data-canned-text="Hi Carla, about #{carla_ticket.number}: {{{{ nope }}}}"' in html
    assert CannedResponse.objects.count() == 2


def test_placeholder_values_from_customers_are_text_in_the_picker(agent, customer, support_team):
    # given
    customer.name = '<img src=x onerror="alert(1)"> {{ agent.name }}'
    customer.save(update_fields=["name"])
    ticket = ticket_create(
        actor=None, requester=customer, subject="Hi", channel=Channel.EMAIL, body_text="x", team=support_team
    )
    canned_response_create(actor=agent, title="Hello", body="Dear {{ requester.name }}")
    # when
    html = _signed_in(agent).get(f"/tickets/{ticket.number}/responses", headers=HTMX).content.decode()
    # then the name is escaped, and the placeholder in it is not filled in
    assert 'data-canned-text="Dear &lt;img src=x onerror=&quot;alert(1)&quot;&gt; {{ agent.name }}"' in html
    assert "<img" not in html
