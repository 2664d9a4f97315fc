"""Remote images: storage keeps their blocked URL, the proxy's index, the address check, what the
bytes are, and fetching with its limits against a real HTTP server on loopback."""

from __future__ import annotations

import html as htmllib
import ipaddress
import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.core.html import html_sanitize_mail
from helpline.core.remote_images import (
    RemoteImageError,
    RemoteImageRefused,
    blocked_images_restored,
    fetch,
    image_type,
    is_public_address,
    remote_image_fetch,
    remote_image_urls,
)
from helpline.core.tests.image_server import HTML, SVG, ImageServer, image_server_running, png


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    with image_server_running() as server:
        yield server


# ------------------------------------------------------------------ storage


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ('<img data-blocked-src="https://cdn.example/a.png?x=1&amp;y=2" alt="A">',
         '<img data-blocked-src="https://cdn.example/a.png?x=1&amp;y=2" alt="A">'),
        ('<img data-blocked-src="http://cdn.example/a.png">', '<img data-blocked-src="http://cdn.example/a.png">'),
        ('<img data-blocked-src="//cdn.example/a.png">', '<img data-blocked-src="https://cdn.example/a.png">'),
        ('<img data-blocked-src="javascript:alert(1)">', "<img>"),
        ('<img data-blocked-src="data:image/svg+xml,&lt;svg/&gt;">', "<img>"),
        ('<img data-blocked-src="ftp://cdn.example/a.png">', "<img>"),
        ('<img data-blocked-src="https:///nohost">', "<img>"),
        ('<img data-blocked-src="https://cdn.example/a b.png">', "<img>"),
        ('<p data-blocked-src="https://cdn.example/a.png">x</p>', "<p>x</p>"),
        ('<img data-src="https://cdn.example/a.png">', "<img>"),
    ],
)  # fmt: skip
def test_stored_mail_html_keeps_only_an_http_blocked_url_on_img(raw: str, stored: str):
    # when
    clean = html_sanitize_mail(raw)
    # then
    assert clean == stored


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_a_stored_blocked_url_is_an_http_url_or_nothing(value: str):
    # when any value reaches storage as a blocked URL
    clean = html_sanitize_mail(f'<img data-blocked-src="{htmllib.escape(value)}">')
    # then what is kept is an http(s) URL with a host, in data-blocked-src, never in src
    assert " src=" not in clean
    for url in remote_image_urls(clean):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.hostname
        assert not any(c <= " " for c in url)


@given(
    st.lists(
        st.sampled_from(['<img data-blocked-src="{}">', '<img src="{}">', "<p>{}</p>", '<a href="{}">x</a>']),
        max_size=6,
    ),
    st.lists(
        st.sampled_from(
            [
                "https://a.example/x.png",
                "http://b.example/y?z=1&w=2",
                "//c.example/z",
                "cid:q",
                "javascript:alert(1)",
                "/local.png",
            ]
        ),
        min_size=6,
        max_size=6,
    ),
)
@settings(max_examples=200, deadline=None)
def test_restoring_blocked_urls_never_adds_an_image_the_index_does_not_count(shapes: list[str], urls: list[str]):
    # given stored HTML of any of these shapes
    clean = html_sanitize_mail(
        "".join(shape.format(htmllib.escape(url)) for shape, url in zip(shapes, urls, strict=False))
    )
    # when
    restored = blocked_images_restored(clean)
    # then every http(s) src of the restored HTML is one the proxy's index counts, and nothing else changed
    srcs = [htmllib.unescape(v) for v in re.findall(r' src="([^"]*)"', restored)]
    assert {s for s in srcs if s.startswith(("http://", "https://"))} == set(remote_image_urls(clean))
    assert re.sub(r' (?:data-blocked-)?src="[^"]*"', "", restored) == re.sub(
        r' (?:data-blocked-)?src="[^"]*"', "", clean
    )


def test_the_proxy_index_counts_each_remote_url_once_in_order():
    # given stored HTML with blocked images, a repeated one, a remote src, an attachment and an image
    # that has a src of its own besides a blocked URL
    html = (
        '<p><img data-blocked-src="https://a.example/1.png"><img src="cid:logo"></p>'
        '<img src="http://b.example/2.gif?u=1&amp;v=2"><img data-blocked-src="https://a.example/1.png">'
        '<img src="/api/v1/attachments/3/content" data-blocked-src="https://c.example/3.png">'
        '<img data-blocked-src="https://d.example/4.png" alt="a &gt; b">'
    )
    # when
    urls = remote_image_urls(html)
    # then
    assert urls == ["https://a.example/1.png", "http://b.example/2.gif?u=1&v=2", "https://d.example/4.png"]
    assert remote_image_urls("<p>no images</p>") == []
    assert remote_image_urls('<img src="cid:x">') == []


