"""Uploading and downloading files through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from helpline.api.tests.support import api_client, problem
from helpline.tickets.models import Attachment
from helpline.tickets.services import note_add, reply_add

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def body(response: Any) -> Any:
    return json.loads(response.content)


def upload(api: Any, name: str, content: bytes, content_type: str = "text/plain") -> Any:
    return api.upload("/attachments", {"file": SimpleUploadedFile(name, content, content_type=content_type)})


def download(api: Any, attachment_id: int) -> Any:
    return api.get(f"/attachments/{attachment_id}/content")


def test_an_upload_is_stored_and_described(agent, media_root):
    # when
    response = upload(api_client(agent), "../../etc/report.txt", b"hello")

    # then
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert body(response) == {
        "id": attachment.pk,
        "filename": "report.txt",
        "content_type": "text/plain",
        "size": 5,
        "url": f"/api/v1/attachments/{attachment.pk}/content",
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "message_id": None,
    }


def test_the_uploader_reads_its_unbound_upload_and_nobody_else_does(agent, other_agent, media_root):
    # given
    attachment_id = body(upload(api_client(agent), "a.txt", b"mine"))["id"]

    # when
    mine = api_client(agent).get(f"/attachments/{attachment_id}")
    theirs = api_client(other_agent).get(f"/attachments/{attachment_id}")

    # then
    assert (mine.status_code, theirs.status_code) == (200, 404)


def test_a_download_is_an_attachment_never_sniffed_and_not_run(agent, media_root):
    # given
    api = api_client(agent)
    html = body(upload(api, 'evil".html', b"<script>alert(1)</script>", "text/html"))["id"]
    png = body(upload(api, "photo.png", PNG, "image/png"))["id"]

    # when
    as_html, as_png = download(api, html), download(api, png)

    # then
    assert as_html.status_code == 200
    assert b"".join(as_html.streaming_content) == b"<script>alert(1)</script>"
    assert as_html["Content-Type"] == "application/octet-stream"
    assert as_html["Content-Disposition"] == 'attachment; filename="evil_.html"'
    assert as_html["X-Content-Type-Options"] == "nosniff"
    assert as_html["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert as_png["Content-Type"] == "image/png"


def test_an_attachment_bound_to_a_reply_is_read_by_the_customer(agent, customer, carla_ticket, media_root):
    # given
    attachment_id = body(upload(api_client(agent), "invoice.txt", b"42 EUR"))["id"]
    api_client(agent).post(
        f"/tickets/{carla_ticket.number}/replies", {"body": "See file", "attachment_ids": [attachment_id]}
    )

    # when
    response = download(api_client(customer), attachment_id)
    thread = body(api_client(customer).get(f"/tickets/{carla_ticket.number}/messages"))

    # then
    assert response.status_code == 200
    assert thread["items"][1]["attachments"] == [
        {
            "id": attachment_id,
            "filename": "invoice.txt",
            "content_type": "text/plain",
            "size": 6,
            "url": f"/api/v1/attachments/{attachment_id}/content",
        }
    ]


def test_the_attachment_of_an_internal_note_is_404_for_the_customer(agent, customer, carla_ticket, media_root):
    # given
    attachment_id = body(upload(api_client(agent), "notes.txt", b"internal"))["id"]
    note_add(actor=agent, ticket=carla_ticket, body_text="see file", attachment_ids=[attachment_id])
    api = api_client(customer)

    # when
    answers = [api.get(f"/attachments/{attachment_id}"), download(api, attachment_id)]

    # then
    assert [a.status_code for a in answers] == [404, 404]
    assert problem(answers[1])["detail"] == "No such attachment."


def test_an_agent_never_gets_a_file_of_a_private_teams_ticket(agent, private_member, hr_ticket, media_root):
    # given
    attachment_id = body(upload(api_client(private_member), "salary.txt", b"secret"))["id"]
    reply_add(actor=private_member, ticket=hr_ticket, body_text="see file", attachment_ids=[attachment_id])

    # when
    answers = [
        api_client(agent).get(f"/attachments/{attachment_id}"),
        download(api_client(agent), attachment_id),
        api_client(agent).get(f"/tickets/{hr_ticket.number}/messages"),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]


def test_an_oversize_file_is_a_413_problem_and_writes_nothing(agent, settings, media_root, footprint):
    # given
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 10
    api = api_client(agent)
    before = footprint()

    # when
    response = upload(api, "big.txt", b"x" * 11)

    # then
    assert response.status_code == 413
    assert problem(response)["code"] == "too-large"
    assert footprint() == before


def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(agent, settings, media_root, footprint):
    # given
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 10
    api = api_client(agent)
    before = footprint()

    # when
    response = upload(api, "huge.bin", b"x" * 100_000)

    # then
    assert response.status_code == 413
    assert problem(response)["detail"] == "The upload is larger than the attachment size limit."
    assert footprint() == before


def test_an_executable_is_a_422_problem_and_writes_nothing(agent, media_root, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = upload(api, "setup.exe", b"MZ")

    # then
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "file", "message": "forbidden file type"}]
    assert footprint() == before


def test_an_upload_without_a_file_is_a_422_problem(agent, media_root):
    # when
    response = api_client(agent).upload("/attachments", {"other": "x"})

    # then
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"] == "file"


def test_a_multipart_body_cut_short_has_no_file_and_is_a_422_problem(agent, media_root):
    # given: a body that does not end its boundary
    body = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunfinished'

    # when
    response = api_client(agent).raw("post", "/attachments", body, "multipart/form-data; boundary=xyz")

    # then
    assert response.status_code == 422
    assert [e["field"] for e in problem(response)["errors"]] == ["file"]
    assert Attachment.objects.count() == 0


def test_too_many_form_fields_is_a_400_problem(agent, media_root, settings):
    # given
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    api = api_client(agent)

    # when
    response = api.upload(
        "/attachments",
        {"a": "1", "b": "2", "c": "3", "file": SimpleUploadedFile("a.txt", b"x")},
        **{"Idempotency-Key": "k"},
    )

    # then
    assert response.status_code == 400
    assert problem(response)["detail"] == "The request body could not be read."
    assert Attachment.objects.count() == 0


def test_a_customer_gets_no_file_of_its_ticket_once_trashed(agent, customer, carla_ticket, media_root):
    # given
    attachment_id = body(upload(api_client(agent), "invoice.txt", b"42 EUR"))["id"]
    reply_add(actor=agent, ticket=carla_ticket, body_text="See file", attachment_ids=[attachment_id])
    api_client(agent).post(f"/tickets/{carla_ticket.number}/trash")
    api = api_client(customer)

    # when
    answers = [api.get(f"/attachments/{attachment_id}"), download(api, attachment_id)]

    # then
    assert [a.status_code for a in answers] == [404, 404]
