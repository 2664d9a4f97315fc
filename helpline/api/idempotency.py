"""The HTTP side of Idempotency-Key: fingerprint the request, replay the stored answer.

A POST that carries `Idempotency-Key: <up to 255 characters>` runs at most once per caller and
key: a retry with the same body gets the first answer again (with `Idempotent-Replayed: true`),
a retry with another body 422, and a retry while the first still runs 409. Successes and client
errors are remembered (except 409 and 429, which say "try again"); server errors are not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from helpline.api.models import IdempotencyKey
from helpline.api.problems import problem_response
from helpline.api.services import (
    ClaimState,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)

HEADER = "Idempotency-Key"
# Response headers that are part of the answer and are replayed with it.
REPLAYED_HEADERS = ("Location", "ETag")


def request_fingerprint(request: HttpRequest) -> str:
    """sha256 of the body; for multipart forms of the fields and files (the boundary is random)."""
    if request.content_type == "multipart/form-data":
        fields, files = request.POST, request.FILES
        digest = hashlib.sha256()
        for name in sorted(fields):
            for value in fields.getlist(name):
                digest.update(f"field:{name}={value}\n".encode())
        for name in sorted(files):
            for upload in files.getlist(name):
                digest.update(f"file:{name}={upload.name};{upload.content_type}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    return hashlib.sha256(request.body).hexdigest()


def idempotent_run(
    request: HttpRequest, *, owner: str, key: str, run: Callable[[Callable[[HttpResponseBase], None]], HttpResponseBase]
) -> HttpResponseBase:
    """Run `run(record)` at most once for (owner, key).

    `run` calls `record(response)` inside the transaction of a successful request, so the answer
    is stored together with what the request wrote, or not at all.
    """
    if not key or len(key) > 255:
        return problem_response(
            request,
            status=422,
            detail="An Idempotency-Key has 1 to 255 characters.",
            errors=[{"field": HEADER, "message": "1 to 255 characters"}],
        )
    claim = idempotency_key_claim(
        owner=owner, key=key, method=request.method or "", path=request.path, request_hash=request_fingerprint(request)
    )
    row = claim.row
    if claim.state is ClaimState.MISMATCH:
        return problem_response(
            request,
            status=422,
            code="idempotency-key-reused",
            title="Idempotency-Key reused",
            detail="This Idempotency-Key was sent before with a different request: use a new key.",
            errors=[{"field": HEADER, "message": "used for another request"}],
        )
    if claim.state is ClaimState.IN_PROGRESS:
        return problem_response(
            request,
            status=409,
            code="idempotency-key-in-use",
            title="Request in progress",
            detail="A request with this Idempotency-Key is still running: retry in a moment.",
            headers={"Retry-After": "1"},
        )
    if claim.state is ClaimState.REPLAY:
        replay = HttpResponse(
            bytes(row.response_body or b""), status=row.status_code or 200, content_type=row.response_content_type
        )
        for name, value in row.response_headers.items():
            replay[name] = value
        replay["Idempotent-Replayed"] = "true"
        return replay

    def record(response: HttpResponseBase) -> None:
        _complete(row, response)

    try:
        response = run(record)
    except BaseException:
        idempotency_key_release(row=row)
        raise
    if 200 <= response.status_code < 300:
        return response  # recorded by `run`
    if 400 <= response.status_code < 500 and response.status_code not in (409, 429):
        _complete(row, response)
    else:
        idempotency_key_release(row=row)
    return response


def _complete(row: IdempotencyKey, response: HttpResponseBase) -> None:
    content = response.content if isinstance(response, HttpResponse) else b""
    idempotency_key_complete(
        row=row,
        status_code=response.status_code,
        body=content,
        content_type=response.get("Content-Type", ""),
        headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
    )
