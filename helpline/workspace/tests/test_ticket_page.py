"""The ticket page: thread, composer (reply, note, held on collision, files), properties."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.accounts.models import Agent
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Channel, Message, Status
from helpline.tickets.services import (
    attachment_upload,
    customer_message_add,
    note_add,
    reply_add,
    ticket_create,
    ticket_update,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _last_seen(html: str) -> int:
    found = re.search(r'name="last_seen" value="(\d+)"', html)
    assert found is not None
    return int(found.group(1))


def test_the_thread_shows_notes_unmistakably_and_folds_the_history(agent, supervisor, carla_ticket):
    # given
    note_add(actor=supervisor, ticket=carla_ticket, body_text="Check the invoice first")
    ticket_update(actor=supervisor, ticket=carla_ticket.pk, changes={"priority": "high"})
    reply_add(actor=supervisor, ticket=carla_ticket.pk, body_text="We are on it")
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}").content.decode()
    # then
    assert (
        html.index("the amount on invoice 42 is wrong")
        < html.index("Check the invoice first")
        < html.index("We are on it")
    )
    assert 'class="msg msg--note"' in html
    assert "Internal note — customers never see this" in html
    assert re.search(r"1 change by Sam", html)
    assert "Medium" in html and "High" in html


def test_customer_html_is_sanitized_and_remote_images_are_not_loaded(agent, customer, support_team):
    # given
    ticket = ticket_create(
        actor=None,
        requester=customer,
        subject="Pretty mail",
        channel=Channel.EMAIL,
        body_html='<p onclick="x()">Hi <b>there</b></p><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif" alt="logo"><a href="javascript:alert(1)">link</a>',
        team=support_team,
    )
    # when
    html = _signed_in(agent).get(f"/tickets/{ticket.number}").content.decode()
    # then
    body = html[html.index('class="msg__body prose"') :]
    body = body[: body.index("</article>")]
    assert "Hi <b>there</b>" in body
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body
    assert "tracker.example" not in body
    assert '<img src="/static/helpline/img/remote-image.svg" alt="logo">' in body
    assert "Remote images in this message were not loaded" in body


def test_quoted_history_marked_by_the_mail_channel_is_folded_one_click_away(agent, customer, support_team):
    # given a mail whose quoted history the email channel marked (as helpline.mail stores it)
    ticket = ticket_create(
        actor=None, requester=customer, subject="Re: invoice", channel=Channel.EMAIL, body_text="x", team=support_team
    )
    Message.objects.filter(ticket=ticket).update(
        body_html='<p>Thanks, that fixed it.</p><div class="helpline-quote"><blockquote><p>Old answer '
        "<script>alert(1)</script></p></blockquote></div>"
    )
    # when
    html = _signed_in(agent).get(f"/tickets/{ticket.number}").content.decode()
    # then the new words are shown, the quote is folded behind "Show quoted text", still sanitized
    body = html[html.index('class="msg__body prose"') :]
    body = body[: body.index("</article>")]
    fold = body.index('<details class="msg__quoted"><summary>Show quoted text</summary>')
    assert body.index("Thanks, that fixed it.") < fold < body.index("Old answer")
    assert "<script" not in body and "helpline-quote" not in body


def test_a_reply_is_sent_and_sets_the_status(agent, carla_ticket):
    # given
    client = _signed_in(agent)
    page = client.get(f"/tickets/{carla_ticket.number}").content.decode()
    # when
    response = client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "Fixed, see attached", "status": "pending", "last_seen": _last_seen(page)},
        headers=HTMX,
    )
    # then
    carla_ticket.refresh_from_db()
    assert response.status_code == 200
    assert carla_ticket.status == Status.PENDING
    reply = Message.objects.get(ticket=carla_ticket, kind=Message.Kind.REPLY)
    assert (reply.author_agent, reply.body_text) == (agent, "Fixed, see attached")
    html = response.content.decode()
    assert 'id="thread"' in html and 'hx-swap-oob="true"' in html and "Fixed, see attached" in html


def test_a_note_mentions_agents_and_never_goes_to_the_customer(agent, supervisor, carla_ticket):
    # given
    client = _signed_in(agent)
    mails_before = OutboxMessage.objects.filter(kind="email").count()
    # when
    client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "note", "body": "@Sam please check", "mention": [supervisor.pk], "last_seen": 0},
        headers=HTMX,
    )
    # then
    note = Message.objects.get(ticket=carla_ticket, kind=Message.Kind.NOTE)
    assert list(note.mentions.all()) == [supervisor]
    assert OutboxMessage.objects.filter(kind="email").count() == mails_before
    assert OutboxMessage.objects.get(kind="notification").payload["agent_id"] == supervisor.pk


def test_a_reply_is_held_when_the_customer_wrote_meanwhile_and_sent_anyway_after(agent, customer, carla_ticket):
    # given
    client = _signed_in(agent)
    seen = _last_seen(client.get(f"/tickets/{carla_ticket.number}").content.decode())
    customer_message_add(
        actor=None, ticket=carla_ticket, author=customer, channel=Channel.EMAIL, body_text="Never mind, found it"
    )
    # when
    held = client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "Here is how to fix it", "status": "solved", "last_seen": seen},
        headers=HTMX,
    )
    # then
    html = held.content.decode()
    assert not Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).exists()
    assert "Your reply was not sent" in html and "Never mind, found it" in html
    assert "Here is how to fix it</textarea>" in html
    assert "Send anyway and set Solved" in html
    # when the agent sends anyway, with the newest id they were shown
    client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "Here is how to fix it", "status": "solved", "last_seen": _last_seen(html)},
        headers=HTMX,
    )
    # then
    carla_ticket.refresh_from_db()
    assert Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).count() == 1
    assert carla_ticket.status == Status.SOLVED


def test_an_agents_own_reply_never_holds_the_next_one(agent, carla_ticket):
    # given
    client = _signed_in(agent)
    seen = _last_seen(client.get(f"/tickets/{carla_ticket.number}").content.decode())
    reply_add(actor=agent, ticket=carla_ticket.pk, body_text="First")
    # when
    client.post(
        f"/tickets/{carla_ticket.number}/messages", {"kind": "reply", "body": "Second", "last_seen": seen}, headers=HTMX
    )
    # then
    assert Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).count() == 2


def test_files_are_uploaded_with_the_reply_and_forbidden_ones_refused(agent, carla_ticket, media_root):
    # given
    client = _signed_in(agent)
    seen = _last_seen(client.get(f"/tickets/{carla_ticket.number}").content.decode())
    ok = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    bad = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    # when
    refused = client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "See files", "last_seen": seen, "files": [ok, bad]},
        headers=HTMX,
    )
    # then
    assert "setup.exe: Files of type .exe are not accepted" in refused.content.decode()
    assert not Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.REPLY).exists()
    found = re.search(r'name="attachment" value="(\d+)"', refused.content.decode())
    assert found is not None
    kept = found.group(1)
    # when the agent sends again without the bad file, the uploaded one goes with it
    client.post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "See files", "last_seen": seen, "attachment": kept},
        headers=HTMX,
    )
    reply = Message.objects.get(ticket=carla_ticket, kind=Message.Kind.REPLY)
    assert [a.filename for a in reply.attachments.all()] == ["invoice.pdf"]


def test_an_oversize_file_is_refused_with_the_limit(agent, carla_ticket, media_root, settings):
    # given
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    # when
    response = _signed_in(agent).post(
        f"/tickets/{carla_ticket.number}/messages",
        {"kind": "reply", "body": "Big", "last_seen": 0, "files": [big]},
        headers=HTMX,
    )
    # then
    assert "big.bin: The file is larger than the limit of 1 MB." in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_property_change_saves_and_a_stale_one_shows_the_current_values(agent, supervisor, carla_ticket):
    # given
    client = _signed_in(agent)
    version = carla_ticket.version
    # when
    saved = client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": version, "priority": "high"},
        headers={**HTMX, "HX-Trigger-Name": "priority"},
    )
    ticket_update(actor=supervisor, ticket=carla_ticket.pk, changes={"priority": "urgent"})
    stale = client.post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": version + 1, "priority": "low"},
        headers={**HTMX, "HX-Trigger-Name": "priority"},
    )
    # then
    carla_ticket.refresh_from_db()
    assert "Saved." in saved.content.decode()
    assert carla_ticket.priority == "urgent"
    html = stale.content.decode()
    assert "Someone else changed this ticket." in html
    assert '<option value="urgent" selected>' in html
    assert f'name="version" value="{carla_ticket.version}"' in html


def test_take_it_assigns_the_ticket_to_me(agent, carla_ticket):
    # when
    _signed_in(agent).post(
        f"/tickets/{carla_ticket.number}/properties", {"version": carla_ticket.version, "take": "1"}, headers=HTMX
    )
    # then
    carla_ticket.refresh_from_db()
    assert (carla_ticket.assignee, carla_ticket.status) == (agent, Status.OPEN)


def test_a_refused_change_says_why(agent, carla_ticket, other_agent):
    # when
    response = _signed_in(agent).post(
        f"/tickets/{carla_ticket.number}/properties",
        {"version": carla_ticket.version, "assignee": other_agent.pk},
        headers={**HTMX, "HX-Trigger-Name": "assignee"},
    )
    # then
    assert "Oscar is not a member of team Support." in response.content.decode()


def test_a_private_teams_ticket_is_a_404_for_outsiders(agent, hr_ticket):
    assert _signed_in(agent).get(f"/tickets/{hr_ticket.number}").status_code == 404


def test_a_collaborator_can_only_write_notes(collaborator, carla_ticket):
    # when
    html = _signed_in(collaborator).get(f"/tickets/{carla_ticket.number}").content.decode()
    # then
    assert 'value="reply"' not in html
    assert 'name="kind" value="note" checked' in html


def test_attachments_download_for_agents_who_see_the_ticket(agent, other_agent, private_member, hr_ticket, media_root):
    # given
    upload = attachment_upload(actor=private_member, content=BytesIO(b"secret"), filename="contract.pdf")
    note_add(actor=private_member, ticket=hr_ticket.pk, body_text="See file", attachment_ids=[upload.pk])
    # when
    allowed = _signed_in(private_member).get(f"/attachments/{upload.pk}")
    refused = _signed_in(agent).get(f"/attachments/{upload.pk}")
    # then
    assert allowed.status_code == 200
    assert allowed["Content-Disposition"].startswith("attachment;")
    assert allowed["Content-Type"] == "application/octet-stream"
    assert allowed.getvalue() == b"secret"
    assert refused.status_code == 404


def test_the_next_ticket_of_the_view(agent, customer, support_team):
    # given
    older = ticket_create(
        actor=None, requester=customer, subject="Old", channel="email", body_text="x", team=support_team
    )
    newer = ticket_create(
        actor=None, requester=customer, subject="New", channel="email", body_text="x", team=support_team
    )
    client = _signed_in(agent)
    # when
    forward = client.get(f"/tickets/{newer.number}/neighbour?view=unassigned&sort=-created_at")
    at_end = client.get(f"/tickets/{older.number}/neighbour?view=unassigned&sort=-created_at")
    # then
    assert forward["Location"] == f"/tickets/{older.number}?view=unassigned&sort=-created_at"
    assert at_end["Location"] == "/views/unassigned"


def test_the_ticket_page_for_a_ticket_of_fifty_messages_renders(agent, customer, carla_ticket):
    # given
    for n in range(50):
        customer_message_add(actor=None, ticket=carla_ticket, author=customer, channel="email", body_text=f"Msg {n}")
    # when
    html = _signed_in(agent).get(f"/tickets/{carla_ticket.number}").content.decode()
    # then
    assert "Msg 48" in html and "Msg 49" not in html
    assert "Show newer messages" in html
    assert _last_seen(html) == Message.objects.filter(ticket=carla_ticket).latest("pk").pk
