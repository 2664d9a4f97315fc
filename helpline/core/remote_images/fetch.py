"""Fetching one remote image the way a careful mail client's proxy does (see the package's
docstring): http(s) only, public addresses only, the checked address connected to, few redirects,
a time and size budget, and nothing served but what the bytes prove to be a raster image."""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from helpline.core.errors import ServiceError

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 5.0  # the whole fetch: name lookups, connections, redirects and the body
MAX_REDIRECTS = 3
USER_AGENT = "Helpline-Image-Proxy/1"
_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Declared types worth reading on; the bytes decide in the end. Never HTML, XML or SVG.
_NEUTRAL_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})


# ------------------------------------------------------------------ errors


class RemoteImageError(ServiceError):
    """The image cannot be served; `detail` says why in a sentence."""

    status, code, title = 502, "remote-image-failed", "The image could not be loaded"


class RemoteImageRefused(RemoteImageError):
    """The address is one the proxy never fetches from (not http(s), not a public address)."""

    status, code, title = 403, "remote-image-refused", "The image's address is not allowed"


# ------------------------------------------------------------------ fetching


@dataclass(frozen=True)
class RemoteImage:
    content: bytes
    content_type: str  # from the bytes, never from the sender's header


def remote_image_fetch(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    max_redirects: int = MAX_REDIRECTS,
) -> RemoteImage:
    """GET one image the way a careful mail client's proxy does, or raise RemoteImageError.

    No cookies, no Referer, a neutral User-Agent. Every hop (at most `max_redirects` redirects) is
    checked: http(s) only, and its host's addresses must all be public unless `allow_private`; the
    connection goes to a checked address. `timeout` bounds the whole fetch; a body over
    `max_bytes` is abandoned. The bytes must start like a PNG, JPEG, GIF, WebP, AVIF, BMP or icon.
    """
    fetch = _Fetch(deadline=time.monotonic() + timeout, timeout=timeout)
    watchdog = threading.Timer(timeout, fetch.cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        for _hop in range(max_redirects + 1):
            response = fetch.get(url, allow_private=allow_private)
            if response.status in _REDIRECTS:
                location = (response.getheader("Location") or "").strip()
                if not location:
                    raise RemoteImageError("The image's server answered a redirect without a Location.")
                try:
                    url = urljoin(url, location)
                except ValueError:
                    raise RemoteImageError("The image's server redirected to something that is not a URL.") from None
                continue
            if response.status != 200:
                raise RemoteImageError(f"The image's server answered {response.status}.")
            return fetch.image(response, max_bytes=max_bytes)
        raise RemoteImageError(f"The image's server redirected more than {max_redirects} times.")
    except (OSError, http.client.HTTPException) as error:
        if fetch.expired():
            raise RemoteImageError(f"The image did not load within {timeout:g} seconds.") from None
        raise RemoteImageError(f"The image's server could not be reached ({type(error).__name__}).") from None
    finally:
        watchdog.cancel()
        fetch.close()


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


class _Fetch:
    """One fetch, hop by hop, within one deadline; `cut` (the watchdog) ends whatever is in flight."""

    def __init__(self, *, deadline: float, timeout: float) -> None:
        self.deadline = deadline
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RemoteImageError(f"The image did not load within {self.timeout:g} seconds.")
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def get(self, url: str, *, allow_private: bool) -> http.client.HTTPResponse:
        target = _target(url)
        addresses = _addresses(target, allow_private=allow_private, timeout=self.left())
        self.close()
        kind = _PinnedHTTPS if target.scheme == "https" else _Pinned
        self.connection = kind(target.host, target.port, addresses=addresses, fetch=self)
        self.connection.timeout = self.left()
        self.connection.request(
            "GET", target.path, headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT, "Connection": "close"}
        )
        return self.connection.getresponse()

    def image(self, response: http.client.HTTPResponse, *, max_bytes: int) -> RemoteImage:
        declared = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if declared not in _NEUTRAL_TYPES and (not declared.startswith("image/") or "svg" in declared):
            raise RemoteImageError(f"The address answered {declared[:80]}, not an image.")
        length = (response.getheader("Content-Length") or "").strip()
        if length.isdigit() and int(length) > max_bytes:
            raise RemoteImageError(f"The image is larger than {_size(max_bytes)}.")
        chunks, size = [], 0
        while True:
            if self.connection is not None and self.connection.sock is not None:
                self.connection.sock.settimeout(self.left())
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise RemoteImageError(f"The image is larger than {_size(max_bytes)}.")
            chunks.append(chunk)
        # The watchdog ends a slow body as if it were complete: a cut image is no image.
        if self.expired() or (length.isdigit() and size != int(length)):
            raise RemoteImageError("The image arrived incomplete.")
        content = b"".join(chunks)
        content_type = image_type(content)
        if content_type is None:
            raise RemoteImageError("The address did not answer with a PNG, JPEG, GIF, WebP, AVIF, BMP or icon image.")
        return RemoteImage(content=content, content_type=content_type)

    def opened(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
        if self.expired():
            self.cut()

    def cut(self) -> None:
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        with self.lock:
            for sock in self.sockets:
                sock.close()
            self.sockets.clear()


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RemoteImageRefused("The image's address is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RemoteImageRefused("Only http and https images are loaded.")
    if not parts.hostname:
        raise RemoteImageRefused("The image's address names no host.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise RemoteImageRefused("The image's host name is not valid.") from None
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="remote-image-dns")

Address = tuple[int, Any]  # (family, sockaddr) as getaddrinfo gives them


def _addresses(target: _Target, *, allow_private: bool, timeout: float) -> list[Address]:
    """The host's addresses, all of them checked (a host that has one private address is refused:
    which one a client picks is not ours to predict)."""
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    found: list[Address]
    if literal is not None:
        family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        found = [(family, (str(literal), target.port))]
    else:
        lookup = _resolver.submit(socket.getaddrinfo, target.host, target.port, type=socket.SOCK_STREAM)
        try:
            found = [(info[0], info[4]) for info in lookup.result(timeout=timeout)]
        except FutureTimeout:
            raise RemoteImageError(f"The name {target.host} did not resolve in time.") from None
        except OSError:
            raise RemoteImageError(f"The name {target.host} does not resolve.") from None
    if not found:
        raise RemoteImageError(f"The name {target.host} does not resolve.")
    if not allow_private:
        for _family, sockaddr in found:
            if not is_public_address(ipaddress.ip_address(str(sockaddr[0]).split("%")[0])):
                raise RemoteImageRefused(f"{target.host} is not a public address: the proxy does not fetch from it.")
    return found


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `ip` is a public unicast address: not loopback, private, shared, link-local,
    multicast, reserved or unspecified; an IPv6 address that carries an IPv4 one (mapped, 6to4,
    Teredo, NAT64) is judged by that one too."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
        if ip.is_site_local:
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


def _connect(addresses: list[Address], timeout: float | None, fetch: _Fetch) -> socket.socket:
    """A TCP connection to the first checked address that answers (never a fresh lookup)."""
    last: OSError = OSError("no address to connect to")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        fetch.opened(sock)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            last = error
    raise last


class _Pinned(http.client.HTTPConnection):
    """HTTP to the checked addresses; the Host header still names the host."""

    def __init__(self, host: str, port: int, *, addresses: list[Address], fetch: _Fetch) -> None:
        super().__init__(host, port)
        self.addresses = addresses
        self.fetch = fetch

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.timeout, self.fetch)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the checked addresses; the certificate must name the host (SNI too)."""

    def __init__(self, host: str, port: int, *, addresses: list[Address], fetch: _Fetch) -> None:
        super().__init__(host, port, context=_tls_context())
        self.addresses = addresses
        self.fetch = fetch

    def connect(self) -> None:
        sock = _connect(self.addresses, self.timeout, self.fetch)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The system's CAs, certificates and host names checked (one context, read once)."""
    return ssl.create_default_context()


# ------------------------------------------------------------------ what the bytes are


def image_type(content: bytes) -> str | None:
    """The raster image type the first bytes prove (PNG, JPEG, GIF, WebP, AVIF, BMP, icon), else None."""
    head = content[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and _avif_brand(head):
        return "image/avif"
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "image/bmp"
    if head.startswith(b"\x00\x00\x01\x00") and len(content) >= 22 and head[4:6] != b"\x00\x00":
        return "image/x-icon"
    return None


def _avif_brand(head: bytes) -> bool:
    box = int.from_bytes(head[0:4], "big")
    brands = head[8 : min(max(box, 16), len(head))]
    return any(brands[i : i + 4] in (b"avif", b"avis") for i in range(0, len(brands) - 3, 4))


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB" if count >= 1024 * 1024 else f"{count} bytes"
