"""The customer portal: passwordless sign-in, their tickets only, the public thread only, replies."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.core.clock import now
from helpline.customers.models import Customer
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory
from helpline.outbox.models import OutboxMessage
from helpline.portal.models import PortalLink
from helpline.tickets.models import Channel, Message, Status
from helpline.tickets.services import attachment_upload, note_add, reply_add, ticket_create

pytestmark = pytest.mark.django_db


def _link_for(email: str, client: Client | None = None) -> str:
    """Ask for a sign-in link and return it, as the customer would find it in the mail."""
    (client or Client()).post("/portal/sign-in", {"email": email})
    mail = OutboxMessage.objects.filter(kind="email").latest("id")
    found = re.search(r"https?://\S+/portal/sign-in/\S+", mail.payload["text"])
    assert found is not None
    return found.group(0)


def _signed_in(customer: Customer) -> Client:
    client = Client()
    path = _link_for(customer.primary_email, client).split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    return client


def test_a_sign_in_link_is_mailed_through_the_outbox_and_only_its_hash_is_stored(customer):
    # when
    response = Client().post("/portal/sign-in", {"email": "Carla@Example.com"})
    # then
    assert "Check your e-mail" in response.content.decode()
    mail = OutboxMessage.objects.get(kind="email")
    assert mail.payload["to"] == ["carla@example.com"]
    assert set(mail.payload) == {"to", "subject", "text", "html"}
    found = re.search(r"/portal/sign-in/(\S+)", mail.payload["text"])
    assert found is not None
    secret = found.group(1)
    link = PortalLink.objects.get()
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(PortalLink.objects.values().get())
    assert link.expires_at - link.created_at == timedelta(minutes=15)


def test_an_unknown_address_gets_the_same_page_and_no_mail(db, footprint):
    # given
    before = footprint()
    # when
    response = Client().post("/portal/sign-in", {"email": "stranger@example.org"})
    # then
    assert "Check your e-mail" in response.content.decode()
    assert footprint() == before
    assert not PortalLink.objects.exists()


def test_the_link_signs_in_once_without_making_the_customer_a_user(customer):
    # given
    link = _link_for(customer.primary_email)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    # when
    confirm = client.get(path)  # a mail scanner opening the link uses nothing up
    signed_in = client.post(path)
    again = Client().post(path)
    # then
    assert confirm.status_code == 200 and "data-sign-in" in confirm.content.decode()
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # the agent workspace stays closed
    assert again.status_code == 400 and "expired or was used already" in again.content.decode()


def test_an_expired_link_does_not_sign_in(customer):
    # given
    path = "/" + _link_for(customer.primary_email).split("://", 1)[1].split("/", 1)[1]
    # when
    with time_machine.travel(now() + timedelta(minutes=16)):
        response = Client().post(path)
    # then
    assert response.status_code == 400


def test_sign_in_links_are_rate_limited_per_address(customer, settings):
    # given
    settings.HELPLINE_FORM_RATE_LIMIT = "2/3600"
    client = Client()
    # when
    codes = [client.post("/portal/sign-in", {"email": "carla@example.com"}).status_code for _ in range(3)]
    # then
    assert codes == [200, 200, 429]
    assert OutboxMessage.objects.filter(kind="email").count() == 2


def test_the_portal_lists_the_customers_tickets_only(customer, other_customer, carla_ticket, hr_ticket):
    # when
    html = _signed_in(customer).get("/portal/").content.decode()
    # then
    assert f"#{carla_ticket.number}" in html
    assert f"#{hr_ticket.number}" not in html


def test_colleagues_tickets_show_when_the_organization_shares(customer, support_team):
    # given
    org = OrganizationFactory.create(name="Acme", shares_tickets=True)
    colleague = CustomerFactory.create(name="Colin", email="colin@acme.test", organization=org)
    Customer.objects.filter(pk=customer.pk).update(organization=org)
    theirs = ticket_create(actor=None, requester=colleague, subject="VPN down", channel=Channel.EMAIL, body_text="x")
    # when
    html = _signed_in(customer).get("/portal/").content.decode()
    # then
    assert f"#{theirs.number}" in html and "by Colin" in html


def test_the_ticket_page_shows_the_public_thread_and_never_a_note(customer, agent, carla_ticket, media_root):
    # given
    secret_file = attachment_upload(actor=agent, content=SimpleUploadedFile("n.txt", b"internal"), filename="n.txt")
    note_add(
        actor=agent, ticket=carla_ticket, body_text="INTERNAL: customer is grumpy", attachment_ids=[secret_file.pk]
    )
    reply_add(actor=agent, ticket=carla_ticket.pk, body_text="We fixed invoice 42.")
    client = _signed_in(customer)
    # when
    html = client.get(f"/portal/requests/{carla_ticket.number}").content.decode()
    # then
    assert "the amount on invoice 42 is wrong" in html and "We fixed invoice 42." in html
    assert "INTERNAL" not in html and "grumpy" not in html and "n.txt" not in html
    assert client.get(f"/portal/files/{secret_file.pk}").status_code == 404


def test_another_customers_ticket_is_a_404_like_one_that_does_not_exist(customer, hr_ticket):
    # given
    client = _signed_in(customer)
    # when
    theirs = client.get(f"/portal/requests/{hr_ticket.number}")
    nothing = client.get("/portal/requests/999999")
    # then
    assert theirs.status_code == nothing.status_code == 404
    token = re.compile(rb'(csrf-token" content|nonce)="[^"]*"')  # differ on every page
    assert token.sub(b"", theirs.content) == token.sub(b"", nothing.content)
    assert b"contract" not in theirs.content


def test_the_customer_answers_with_a_file_and_marks_the_request_solved(customer, agent, carla_ticket, media_root):
    # given
    client = _signed_in(customer)
    # when
    client.post(
        f"/portal/requests/{carla_ticket.number}/reply",
        {
            "body": "Here is a screenshot",
            "files": [SimpleUploadedFile("shot.png", b"\x89PNG", content_type="image/png")],
        },
    )
    client.post(f"/portal/requests/{carla_ticket.number}/solve")
    # then
    answer = Message.objects.filter(ticket=carla_ticket, kind=Message.Kind.CUSTOMER).latest("id")
    assert (answer.body_text, answer.channel, answer.author_customer) == ("Here is a screenshot", "portal", customer)
    assert [a.filename for a in answer.attachments.all()] == ["shot.png"]
    carla_ticket.refresh_from_db()
    assert carla_ticket.status == Status.SOLVED
    assert carla_ticket.events.filter(kind="ticket.solved_by_requester", actor_customer=customer).exists()


def test_portal_forms_need_the_csrf_token(customer, carla_ticket):
    # given
    client = _signed_in(customer)
    client.handler.enforce_csrf_checks = True
    # when
    response = client.post(f"/portal/requests/{carla_ticket.number}/reply", {"body": "forged"})
    # then
    assert response.status_code == 403
    assert not Message.objects.filter(body_text="forged").exists()


def test_signing_out_ends_the_portal_session(customer):
    # given
    client = _signed_in(customer)
    # when
    client.post("/portal/sign-out")
    # then
    assert "Follow your requests" in client.get("/portal/").content.decode()
    assert client.get("/portal/requests/1000").status_code == 302
