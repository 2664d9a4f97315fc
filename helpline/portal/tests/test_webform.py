"""The public web form: a ticket and a confirmation mail; robots, floods and bad files refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.core.clock import now
from helpline.core.models import CustomField
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db


def _form(client: Client, path: str = "/portal/new") -> dict[str, str]:
    """What the served form carries (its signed token), as a person would post it a minute later."""
    html = client.get(path).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    return {"form_token": found.group(1)}


def _submit(client: Client, path: str = "/portal/new", **fields):
    data = {**_form(client, path), "name": "Nina", "email": "nina@example.org", "subject": "Cannot log in"}
    data["body"] = "Since this morning the login page says my password is wrong."
    data.update(fields)
    with time_machine.travel(now() + timedelta(minutes=1)):
        return client.post(path, data)


def test_a_submission_opens_a_ticket_and_mails_a_confirmation(db, media_root):
    # given
    category = Category.objects.create(name="Access", path="Access")
    CustomField.objects.create(target="ticket", key="order", label="Order number", type="integer", is_public=True)
    client = Client()
    # when
    response = _submit(
        client,
        category=str(category.pk),
        cf_order="4711",
        files=[SimpleUploadedFile("error.png", b"\x89PNG", content_type="image/png")],
    )
    # then
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.category, ticket.custom_fields) == (
        "Cannot log in",
        "web",
        category,
        {"order": 4711},
    )
    assert ticket.requester.name == "Nina" and ticket.requester.primary_email == "nina@example.org"
    assert [a.filename for a in ticket.messages.get().attachments.all()] == ["error.png"]
    done = client.get(response["Location"]).content.decode()
    assert f"#{ticket.number}" in done
    mail = OutboxMessage.objects.get(kind="email")
    assert mail.payload["to"] == ["nina@example.org"]
    assert f"[#{ticket.number}]" in mail.payload["subject"]
    assert f"#{ticket.number}" in mail.payload["text"] and f"#{ticket.number}" in mail.payload["html"]


def test_the_honeypot_catches_robots_and_nothing_is_written(db, footprint):
    # given
    client = Client()
    before = footprint()
    # when
    response = _submit(client, website="http://spam.example")
    # then
    assert response.status_code == 302
    assert footprint() == before


def test_a_post_without_a_served_form_is_refused(db, footprint):
    # given
    before = footprint()
    # when
    response = Client().post("/portal/new", {"email": "a@example.org", "subject": "x", "body": "y"})
    # then
    assert response.status_code == 403 and "The form expired" in response.content.decode()
    assert footprint() == before


def test_a_form_sent_within_two_seconds_is_refused(db):
    client = Client()
    data = {**_form(client), "email": "a@example.org", "subject": "x", "body": "y"}
    assert client.post("/portal/new", data).status_code == 403
    assert not Ticket.objects.exists()


def test_submissions_are_rate_limited_per_address_and_per_ip(db, settings):
    # given
    settings.HELPLINE_FORM_RATE_LIMIT = "2/3600"
    settings.HELPLINE_FORM_IP_RATE_LIMIT = "3/3600"
    client = Client()
    # when
    by_address = [_submit(client).status_code for _ in range(3)]
    by_ip = [_submit(client, email=f"p{n}@example.org").status_code for n in range(2)]
    # then
    assert by_address == [302, 302, 429]
    assert by_ip == [429, 429]  # the IP used its 3 attempts above
    assert Ticket.objects.count() == 2


def test_missing_fields_and_bad_files_are_refused_with_reasons(db, media_root):
    # when
    missing = _submit(Client(), email="not-an-address", subject=" ", body="")
    bad_file = _submit(Client(), files=[SimpleUploadedFile("run.exe", b"MZ")])
    # then
    html = missing.content.decode()
    assert missing.status_code == 422
    assert "Enter a valid e-mail address." in html and "Describe what happened." in html
    assert "Files of type .exe are not accepted" in bad_file.content.decode()
    assert not Ticket.objects.exists()


def test_private_custom_fields_cannot_be_set_from_the_form(db):
    # given
    CustomField.objects.create(target="ticket", key="internal_score", label="Score", type="integer", is_public=False)
    # when
    _submit(Client(), cf_internal_score="99")
    # then
    assert Ticket.objects.get().custom_fields == {}


def test_the_form_is_embeddable_only_by_the_configured_sites(db, settings):
    # given
    settings.HELPLINE_FORM_FRAME_ANCESTORS = ["https://www.example.com"]
    client = Client()
    # when
    embedded = client.get("/portal/new?embed=1")
    plain = client.get("/portal/new")
    # then
    assert "frame-ancestors 'self' https://www.example.com" in embedded["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors 'self';" in plain["Content-Security-Policy"]
    assert plain["X-Frame-Options"] == "SAMEORIGIN"
    assert 'class="portal-top"' in embedded.content.decode()  # hidden by the embed CSS, still accessible


def test_a_signed_in_customer_opens_a_request_as_themself(customer):
    # given
    from helpline.portal.tests.test_portal import _signed_in

    client = _signed_in(customer)
    data = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "subject": "New laptop", "body": "Please"}
    client.handler.enforce_csrf_checks = True
    # when
    response = client.post("/portal/new", data)
    # then
    ticket = Ticket.objects.get(subject="New laptop")
    assert response.status_code == 302
    assert (ticket.requester, ticket.channel) == (customer, "portal")
