"""Bad input: the raw message is kept, the reason shown, the sender told once, nothing else stops;
admins see the quarantine, download the raw message and retry it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from helpline.accounts.models import Agent
from helpline.core.errors import PermissionDenied
from helpline.mail import api
from helpline.mail.conf import MAIL_KIND
from helpline.mail.models import InboundMail
from helpline.mail.services import inbound_retry, raw_read
from helpline.mail.tests.support import mail_bytes
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Ticket

State = InboundMail.State


@pytest.fixture
def big_mail() -> bytes:
    return mail_bytes(message_id="big@client.test", subject="Scans",
                      attachments=[("scan.pdf", "application/pdf", b"%PDF" + b"x" * 60_000)])  # fmt: skip


def test_an_oversized_mail_is_kept_quarantined_and_its_sender_told_once(deliver: Any, drain: Any, settings: Any,
                                                                        big_mail: bytes, smtp_sink: Any):  # fmt: skip
    # given
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 20_000

    # when it arrives twice
    inbound = deliver(big_mail)
    deliver(big_mail)
    drain()

    # then
    inbound.refresh_from_db()
    assert inbound.state == State.QUARANTINED
    assert inbound.reason.startswith("The message is 0.1 MB, more than the 0.0 MB we accept. Please send large")
    assert inbound.reason.endswith("(sender notice: queued)")
    assert raw_read(inbound) == big_mail
    assert not Ticket.objects.exists()
    notices = smtp_sink.to("carla@example.com")
    assert len(notices) == 1
    notice = notices[0].message
    assert notice["Subject"] == "Your message was too large: Scans"
    assert notice["In-Reply-To"] == "<big@client.test>"
    assert notice["Auto-Submitted"] == "auto-replied"

    # when an admin raises the limit and retries it
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 10_000_000
    retried = inbound_retry(actor=None, inbound=inbound)

    # then
    assert retried.state == State.PROCESSED
    assert Ticket.objects.get().messages.get().attachments.get().filename == "scan.pdf"


def test_an_unexpected_failure_quarantines_the_mail_and_the_next_one_goes_through(
    deliver: Any, monkeypatch: pytest.MonkeyPatch
):
    # given processing breaks on Carla's mail
    from helpline.mail.services import deliver as deliver_module

    real = deliver_module.customer_get_or_create_by_email

    def broken(*, email: str, name: str = "") -> Any:
        if email == "carla@example.com":
            raise RuntimeError("database hiccup")
        return real(email=email, name=name)

    monkeypatch.setattr(deliver_module, "customer_get_or_create_by_email", broken)

    # when
    failed = deliver(mail_bytes(message_id="carla@client.test"))
    fine = deliver(mail_bytes(sender="otto@example.net", message_id="otto@client.test"))

    # then
    assert (failed.state, failed.reason) == (State.QUARANTINED, "Processing failed: RuntimeError: database hiccup")
    assert failed.attempts == 1
    assert fine.state == State.PROCESSED
    assert [t.requester.primary_email for t in Ticket.objects.all()] == ["otto@example.net"]
    assert OutboxMessage.objects.filter(kind=MAIL_KIND).count() == 1  # Otto's acknowledgement only

    # when it is fixed and retried
    monkeypatch.setattr(deliver_module, "customer_get_or_create_by_email", real)
    retried = inbound_retry(actor=None, inbound=failed)

    # then
    assert retried.state == State.PROCESSED
    assert retried.attempts == 2
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(bytes(range(256)) * 64, id="binary garbage"),
        pytest.param(b"From: a@b.example\r\nSubject: " + b"x" * 1_000_000 + b"\r\n\r\nbody", id="huge header"),
        pytest.param(b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nbroken", id="broken MIME"),
    ],
)
def test_bad_input_is_kept_and_stops_nothing(deliver: Any, raw: bytes):
    # when
    inbound = deliver(raw)
    after = deliver(mail_bytes(message_id="after@client.test"))

    # then
    assert inbound.state in (State.PROCESSED, State.IGNORED, State.QUARANTINED)
    assert inbound.reason
    assert raw_read(inbound) == raw
    assert after.state == State.PROCESSED


def test_a_huge_header_is_quarantined_with_the_reason(deliver: Any):
    # when
    inbound = deliver(b"From: a@b.example\r\nSubject: " + b"x" * 1_000_000 + b"\r\n\r\nbody")

    # then
    assert inbound.state == State.QUARANTINED
    assert "header line of the message is 1,000,009 characters long" in inbound.reason


def _request(actor: Agent, method: str = "get") -> Any:
    request = getattr(RequestFactory(), method)("/")
    request.auth = actor
    return request


def test_admins_list_download_and_retry_quarantined_mail_by_api(deliver: Any, admin: Agent, agent: Agent,
                                                               settings: Any, big_mail: bytes):  # fmt: skip
    # given
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 20_000
    inbound = deliver(big_mail)
    deliver(mail_bytes(message_id="fine@client.test"))

    # when
    page = api.inbound_list_view(_request(admin))
    raw = api.inbound_raw_view(_request(admin), inbound.pk)

    # then
    assert [item["id"] for item in page["items"]] == [inbound.pk]
    assert page["items"][0]["state"] == "quarantined" and page["items"][0]["sender"] == "Carla <carla@example.com>"
    assert b"".join(raw) == big_mail
    assert raw["Content-Type"] == "message/rfc822"

    # when an agent tries
    with pytest.raises(PermissionDenied):
        api.inbound_list_view(_request(agent))
    with pytest.raises(PermissionDenied):
        api.inbound_retry_view(_request(agent, "post"), inbound.pk)

    # when the admin retries after raising the limit
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 10_000_000
    done = api.inbound_retry_view(_request(admin, "post"), inbound.pk)

    # then
    assert done["state"] == "processed" and done["ticket_number"] is not None


def test_admins_retry_from_the_django_admin(deliver: Any, settings: Any, big_mail: bytes):
    # given
    boss = Agent.objects.create_superuser("boss@helpline.test", "pw-for-tests-only", name="Boss")
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 20_000
    inbound = deliver(big_mail)
    client = Client()
    client.force_login(boss)

    # when
    listing = client.get("/admin/mail/inboundmail/?state__exact=quarantined")
    download = client.get(f"/admin/mail/inboundmail/{inbound.pk}/raw/")
    settings.HELPLINE_MAIL_MAX_MESSAGE_BYTES = 10_000_000
    response = client.post("/admin/mail/inboundmail/", {"action": "retry", "_selected_action": [inbound.pk]})

    # then
    assert listing.status_code == 200 and b"we accept" in listing.content
    assert b"".join(download) == big_mail
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED
