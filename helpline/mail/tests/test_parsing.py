"""parse_message on generated input: hostile and broken messages, charsets, MIME features, HTML safety."""

from __future__ import annotations

import base64
import os
import struct

import pytest

from helpline.mail.parsing import (
    MessageRejected,
    MessageTooLarge,
    ParseLimits,
    html_block_remote_images,
    parse_message,
)


def mail(headers: str, body: str | bytes = "hello\n", *, crlf: bool = False) -> bytes:
    """A raw message from header lines and a body (the empty line between them added)."""
    data = headers.strip("\n").encode("utf-8") + b"\n\n" + (body if isinstance(body, bytes) else body.encode("utf-8"))
    return data.replace(b"\n", b"\r\n") if crlf else data


BASIC = "From: Ann Customer <ann@Example.ORG>\nTo: support@helpline.test\nSubject: Help\nMessage-ID: <m1@example.org>"


# ----------------------------------------------------------------------------- bad input
def test_empty_bytes_give_an_empty_message_with_defects() -> None:
    # when
    parsed = parse_message(b"")
    # then
    assert parsed.size == 0
    assert parsed.text == "" and parsed.html == "" and parsed.attachments == []
    assert parsed.sender.email == ""
    assert "the message has no usable sender address" in parsed.defects


def test_random_binary_garbage_is_read_as_text_not_an_error() -> None:
    # given
    raw = os.urandom(64 * 1024)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.size == len(raw)
    assert parsed.bounce is None


def test_a_50_mb_message_is_too_large_and_says_so_politely() -> None:
    # given: one allocation, no copies (the size check comes before any parsing)
    raw = bytearray(BASIC.encode() + b"\n\n")
    raw.extend(b"x" * (50 * 1024 * 1024))
    # when
    with pytest.raises(MessageTooLarge) as error:
        parse_message(bytes(raw))
    # then
    assert error.value.code == "too-large"
    assert "50.0 MB, more than the 40.0 MB we accept" in error.value.reason
    assert error.value.sender is not None and error.value.sender.email == "ann@example.org"
    assert error.value.subject == "Help" and error.value.message_id == "m1@example.org"


def test_a_million_character_header_is_rejected() -> None:
    # given
    raw = mail(BASIC + "\nX-Junk: " + "a" * 1_000_000)
    # when
    with pytest.raises(MessageRejected) as error:
        parse_message(raw)
    # then
    assert error.value.code == "header-too-long"
    assert "1,000,008 characters" in error.value.reason
    assert error.value.sender is not None and error.value.sender.email == "ann@example.org"


def test_a_folded_million_character_header_is_rejected_too() -> None:
    # given
    raw = mail(BASIC + "\nSubject-Extra: " + "\n ".join(["word" * 20] * 13_000))
    # when / then
    with pytest.raises(MessageRejected, match="header line"):
        parse_message(raw)


def nested_forwards(depth: int) -> bytes:
    inner = mail("From: first@example.org\nSubject: level 0\nContent-Type: text/plain", "innermost text\n")
    for level in range(1, depth + 1):
        inner = mail(f"From: fwd{level}@example.org\nSubject: Fwd level {level}\nContent-Type: message/rfc822", inner)
    return inner


def test_thirty_nested_forwards_are_rejected_for_depth() -> None:
    # when
    with pytest.raises(MessageRejected) as error:
        parse_message(nested_forwards(30))
    # then
    assert error.value.code == "too-deep"
    assert "more than 20 levels" in error.value.reason


def test_fifteen_nested_forwards_parse_and_the_innermost_text_is_shown() -> None:
    # when
    parsed = parse_message(nested_forwards(15))
    # then
    assert parsed.subject == "Fwd level 15"
    assert "innermost text" in parsed.text
    assert [a.filename for a in parsed.attachments][:2] == ["Fwd level 14.eml", "Fwd level 13.eml"]
    assert parsed.attachments[0].summary == "forwarded message: Fwd level 14"
    assert parsed.attachments[0].content.startswith(b"From: fwd14@example.org\r\nSubject: Fwd level 14\r\n")


