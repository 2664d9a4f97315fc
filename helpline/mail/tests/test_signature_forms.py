"""Signature and quote-header forms that were left in the reply (found by sweeping talon's tests).

Each test is a short synthetic message in the shape a real client writes: device lines, a name
signed with a dash, a closing with the name under it (in several languages), a "---" rule; quote
headers broken over lines by Polymail or by tracking links, Yandex's day-first header, a header
block flattened onto one line. The "must not fold" tests keep the person's own words: a sentence
that merely ends with "thanks", a list of names, a bullet list, a closing followed by a sentence.
"""

from __future__ import annotations

import pytest

from helpline.mail.parsing import html_reply_split, reply_split
from helpline.mail.parsing.html import html_to_text

REPLY = "The printer works again after the restart."


# ---------------------------------------------------------------------------------- signatures
@pytest.mark.parametrize(
    "device",
    [
        "Sent wirelessly from my BlackBerry device on the Acme network.",
        "Envoyé sans fil par mon terminal mobile BlackBerry sur le réseau Acme.",
    ],
)
def test_a_wireless_device_line_is_folded_with_what_follows(device: str) -> None:
    # given
    text = f"{REPLY}\n{device}\nSecond device line of the carrier."
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded == f"{device}\nSecond device line of the carrier."


@pytest.mark.parametrize("signed", ["-lena", "- Lena", "-Lena.", "~ Lena"])
def test_a_name_signed_with_a_dash_is_folded(signed: str) -> None:
    # given
    text = f"{REPLY}\n\n{signed}"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded == signed


def test_a_dashed_name_above_a_device_line_is_folded_with_it() -> None:
    # given
    text = f"{REPLY}\n\n-Lena\n\nSent from my phone"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded == "-Lena\n\nSent from my phone"


def test_a_three_dash_rule_with_a_name_under_it_is_folded() -> None:
    # given
    text = f"{REPLY}\n---\nLena Novak"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded == "---\nLena Novak"


@pytest.mark.parametrize(
    "closing",
    [
        "Thanks!\nLena",
        "regards\n\nLena Novak",
        "Best regards,\nLena Novak\nAcme Printing Ltd",
        "Mit freundlichen Grüßen\nLena Novak",
        "Cordialement,\nLéna",
        "Un saludo,\nLena",
        "С уважением,\nЕлена",
        "Thanks in advance,\nLena",
    ],
)
def test_a_closing_with_a_name_under_it_ends_the_message_as_signature(closing: str) -> None:
    # given
    text = f"Hello,\n\n{REPLY}\n\n{closing}"
    # when
    new, folded = reply_split(text)
    # then
    assert new == f"Hello,\n\n{REPLY}"
    assert folded == closing


def test_the_closing_above_the_senders_name_is_folded_with_it() -> None:
    # given
    text = f"{REPLY}\n\nThank you,\nNoor"
    # when
    new, folded = reply_split(text, sender_name="Noor Haddad")
    # then
    assert new == REPLY
    assert folded == "Thank you,\nNoor"


# ----------------------------------------------------------------------------- must not fold
@pytest.mark.parametrize(
    "text",
    [
        f"{REPLY}\nCould you check the toner level too? Thanks",
        f"{REPLY}\n\nThanks for the quick fix.",
        f"{REPLY}\n\nPlease give these colleagues access:\n\nLena Novak\nJohn Doe\nMaria Lopez",
        f"{REPLY}\nThings I tried before:\n- restart\n- reinstall",
        f"{REPLY}\nOne thing I tried before:\n- Reinstall",
        f"{REPLY}\n\nThanks!\nI will call you tomorrow.",
        f"{REPLY}\n\nThanks!\nWhich Model Do You Need?",
        f"{REPLY}\n\nRegards\nLena\nP.S. the toner is empty too",
        f"{REPLY}\n\nRegards\nLena\nI am out of the office tomorrow.",
        f"{REPLY}\n---\nthe old driver was at fault, not the printer",
        "Thanks,\nLena",
    ],
)
def test_the_persons_own_words_are_not_taken_for_a_signature(text: str) -> None:
    # when
    new, folded = reply_split(text)
    # then
    assert new == text
    assert folded == ""


