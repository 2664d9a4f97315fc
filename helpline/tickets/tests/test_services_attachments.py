from __future__ import annotations

import hashlib
import unicodedata
from io import BytesIO

import pytest

from helpline.core.errors import InvalidInput, TooLarge
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Blob
from helpline.tickets.services import attachment_upload, filename_clean, note_add, reply_add, ticket_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

PDF = b"%PDF-1.7 invoice 42"


def _upload(actor, content=PDF, filename="invoice.pdf", **kwargs):
    return attachment_upload(actor=actor, content=BytesIO(content), filename=filename, **kwargs)


def test_an_upload_is_stored_unbound_with_its_size_type_and_uploader(agent, media_root):
    # when
    upload = _upload(agent, content_type="application/pdf")

    # then
    upload.refresh_from_db()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (upload.filename, upload.content_type, upload.size, upload.message) == (
        "invoice.pdf",
        "application/pdf",
        len(PDF),
        None,
    )
    assert (upload.uploaded_by_agent, upload.uploaded_by_customer) == (agent, None)
    assert (upload.blob.sha256, upload.blob.size) == (digest, len(PDF))
    assert upload.blob.file.name.endswith(f"/{digest[:2]}/{digest}")
    assert (media_root / upload.blob.file.name).read_bytes() == PDF


def test_the_same_content_uploaded_twice_is_stored_once(agent, customer, media_root):
    # when
    first = _upload(agent, filename="a.pdf")
    second = _upload(customer, filename="b.pdf")

    # then
    assert Blob.objects.count() == 1
    assert first.blob_id == second.blob_id
    assert (second.uploaded_by_customer, second.uploaded_by_agent) == (customer, None)
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 1


def test_different_content_gets_a_blob_each(agent):
    # when
    _upload(agent, content=b"one")
    _upload(agent, content=b"two")

    # then
    assert Blob.objects.count() == 2


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(agent, settings, footprint, media_root):
    # given
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024
    before = footprint()

    # when
    with pytest.raises(TooLarge) as raised:
        _upload(agent, content=b"x" * (3 * 1024 * 1024 + 1), filename="big.bin")

    # then
    assert raised.value.status == 413
    assert raised.value.detail == "The file is larger than the limit of 3 MB."
    assert footprint() == before
    assert not media_root.exists() or [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_file_of_exactly_the_limit_is_accepted(agent, settings):
    # given
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 1024

    # when
    upload = _upload(agent, content=b"x" * 1024)

    # then
    assert upload.size == 1024


@pytest.mark.parametrize("filename", ["setup.exe", "INVOICE.PDF.EXE", "run.ps1", "x.js", "evil.bat.", "a.hta "])
def test_files_that_run_programs_are_refused(agent, footprint, filename):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _upload(agent, filename=filename)

    # then
    assert raised.value.errors == [{"field": "file", "message": "forbidden file type"}]
    assert footprint() == before


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\carla\\Desktop\\report.pdf", "report.pdf"),
        ("/srv/files/x.txt", "x.txt"),
        ("re\x07port\n.pdf", "re_port_.pdf"),
        ("in\x00voice.pdf", "in_voice.pdf"),
        ('what?*<>|:".txt', "what_.txt"),
        ("  .hidden.txt . ", "hidden.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("Cafe\u0301.txt", "Café.txt"),
        ("a" * 300 + ".pdf", ("a" * 300 + ".pdf")[-255:]),
    ],
)
def test_file_names_lose_paths_and_control_characters(raw, clean):
    # when / then
    assert filename_clean(raw) == clean


@pytest.mark.parametrize("control", ["\u202e", "\u200f", "\u2066", "\ufeff"])
def test_file_names_lose_invisible_unicode_controls_that_disguise_the_extension(control):
    # when
    cleaned = filename_clean(f"evil{control}fdp.html")

    # then
    assert [ch for ch in cleaned if unicodedata.category(ch) in ("Cc", "Cf")] == []
    assert cleaned.endswith(".html")


def test_an_upload_keeps_the_cleaned_name(agent):
    # when
    upload = _upload(agent, filename="..\\..\\boot\x1b.ini")

    # then
    assert upload.filename == "boot_.ini"


def test_a_reply_binds_its_authors_uploads_and_names_them_in_the_email(carla_ticket, agent):
    # given
    first, second = _upload(agent, content=b"1"), _upload(agent, content=b"2")

    # when
    reply = reply_add(actor=agent, ticket=carla_ticket, body_text="See attached", attachment_ids=[first.pk, second.pk])

    # then
    assert sorted(reply.attachments.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert OutboxMessage.objects.get(dedupe_key=f"reply:{reply.pk}").payload["attachments"] == [first.pk, second.pk]


def test_someone_elses_upload_cannot_be_bound_and_nothing_is_written(carla_ticket, agent, supervisor, footprint):
    # given
    theirs = _upload(supervisor)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        reply_add(actor=agent, ticket=carla_ticket, body_text="See attached", attachment_ids=[theirs.pk])

    # then
    assert raised.value.errors == [{"field": "attachment_ids", "message": "unknown or already used"}]
    assert footprint() == before


def test_an_upload_already_on_a_message_cannot_be_bound_again(carla_ticket, agent, footprint):
    # given
    upload = _upload(agent)
    note_add(actor=agent, ticket=carla_ticket, body_text="first", attachment_ids=[upload.pk])
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        reply_add(actor=agent, ticket=carla_ticket, body_text="again", attachment_ids=[upload.pk])

    # then
    assert footprint() == before


def test_a_customer_binds_their_own_upload_to_a_new_ticket_and_not_anyone_elses(customer, agent, footprint):
    # given
    mine = _upload(customer)
    agents = _upload(agent, content=b"agent's")

    # when
    ticket = ticket_create(
        actor=customer, requester=customer, subject="Scan", channel="portal", body_text="x", attachment_ids=[mine.pk]
    )
    before = footprint()
    with pytest.raises(InvalidInput):
        ticket_create(
            actor=customer,
            requester=customer,
            subject="Scan",
            channel="portal",
            body_text="x",
            attachment_ids=[agents.pk],
        )

    # then
    assert Attachment.objects.get(pk=mine.pk).message == ticket.messages.get()
    assert footprint() == before


def test_a_channel_binds_the_uploads_it_made(customer):
    # given: the mail channel stores the files of an incoming mail (actor None)
    upload = _upload(None)

    # when
    ticket = ticket_create(
        actor=None, requester=customer, subject="Scan", channel="email", body_text="x", attachment_ids=[upload.pk]
    )

    # then
    assert list(ticket.messages.get().attachments.all()) == [upload]
