"""Properties that hold for any input: the parser never fails, the splitters never lose content."""

from __future__ import annotations

import os
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.mail.parsing import (
    MessageRejected,
    ParseLimits,
    html_block_remote_images,
    html_reply_split,
    parse_message,
    reply_split,
)

SMALL_LIMITS = ParseLimits(max_bytes=64 * 1024, max_header_chars=2_000, max_depth=8, max_parts=50)
# HELPLINE_FUZZ_EXAMPLES raises the count for a longer local run.
FAST = settings(
    max_examples=int(os.environ.get("HELPLINE_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

HEADER_LINES = st.sampled_from(
    [
        b"From: Ann <ann@example.org>",
        b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>",
        b"Subject: =?gb2312?B?ztI=?=",
        b"Subject: Gr\xfc\xdfe",
        b'To: "a, b" <a@x>, c@y,,',
        b"Content-Type: multipart/mixed; boundary=b",
        b'Content-Type: multipart/alternative; boundary="b"',
        b"Content-Type: message/rfc822",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b",
        b"Content-Type: message/delivery-status",
        b"Content-Type: text/html; charset=x-unknown",
        b"Content-Type: text/plain; charset=iso-2022-jp; format=flowed",
        b"Content-Type: application/ms-tnef; name=winmail.dat",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1=x",
        b"Return-Path: <>",
        b"Date: Mon, 99 Foo 2012 25:61:00 +9999",
        b"Final-Recipient: rfc822; x@y",
        b"Status: 5.1.1",
        b"--b",
        b"--b--",
        b"",
        b" folded continuation",
    ]
)


@FAST
@given(st.binary(max_size=4096))
def test_any_bytes_parse_or_are_refused_for_a_limit(raw: bytes) -> None:
    try:
        parsed = parse_message(raw, limits=SMALL_LIMITS)
    except MessageRejected as error:
        assert error.reason
        return
    assert parsed.size == len(raw)


@FAST
@given(st.lists(st.one_of(HEADER_LINES, st.binary(max_size=80)), max_size=60))
def test_mime_shaped_garbage_parses_or_is_refused_for_a_limit(lines: list[bytes]) -> None:
    raw = b"\r\n".join(lines)
    try:
        parsed = parse_message(raw, limits=SMALL_LIMITS)
    except MessageRejected as error:
        assert error.reason
        return
    assert isinstance(parsed.text, str) and isinstance(parsed.html, str)
    assert all(isinstance(a.content, bytes) for a in parsed.attachments)


PLAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ.,!?\n", max_size=300)
FORWARD_MARKERS = st.sampled_from(
    [
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "-------- Weitergeleitete Nachricht --------",
        "-------- Message transféré --------",
    ]
)


@FAST
@given(PLAIN, FORWARD_MARKERS, st.text(max_size=500))
def test_reply_split_never_folds_a_forwarded_message(reply: str, marker: str, forwarded: str) -> None:
    text = f"{reply}\n\n{marker}\n{forwarded}"
    new, _folded = reply_split(text)
    block = f"{marker}\n{forwarded}".strip("\n")
    assert block.strip() in new or block.strip() in text.strip()  # the forward is never in the folded part
    assert marker in new


@FAST
@given(st.text(max_size=800))
def test_reply_split_loses_no_line(text: str) -> None:
    new, folded = reply_split(text)
    kept = new.split("\n") + folded.split("\n")
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            assert line in kept


@FAST
@given(st.text(max_size=800))
def test_html_helpers_never_fail(html: str) -> None:
    new, folded = html_reply_split(html)
    assert isinstance(new, str) and isinstance(folded, str)
    blocked, count = html_block_remote_images(html)
    assert count >= 0 and isinstance(blocked, str)


@FAST
@given(
    st.lists(
        st.sampled_from(["https://t.example/a.gif", "http://x/y.png", "//cdn/z.png", "cid:a@b", "data:,"]), max_size=10
    )
)
def test_every_remote_image_is_blocked(sources: list[str]) -> None:
    html = "".join(f'<img src="{src}">' for src in sources)
    blocked, count = html_block_remote_images(html)
    remote = [s for s in sources if not s.startswith(("cid:", "data:"))]
    assert count == len(remote)
    assert not re.search(r'(?<![\w-])src="(?:https?:)?//', blocked)


HOSTILE_TEXTS = [
    " " * 200_000 + "x\n" + "> q\n" * 50_000,
    "-" * 300_000,
    "#" * 300_000 + "\n> x",
    "From: a\n" * 100_000,
    ("On " * 130 + ":\n") * 20_000,
    "<" * 300_000,
    "-\n" * 150_000,
]


def test_hostile_texts_finish_quickly() -> None:
    # Guards against regular expressions that backtrack quadratically on long runs; the bound is
    # generous (a hang would take minutes), the point is that nothing stalls a worker.
    for text in HOSTILE_TEXTS:
        started = time.monotonic()
        reply_split(text)
        html_reply_split(text)
        html_block_remote_images("<img " + text)
        parse_message(f"From: MAILER-DAEMON@example.org\nSubject: Undelivered\nReturn-Path: <>\n\n{text}".encode())
        assert time.monotonic() - started < 20, text[:40]