def test_a_signature_above_a_forwarded_message_leaves_the_forward_whole() -> None:
    # given
    forwarded = "---------- Forwarded message ---------\nFrom: Bob <bob@example.org>\nSubject: Invoice\n\nPay now."
    text = f"Please see below.\n\nThanks,\nLena\n\n{forwarded}"
    # when
    new, folded = reply_split(text)
    # then
    assert new == f"Please see below.\n\n{forwarded}"
    assert folded == "Thanks,\nLena"


# ------------------------------------------------------------------------------- quote headers
def test_an_attribution_broken_over_lines_with_a_blank_one_is_folded_whole() -> None:
    # given: Polymail's shape, the address on a "mailto:" line and "wrote:" quoted
    text = (
        "Works now.\n\nOn Tue, Mar 5, 2019 at 9:12 AM Dana Example\n\n<\n"
        "mailto:Dana Example <dana@example.com>\n> wrote:\nDid the restart help?\n"
    )
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Works now."
    assert folded.startswith("On Tue, Mar 5, 2019 at 9:12 AM Dana Example")
    assert folded.endswith("Did the restart help?")


def test_a_from_line_broken_by_a_tracking_link_starts_the_fold() -> None:
    # given
    text = (
        "Back at 9am.\n\nFrom: dana@example.com\n\n<http://t.example.com/c/dHJhY2tpbmc\n"
        ">  <dana@example.com <mailto:dana@example.com> >\n\nTicket: 42"
    )
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Back at 9am."
    assert folded.startswith("From: dana@example.com")


def test_a_link_broken_out_of_the_quote_does_not_count_as_the_persons_text() -> None:
    # given
    text = (
        "Done.\n\nOn Thursday, March 7, 2019 at 3:03 PM, Dana wrote:\n\n> Reply to this email\n"
        " (http://t.example.com/c/YzOTY) >\n> View the ticket (http://t.example.com/c/x\n_nonce=3dd5)\n>\n"
    )
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Done."
    assert "(http://t.example.com/c/YzOTY) >" in folded
    assert "_nonce=3dd5)" in folded


def test_a_day_first_attribution_starts_the_fold() -> None:
    # given: Yandex's header, the history below it not `>`-quoted
    text = 'Fine, thanks.\n\n05.03.2019, 09:12, "Dana Example" <dana@example.com>:\nHow are you?'
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Fine, thanks."
    assert folded == '05.03.2019, 09:12, "Dana Example" <dana@example.com>:\nHow are you?'


def test_a_header_block_flattened_onto_one_line_starts_the_fold() -> None:
    # given
    text = "Reply\n\nFrom: dana@example.com Date: Tue, 5 Mar 2019 09:12:00 +0100\n\nQuoted message"
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Reply"
    assert folded.startswith("From: dana@example.com Date:")


def test_html_day_first_attribution_above_a_blockquote_is_folded() -> None:
    # given
    html = (
        "<p>Fine, thanks.<br /><br />05.03.2019, 09:12, &quot;Dana Example&quot; &lt;"
        '<a href="mailto:dana@example.com">dana@example.com</a>&gt;:</p><blockquote>How are you?</blockquote>'
    )
    # when
    new, folded = html_reply_split(html)
    # then
    assert html_to_text(new).strip() == "Fine, thanks."
    assert "How are you?" in html_to_text(folded)


def test_html_header_fields_in_inline_elements_on_one_line_are_folded() -> None:
    # given: the From and Date fields are two <b> elements side by side
    html = (
        "Reply<div><hr/><div><font><b>From: dana@example.com</b>\n  <b>Date: Tue, 5 Mar 2019 09:12:00 +0100</b>"
        "</font></div><div>Quoted message</div></div>"
    )
    # when
    new, folded = html_reply_split(html)
    # then
    assert html_to_text(new).strip() == "Reply"
    assert "Quoted message" in html_to_text(folded)
