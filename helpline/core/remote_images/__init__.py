"""Remote images of stored messages: which a message has, and fetching one for an agent who asked.

Stored HTML never loads a remote image by itself: the email channel moves each URL to
`data-blocked-src` (`helpline.mail.parsing.html_block_remote_images`, kept by
`helpline.core.html.html_sanitize_mail`), and the screens show a placeholder instead. When an agent
asks for a message's images, the workspace points them at its image proxy, which serves the bytes
fetched by `fetch`: the sender's server sees Helpline, never the agent's address or cookies, and
the page's Content-Security-Policy stays `img-src 'self' data:`.

The proxy is no open proxy: it fetches only URLs read from a stored message (by index), only over
http(s), only from public addresses (each redirect checked again; the connection goes to the
address that was checked, so DNS cannot be re-pointed in between), within a time and size budget,
and it serves only what the first bytes prove to be a raster image.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re

from django.conf import settings
from django.core.cache import cache

from helpline.core.html import BLOCKED_SRC, html_sanitize_mail
from helpline.core.remote_images.fetch import (
    MAX_BYTES,
    RemoteImage,
    RemoteImageError,
    RemoteImageRefused,
    image_type,
    is_public_address,
    remote_image_fetch,
)

CACHE_SECONDS = 600

# Stored HTML is nh3's serialization: every attribute is name="value" with `"`, `<`, `>` and `&`
# escaped inside, so these find exactly the img tags and their attributes.
_IMG_TAG = re.compile(r'<img(?: [a-z][a-z0-9-]*="[^"]*")*>')
_ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
_HTTP = re.compile(r"(?i)^https?://")
_ANY_IMG = re.compile(r"(?i)<img\b")


def remote_image_urls(html: str) -> list[str]:
    """The remote images of a message's stored HTML: each URL once, in the order it first appears
    (the image proxy's index counts in this list). A remote image is an `img` without a `src` whose
    `data-blocked-src` names an http(s) URL, or one whose `src` is an http(s) URL."""
    if not html or not _ANY_IMG.search(html):
        return []
    urls: dict[str, None] = {}
    for tag in _IMG_TAG.finditer(html_sanitize_mail(html)):
        attributes: dict[str, str] = dict(_ATTRIBUTE.findall(tag.group(0)))
        value = htmllib.unescape(attributes["src"] if "src" in attributes else attributes.get(BLOCKED_SRC, ""))
        if _HTTP.match(value):
            urls.setdefault(value, None)
    return list(urls)


_BLOCKED_SRC = re.compile(rf' {BLOCKED_SRC}="([^"]*)"')


def blocked_images_restored(clean: str) -> str:
    """`html_sanitize_mail`'s output with each blocked image's URL back in its `src`, for a display
    pass that rewrites every remote `src` (to a placeholder, or to the proxy): never shown as is.
    An image that has a `src` of its own keeps that one (as `remote_image_urls` counts it)."""

    def tag(match: re.Match[str]) -> str:
        img = match.group(0)
        if f" {BLOCKED_SRC}=" not in img:
            return img
        return _BLOCKED_SRC.sub("" if ' src="' in img else r' src="\1"', img)

    return _IMG_TAG.sub(tag, clean)


def remote_image_load(*, url: str, cache_key: str) -> RemoteImage:
    """The image at `url` (a URL read from a stored message), from the cache when it was fetched
    in the last CACHE_SECONDS, else fetched and cached. `cache_key` names its place (message and
    index). Raises RemoteImageError; failures are not cached."""
    key = f"helpline:remote-image:{cache_key}:{hashlib.sha256(url.encode()).hexdigest()[:16]}"
    cached = cache.get(key)
    if cached is not None:
        return RemoteImage(content=cached[0], content_type=cached[1])
    image = remote_image_fetch(url, allow_private=settings.HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE)
    cache.set(key, (image.content, image.content_type), CACHE_SECONDS)
    return image


__all__ = [
    "CACHE_SECONDS",
    "MAX_BYTES",
    "RemoteImage",
    "RemoteImageError",
    "RemoteImageRefused",
    "blocked_images_restored",
    "image_type",
    "is_public_address",
    "remote_image_fetch",
    "remote_image_load",
    "remote_image_urls",
]