def test_deep_multipart_nesting_beyond_the_recursion_limit_is_rejected_not_crashed() -> None:
    # given
    body = b"x\n"
    for level in range(1200):
        boundary = f"b{level}".encode()
        body = b"Content-Type: multipart/mixed; boundary=" + boundary + b"\n\n--" + boundary + b"\n" + body
        body += b"\n--" + boundary + b"--\n"
    # when / then
    with pytest.raises(MessageRejected) as error:
        parse_message(b"From: a@example.org\n" + body)
    assert error.value.code == "too-deep"


def test_more_parts_than_the_limit_are_rejected() -> None:
    # given
    parts = "".join(f"--b\nContent-Type: text/plain\n\npart {i}\n" for i in range(30))
    raw = mail(BASIC + '\nContent-Type: multipart/mixed; boundary="b"', parts + "--b--\n")
    # when / then
    with pytest.raises(MessageRejected) as error:
        parse_message(raw, limits=ParseLimits(max_parts=10))
    assert error.value.code == "too-many-parts"


def test_missing_final_boundary_keeps_the_first_part() -> None:
    # given
    raw = mail(
        BASIC + '\nContent-Type: multipart/alternative; boundary="nextPart"',
        "--nextPart\nContent-Type: text/plain; charset=iso-8859-1\n\nSome body\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "Some body"
    assert "a multipart has no closing boundary (the message may be truncated)" in parsed.defects


def test_bad_base64_decodes_what_it_can_and_says_so() -> None:
    # given
    raw = mail(BASIC + "\nContent-Type: text/plain\nContent-Transfer-Encoding: base64", "SGVsbG8gd29ybGQ=!!@@\nzz")
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text.startswith("Hello world")
    assert "damaged base64 in a part (decoded what could be read)" in parsed.defects


def test_unknown_charset_falls_back_to_utf8_and_notes_it() -> None:
    # given
    raw = mail(BASIC + "\nContent-Type: text/plain; charset=x-klingon", "Grüße".encode())
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "Grüße"
    assert "unknown charset 'x-klingon'" in parsed.defects


@pytest.mark.parametrize(
    ("label", "data", "text"),
    [
        ("ks_c_5601-1987", "안녕하세요".encode("cp949"), "안녕하세요"),
        ("gb2312", "欧美简讯".encode("gb18030"), "欧美简讯"),
        ("x-sjis", "こんにちは".encode("cp932"), "こんにちは"),
        ("unicode-1-1-utf-7", "Grüße".encode("utf-7"), "Grüße"),
        ("iso-8859-8-i", "שלום".encode("iso8859_8"), "שלום"),
        ("windows-874", "สวัสดี".encode("cp874"), "สวัสดี"),
        ("cp-850", "Grüße".encode("cp850"), "Grüße"),
        ("uft-8", "Grüße".encode(), "Grüße"),
        ("iso-8859-1", "Grüße €".encode("cp1252"), "Grüße €"),
        ('"utf-8"; format=flowed', "Grüße".encode(), "Grüße"),
    ],
)
def test_declared_charsets_go_through_the_alias_map(label: str, data: bytes, text: str) -> None:
    # given
    raw = mail(BASIC + f"\nContent-Type: text/plain; charset={label}\nContent-Transfer-Encoding: 8bit", data)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == text
    assert not any("charset" in d for d in parsed.defects)


def test_iso_2022_jp_with_nec_circled_digits_is_read() -> None:
    # given: ① is NEC row 13, which Python's iso2022_jp codecs refuse
    data = b"\x1b$B-!#1ET\x1b(B"
    raw = mail(BASIC + "\nContent-Type: text/plain; charset=ISO-2022-JP", data)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "①１都"


def test_raw_8bit_headers_in_latin1_and_utf8_are_decoded() -> None:
    # given
    raw = (
        "From: Ingo Lütkebohle <ingo@example.org>\n".encode("latin-1")
        + "Subject: Grüße aus Köln\nTo: Zoë <zoe@example.org>\n\nbody\n".encode()
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.sender.name == "Ingo Lütkebohle"
    assert parsed.subject == "Grüße aus Köln"
    assert parsed.to[0].name == "Zoë"


def test_rfc2047_words_are_decoded_also_split_and_inside_quotes() -> None:
    # given: one UTF-8 character split across two encoded-words
    raw = mail(
        'From: "=?utf-8?q?J=C3=BCrgen?= Smith" <j@example.org>\n'
        "Subject: =?utf-8?b?w6TDtsO8?= and =?utf-8?q?=C3?= =?utf-8?q?=9F?=\nTo: x@example.org"
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.sender == parsed.sender.__class__(name="Jürgen Smith", email="j@example.org")
    assert parsed.subject == "äöü and ß"


def test_rfc2231_filenames_with_continuations_and_charsets() -> None:
    # given
    raw = mail(
        BASIC + '\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nsee attached\n"
        "--b\nContent-Type: text/plain; name*0*=utf-8''Erkl%C3%A4; name*1*=rung.txt\n"
        "Content-Disposition: attachment; filename*0*=utf-8''Erkl%C3%A4; filename*1=rung.txt\n\nfile body\n"
        "--b\nContent-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=iso-8859-1'de'Gr%FC%DFe.pdf\n\n%PDF\n"
        "--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert [a.filename for a in parsed.attachments] == ["Erklärung.txt", "Grüße.pdf"]
    assert parsed.attachments[0].content == b"file body"
    assert parsed.text == "see attached"


def test_a_zip_attachment_is_kept_byte_for_byte() -> None:
    # given: a minimal (empty) zip archive
    archive = b"PK\x05\x06" + b"\x00" * 18
    raw = mail(
        BASIC + '\nContent-Type: multipart/mixed; boundary="b"',
        '--b\nContent-Type: text/plain\n\nzipped\n--b\nContent-Type: application/zip; name="forwards.zip"\n'
        "Content-Transfer-Encoding: base64\nContent-Disposition: attachment\n\n"
        + base64.encodebytes(archive).decode()
        + "--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("forwards.zip", "application/zip", archive)
    ]


def tnef_attribute(level: int, attr_id: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", checksum)


def minimal_tnef() -> bytes:
    """A winmail.dat with a body and one attachment (MS-OXTNEF)."""
    body = tnef_attribute(1, 0x0002800C, b"Body from Outlook\x00")
    attach = (
        tnef_attribute(2, 0x00069002, b"\x00" * 14)
        + tnef_attribute(2, 0x00018010, b"REPORT~1.TXT\x00")
        + tnef_attribute(2, 0x0006800F, b"quarterly numbers\n")
    )
    long_name = "report 2024.txt\x00".encode("utf-16-le")
    props = struct.pack("<I", 1) + struct.pack("<HH", 0x001F, 0x3707) + struct.pack("<I", 1)
    props += struct.pack("<I", len(long_name)) + long_name + b"\x00" * (-len(long_name) % 4)
    attach += tnef_attribute(2, 0x00069005, props)
    return struct.pack("<IH", 0x223E9F78, 0x0001) + body + attach


def test_tnef_winmail_dat_is_unpacked_and_the_original_kept() -> None:
    # given
    raw = mail(
        BASIC + '\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename=winmail.dat\n\n"
        + base64.encodebytes(minimal_tnef()).decode()
        + "--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert [(a.filename, a.summary) for a in parsed.attachments] == [
        ("winmail.dat", ""),
        ("report 2024.txt", "unpacked from winmail.dat"),
    ]
    assert parsed.attachments[1].content == b"quarterly numbers\n"
    assert parsed.text == "Body from Outlook"


def test_a_damaged_tnef_keeps_the_original_and_notes_it() -> None:
    # given
    truncated = minimal_tnef()[:70]
    raw = mail(
        BASIC + '\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/ms-tnef; name=winmail.dat\n"
        "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(truncated).decode() + "--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.attachments[0].filename == "winmail.dat" and parsed.attachments[0].content == truncated
    assert "winmail.dat is damaged; unpacked what could be read" in parsed.defects


def test_a_calendar_invite_is_kept_as_ics_with_its_summary() -> None:
    # given
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Quarterly review\\, room 4\r\n"
        "DTSTART:20250101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = mail(
        BASIC + '\nContent-Type: multipart/alternative; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYou are invited\n--b\nContent-Type: text/calendar; method=REQUEST; "
        "charset=utf-8\n\n" + ics + "--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "You are invited"
    assert [(a.filename, a.content_type, a.summary) for a in parsed.attachments] == [
        ("invite.ics", "text/calendar", "Quarterly review, room 4 (invitation)")
    ]


def test_smime_signed_mail_is_readable_and_keeps_the_signature() -> None:
    # given
    raw = mail(
        BASIC + '\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; '
        'boundary="s"',
        "--s\nContent-Type: text/plain; charset=utf-8\n\nsigned words\n--s\n"
        'Content-Type: application/pkcs7-signature; name="smime.p7s"\nContent-Transfer-Encoding: base64\n'
        'Content-Disposition: attachment; filename="smime.p7s"\n\nMIIBAgMEBQ==\n--s--\n',
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "signed words"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("smime.p7s", "application/pkcs7-signature")]
    assert parsed.automated is None and parsed.bounce is None


def test_inline_cid_images_are_mapped_to_attachments_and_kept_in_place() -> None:
    # given
    png = base64.encodebytes(b"\x89PNG\r\n\x1a\nfake").decode()
    raw = mail(
        BASIC + '\nContent-Type: multipart/related; boundary="r"',
        '--r\nContent-Type: text/html\n\n<p>Logo: <img src="cid:Logo.PNG@01D1"></p>\n'
        "--r\nContent-Type: image/png\nContent-ID: <logo.png@01d1>\nContent-Transfer-Encoding: base64\n\n"
        + png
        + "--r\nContent-Type: image/png; name=unused.png\nContent-Transfer-Encoding: base64\n\n"
        + png
        + "--r--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert 'src="cid:Logo.PNG@01D1"' in parsed.html
    assert [(a.filename, a.content_id, a.is_inline) for a in parsed.attachments] == [
        ("logo.png", "logo.png@01d1", True),
        ("unused.png", "", False),
    ]


def test_apple_mail_inline_image_between_text_parts_is_shown_in_place() -> None:
    # given
    raw = mail(
        BASIC + '\nContent-Type: multipart/mixed; boundary="m"',
        "--m\nContent-Type: text/plain\n\nbefore\n--m\nContent-Type: image/jpeg; name=photo.jpg\n"
        "Content-Disposition: inline; filename=photo.jpg\n\nJPEG\n--m\nContent-Type: text/plain\n\nafter\n--m--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    attachment = parsed.attachments[0]
    assert attachment.is_inline and attachment.content_id
    assert parsed.text == "before\n\nafter"
    assert parsed.html.index("before") < parsed.html.index(f"cid:{attachment.content_id}") < parsed.html.index("after")


def test_script_event_handlers_and_javascript_urls_are_removed() -> None:
    # given
    html = (
        "<html><head><title>t</title><style>body{}</style><script>alert(1)</script></head><body>"
        '<p onclick="steal()">Hi <a href="javascript:alert(2)">click</a> <a href="https://ok.example">ok</a></p>'
        '<img src="x" onerror="alert(3)"><iframe src="https://evil.example"></iframe><form><input></form></body></html>'
    )
    raw = mail(BASIC + "\nContent-Type: text/html; charset=utf-8", html)
    # when
    parsed = parse_message(raw)
    # then
    lowered = parsed.html.lower()
    for needle in ("script", "onclick", "onerror", "javascript:", "iframe", "<style", "<form", "alert"):
        assert needle not in lowered
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a>' in parsed.html
    assert parsed.text == "Hi click ok"


def test_deeply_nested_html_is_shown_as_text_in_bounded_time() -> None:
    # given: the HTML5 parser slows down quadratically with nesting depth
    raw = mail(BASIC + "\nContent-Type: text/html", "<div>" * 100_000 + "deep &amp; down")
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.html.startswith("<p>This message's HTML is too large or too deeply nested")
    assert parsed.text.endswith("deep & down")


def test_remote_images_are_blocked_until_allowed() -> None:
    # given
    html = (
        '<p><img src="https://tracker.example/p.gif?u=1&amp;x=2" alt="t"><img src="cid:a@b">'
        '<img src="//cdn.example/x.png"></p>'
    )
    # when
    blocked, count = html_block_remote_images(html)
    parsed = parse_message(mail(BASIC + "\nContent-Type: text/html", html))
    # then
    assert count == 2
    assert 'data-blocked-src="https://tracker.example/p.gif?u=1&amp;x=2"' in blocked
    assert 'src="cid:a@b"' in blocked and "//cdn.example" in blocked and ' src="//' not in blocked
    assert parsed.blocked_images == 2 and "tracker.example" in parsed.html and ' src="https:' not in parsed.html


def test_html_only_mail_gets_a_text_fallback() -> None:
    # when
    parsed = parse_message(
        mail(BASIC + "\nContent-Type: text/html", "<div>Hello<br>world</div><p>Bye &amp; thanks</p>")
    )
    # then
    assert parsed.text == "Hello\nworld\nBye & thanks"


def test_headers_addresses_ids_and_dates_are_read() -> None:
    # given
    raw = mail(
        'From: "Ann, Customer" <Ann@Example.ORG>\nReply-To: replies@example.org\nTo: a@x.test, "B" <b@X.TEST>\n'
        "Cc: c@x.test\nDelivered-To: support@helpline.test\nX-Original-To: Help@Helpline.TEST\n"
        "Subject: Re: [Ticket#42] Printer\nMessage-ID: <abc@example.org>\nIn-Reply-To: <p1@helpline.test>\n"
        "References: <p0@helpline.test>\n <p1@helpline.test>\nDate: Tue, 07 May 2013 23:11:57 +0200\n"
        "Return-Path: <>\nAuto-Submitted: no"
    )
    # when
    parsed = parse_message(raw)
    # then
    assert (parsed.sender.name, parsed.sender.email) == ("Ann, Customer", "Ann@example.org")
    assert [a.email for a in parsed.to] == ["a@x.test", "b@x.test"] and parsed.cc[0].email == "c@x.test"
    assert parsed.reply_to[0].email == "replies@example.org"
    assert parsed.delivered_to == ["support@helpline.test", "Help@helpline.test"]
    assert parsed.message_id == "abc@example.org"
    assert parsed.in_reply_to == ["p1@helpline.test"] and parsed.references == ["p0@helpline.test", "p1@helpline.test"]
    assert parsed.date is not None and parsed.date.isoformat() == "2013-05-07T23:11:57+02:00"
    assert parsed.return_path == ""
    assert parsed.headers["auto-submitted"] == "no" and parsed.headers["in-reply-to"] == "<p1@helpline.test>"


def test_missing_headers_are_empty_not_errors() -> None:
    # when
    parsed = parse_message(b"just a line of text\n")
    # then
    assert (parsed.message_id, parsed.subject, parsed.date, parsed.return_path) == ("", "", None, None)
    assert parsed.in_reply_to == [] and parsed.references == []


def test_mbox_from_line_and_leading_blank_lines_are_skipped() -> None:
    # given
    raw = b"\n\nFrom someone@example.org Mon Jan  1 00:00:00 2024\n" + mail(BASIC)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.sender.email == "ann@example.org" and parsed.subject == "Help"


def test_format_flowed_text_is_joined() -> None:
    # given
    raw = mail(
        BASIC + "\nContent-Type: text/plain; charset=utf-8; format=flowed",
        "This is a long \nparagraph.\n\n> quoted \n> words\n-- \nsig\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.text == "This is a long paragraph.\n\n> quoted words\n-- \nsig"
