"""Static files are answered at the ASGI layer; everything else reaches Django unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from helpline.core.static import StaticFilesASGI


def _http_scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


def _call(app: Any, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async_to_sync(app)(_http_scope(path), receive, send)
    return sent


class _Downstream:
    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_a_known_static_file_is_served_without_reaching_django() -> None:
    # given the static layer in front of an application that records what reaches it
    downstream = _Downstream()
    app = StaticFilesASGI(downstream)
    # when a browser asks for htmx
    sent = _call(app, "/static/helpline/js/base.js")
    # then the file is served with its type, and the application never saw the request
    start = sent[0]
    assert start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"content-type"].startswith(b"text/javascript")
    assert b"".join(m.get("body", b"") for m in sent[1:])
    assert downstream.paths == []


@pytest.mark.parametrize("path", ["/healthz", "/static/helpline/no-such-file.js", "/staticfoo"])
def test_anything_else_reaches_the_application(path: str) -> None:
    # given the static layer in front of an application
    downstream = _Downstream()
    app = StaticFilesASGI(downstream)
    # when another path is asked for
    sent = _call(app, path)
    # then the application answers it
    assert downstream.paths == [path]
    assert sent[0]["status"] == 204