def test_a_blocked_url_goes_back_into_src_only_for_the_display_pass():
    # given
    clean = html_sanitize_mail(
        '<img alt="x" data-blocked-src="https://a.example/1.png"><img src="cid:y" data-blocked-src="https://b.example/">'
    )
    # when
    restored = blocked_images_restored(clean)
    # then
    assert restored == '<img alt="x" src="https://a.example/1.png"><img src="cid:y">'


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address to refuse, not one to bind
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::a00:1", False),
        ("2001:db8::1", False),
    ],
)
def test_only_public_unicast_addresses_are_fetched_from(address: str, public: bool):
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 8, "image/avif"),
        (b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00" + b"\x00" * 40, "image/bmp"),
        (b"\x00\x00\x01\x00\x01\x00\x10\x10" + b"\x00" * 30, "image/x-icon"),
        (SVG, None),
        (HTML, None),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_the_bytes_say_what_the_image_is(content: bytes, kind: str | None):
    assert image_type(content) == kind


# ------------------------------------------------------------------ fetching


def test_a_png_is_fetched_without_cookies_referer_or_the_agents_user_agent(image_server: ImageServer):
    # given
    url = image_server.add("/logo.png", png(), content_type="image/png; charset=binary")
    # when
    image = remote_image_fetch(url, allow_private=True)
    # then
    assert (image.content, image.content_type) == (png(), "image/png")
    [seen] = image_server.requests
    assert seen.headers["User-Agent"] == "Helpline-Image-Proxy/1"
    assert seen.headers["Host"] == f"127.0.0.1:{image_server.port}"
    assert not {"Cookie", "Referer", "Authorization"} & set(seen.headers)


def test_a_private_address_is_refused_before_any_connection(image_server: ImageServer):
    # given
    url = image_server.add("/logo.png", png())
    # when
    with pytest.raises(RemoteImageRefused) as refused:
        remote_image_fetch(url)
    # then
    assert refused.value.status == 403
    assert refused.value.detail == "127.0.0.1 is not a public address: the proxy does not fetch from it."
    assert image_server.requests == []


def test_a_host_name_is_checked_by_every_address_it_resolves_to(image_server: ImageServer):
    # given localhost, which resolves to loopback only
    url = image_server.add("/logo.png", png()).replace("127.0.0.1", "localhost")
    # when / then
    with pytest.raises(RemoteImageRefused, match="localhost is not a public address"):
        remote_image_fetch(url)
    assert image_server.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x.png", "file:///etc/passwd", "gopher://127.0.0.1:70/x", "http:///x.png", "http://a:b:c/"]
)
def test_only_http_and_https_urls_are_fetched(url: str):
    with pytest.raises(RemoteImageRefused):
        remote_image_fetch(url, allow_private=True)


def test_a_declared_length_over_the_limit_is_refused_before_the_body(image_server: ImageServer):
    # given
    url = image_server.add("/big.png", png() + b"\x00" * 2000)
    # when / then
    with pytest.raises(RemoteImageError, match="The image is larger than 1000 bytes."):
        remote_image_fetch(url, allow_private=True, max_bytes=1000)


def test_a_slow_server_is_given_up_within_the_time_budget(image_server: ImageServer):
    # given a server that sends its image one byte every 50 ms (several seconds in all)
    url = image_server.add("/slow.png", png() + b"\x00" * 100, drip=0.05)
    started = time.monotonic()
    # when
    with pytest.raises(RemoteImageError) as failed:
        remote_image_fetch(url, allow_private=True, timeout=0.5)
    # then
    assert failed.value.status == 502
    assert failed.value.detail in {"The image did not load within 0.5 seconds.", "The image arrived incomplete."}
    assert time.monotonic() - started < 2


def test_a_redirect_is_followed_and_checked_again(image_server: ImageServer, monkeypatch: pytest.MonkeyPatch):
    # given a sender's server (treated as public here) that redirects to the cloud metadata address
    public = fetch.is_public_address
    monkeypatch.setattr(fetch, "is_public_address", lambda ip: str(ip) == "127.0.0.1" or public(ip))
    image_server.add("/real.png", png())
    ok = image_server.redirect("/moved.png", "/real.png", status=301)
    bad = image_server.redirect("/meta.png", "http://169.254.169.254/latest/meta-data/")
    # when
    image = remote_image_fetch(ok)
    with pytest.raises(RemoteImageRefused, match="169.254.169.254 is not a public address"):
        remote_image_fetch(bad)
    # then
    assert image.content == png()
    assert image_server.paths() == ["/moved.png", "/real.png", "/meta.png"]
