"""A real HTTP server on loopback for the image proxy's tests: a sender's image host that answers
what each test sets (a real PNG, SVG, HTML, redirects, slow or endless bodies) and remembers
every request it got."""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def png(width: int = 3, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG (8-bit RGB, one colour) that any browser decodes."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><title>x</title><script>alert(1)</script>"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    drip: float = 0.0  # seconds between the bytes of the body


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class ImageServer:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", content_type: str | None = "image/png", **kwargs: object) -> str:
        """Serve `body` at `path`; return its URL."""
        route = Route(body=body, **kwargs)  # type: ignore[arg-type]
        if content_type is not None:
            route.headers.setdefault("Content-Type", content_type)
        self.routes[path] = route
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url(path)

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]


def _handler(owner: list[ImageServer]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            server = owner[0]
            server.requests.append(Seen(path=self.path, headers=dict(self.headers.items())))
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.content_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                if route.drip:
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.drip)
                else:
                    self.wfile.write(route.body)
            except OSError:
                pass  # the proxy gave up: what it should do

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

    return Handler


@contextmanager
def image_server_running() -> Iterator[ImageServer]:
    """An ImageServer on 127.0.0.1 (a free port), served by a thread until the block ends."""
    owner: list[ImageServer] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(owner))
    httpd.daemon_threads = True
    owner.append(ImageServer(httpd))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="image-server", daemon=True)
    thread.start()
    try:
        yield owner[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
