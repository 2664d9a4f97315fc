"""Folding quoted history and signatures away: many clients and languages, forwards kept."""

from __future__ import annotations

import pytest

from helpline.mail.parsing import html_reply_split, reply_split, sanitize_email_html
from helpline.mail.parsing.html import html_to_text

REPLY = "Thanks, that fixed it."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <megan@example.com> wrote:",
        "On 04/02/2012 06:26 PM, Megan One wrote:",
        "Am 07.05.2012 08:10, schrieb Martin Edenhofer:",
        "Am Mo., 2. Apr. 2012 um 18:26 Uhr schrieb Megan One <megan@example.com>:",
        "Le lun. 2 avr. 2012 à 18:26, Megan One <megan@example.com> a écrit :",
        "El lun., 2 abr. 2012 a las 18:26, Megan One (<megan@example.com>) escribió:",
        "Il giorno lun 2 apr 2012 alle ore 18:26 Megan One <megan@example.com> ha scritto:",
        "Op ma 2 apr. 2012 om 18:26 schreef Megan One <megan@example.com>:",
        "Em seg., 2 de abr. de 2012 às 18:26, Megan One <megan@example.com> escreveu:",
        "пн, 2 апр. 2012 г. в 18:26, Megan One <megan@example.com>:",
        "2 апреля 2012 г., 18:26 пользователь Megan One <megan@example.com> написал:",
        "在 2012年4月2日 18:26，Megan One <megan@example.com> 写道：",
        "2012年4月2日(月) 18:26 Megan One <megan@example.com>:",
        "Den 2 apr. 2012 kl. 18:26 skrev Megan One <megan@example.com>:",
        "W dniu 2.04.2012 o 18:26, Megan One <megan@example.com> pisze:",
    ],
)
def test_attribution_lines_in_many_languages_start_the_fold(attribution: str) -> None:
    # given
    text = f"{REPLY}\n\n{attribution}\n\n> The printer is broken.\n> Please help.\n"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded.startswith(attribution) and "> Please help." in folded


def test_an_attribution_wrapped_over_two_lines_is_folded_whole() -> None:
    # given
    text = f"{REPLY}\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One\n<megan@example.com> wrote:\n> Hi\n"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded.startswith("On Mon, Apr 2, 2012")


def test_our_own_marker_cuts_everything_below() -> None:
    # given
    text = f"{REPLY}\n\n##- Please type your reply above this line -##\n\nYour ticket #42 was updated.\nOn x wrote:"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded.startswith("##- Please type your reply above this line -##")
    assert "ticket #42" in folded


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "----- Original Message -----",
        "-----Ursprüngliche Nachricht-----",
        "-------- Original-Nachricht --------",
        "-----Message d'origine-----",
        "-----Mensaje original-----",
        "-----Messaggio originale-----",
        "-----Oorspronkelijk bericht-----",
        "-----Mensagem original-----",
        "-----Исходное сообщение-----",
        "------------------ 原始邮件 ------------------",
    ],
)
def test_original_message_separators_start_the_fold(separator: str) -> None:
    # given
    text = f"{REPLY}\n\n{separator}\nFrom: Support\nSent: Monday\nSubject: Printer\n\nold text"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded.startswith(separator.strip())


@pytest.mark.parametrize(
    "block",
    [
        "From: Support <support@helpline.test>\nSent: Monday, April 2, 2012 5:44 PM\nTo: Ann\nSubject: RE: Printer",
        "Von: Support <support@helpline.test>\nGesendet: Montag, 2. April 2012 17:44\nAn: Ann\nBetreff: AW: Drucker",
        "De : Support <support@helpline.test>\nEnvoyé : lundi 2 avril 2012 17:44\nÀ : Ann\nObjet : RE: Imprimante",
        "De: Support\nEnviado el: lunes, 2 de abril de 2012 17:44\nPara: Ann\nAsunto: RE: Impresora",
        "Van: Support\nVerzonden: maandag 2 april 2012 17:44\nAan: Ann\nOnderwerp: RE: Printer",
        "*From:* Support\n*Sent:* Monday\n*To:* Ann\n*Subject:* RE: Printer",
        "________________________________\nFrom: Support\nSent: Monday\nTo: Ann",
    ],
)
def test_outlook_header_blocks_start_the_fold(block: str) -> None:
    # given
    text = f"{REPLY}\n\n{block}\n\nOld text from the agent."
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert "Old text from the agent." in folded


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Sent from my Android phone",
        "Get Outlook for iOS",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Verzonden met mijn iPhone",
        "Отправлено с iPhone",
        "发自我的iPhone",
        "iPhoneから送信",
    ],
)
def test_mobile_signatures_are_folded(signature: str) -> None:
    # given
    text = f"{REPLY}\n\n{signature}\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan <m@example.com> wrote:\n> Hi"
    # when
    new, folded = reply_split(text)
    # then
    assert new == REPLY
    assert folded.startswith(signature)


def test_the_signature_delimiter_folds_what_follows() -> None:
    # when
    new, folded = reply_split(f"{REPLY}\n\n-- \nAnn Customer\nACME Ltd.\n")
    # then
    assert new == REPLY
    assert folded == "-- \nAnn Customer\nACME Ltd."


def test_bottom_posted_and_interleaved_replies_keep_the_persons_lines() -> None:
    # given
    text = "On 04/02/2012 06:26 PM, Support wrote:\n> Which printer?\nThe one on floor 2.\n> And the model?\nHP 4000.\n"
    # when
    new, folded = reply_split(text)
    # then
    assert new == "The one on floor 2.\nHP 4000."
    assert "> Which printer?" in folded and "> And the model?" in folded


@pytest.mark.parametrize(
    "marker",
    [
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "-------- Weitergeleitete Nachricht --------",
        "-------- Message transféré --------",
        "---------- Mensaje reenviado ----------",
        "---------- Messaggio inoltrato ----------",
        "-------- Doorgestuurd bericht --------",
        "---------- Mensagem encaminhada ----------",
        "-------- Пересылаемое сообщение --------",
    ],
)
def test_a_forwarded_message_is_content_and_never_folded(marker: str) -> None:
    # given
    forwarded = (
        f"{marker}\nFrom: Bob <bob@example.org>\nDate: Mon, 2 Apr 2012\nSubject: Invoice\nTo: Ann\n\n"
        "> quoted in it\nPay now."
    )
    text = f"Can you look at this?\n\n{forwarded}"
    # when
    new, folded = reply_split(text)
    # then
    assert new == text
    assert folded == ""


def test_an_outlook_forward_block_is_content() -> None:
    # given
    text = "FYI\n\nFrom: Bob <bob@example.org>\nSent: Monday\nTo: Ann\nSubject: FW: Invoice\n\nPay now."
    # when / then
    assert reply_split(text) == (text, "")


def test_a_message_that_is_only_a_quote_is_not_hidden() -> None:
    # given
    text = "On Mon, Apr 2, 2012 at 6:26 PM, Megan <m@example.com> wrote:\n> Hi"
    # when / then
    assert reply_split(text) == (text, "")


def test_nothing_to_fold_returns_the_text_unchanged() -> None:
    assert reply_split("Just one line.\nAnd another.") == ("Just one line.\nAnd another.", "")
    assert reply_split("") == ("", "")


def test_a_closing_with_the_senders_name_is_folded_as_signature() -> None:
    # given
    text = "Please send the invoice again.\n\nGina Smith\ngina@example.com\n(555) 346-9947"
    # when
    new, folded = reply_split(text, sender_name="Gina Smith")
    # then
    assert new == "Please send the invoice again."
    assert folded.startswith("Gina Smith")


# ------------------------------------------------------------------------------------------ HTML
@pytest.mark.parametrize(
    "quote",
    [
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Megan wrote:</div><blockquote class="gmail_quote">'
        "old text</blockquote></div>",
        '<div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Monday<br><b>Subject:</b> RE: x</div>'
        "<div>old text</div>",
        '<div id="appendonsend"></div><hr><div><b>From:</b> Support<br><b>Sent:</b> Monday</div><div>old text</div>',
        '<div class="moz-cite-prefix">On 02/04/2012 Megan wrote:<br></div>'
        '<blockquote type="cite">old text</blockquote>',
        '<blockquote type="cite"><div>old text</div></blockquote>',
        '<div class="yahoo_quoted"><div>On Monday, Megan wrote:</div><div>old text</div></div>',
        "<p>On Mon, Apr 2, 2012 at 6:26 PM, Megan &lt;m@example.com&gt; wrote:</p><blockquote>old text</blockquote>",
        "<p>-----Original Message-----<br>From: Support<br>Sent: Monday</p><p>old text</p>",
        "<p>Am 07.05.2012 08:10, schrieb Martin:</p><blockquote>old text</blockquote>",
        "<p>##- Please type your reply above this line -##</p><p>old text</p>",
    ],
)
def test_html_quote_containers_and_markers_are_folded(quote: str) -> None:
    # given
    html = sanitize_email_html(f"<div>{REPLY}</div>{quote}")
    # when
    new, folded = html_reply_split(html)
    # then
    assert html_to_text(new) == REPLY
    assert "old text" in html_to_text(folded)


def test_html_forward_inside_a_gmail_quote_is_content() -> None:
    # given
    html = sanitize_email_html(
        '<div>see below</div><div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------'
        "<br>From: Bob<br>Subject: Invoice</div><div>Pay now.</div></div>"
    )
    # when
    new, folded = html_reply_split(html)
    # then
    assert new == html and folded == ""
    assert "Pay now." in html_to_text(new)


def test_html_outlook_forward_block_is_content() -> None:
    # given
    html = sanitize_email_html(
        '<div>FYI</div><div id="divRplyFwdMsg"><b>From:</b> Bob<br><b>Sent:</b> Monday<br>'
        "<b>Subject:</b> FW: Invoice</div><div>Pay now.</div>"
    )
    # when / then
    assert html_reply_split(html) == (html, "")


def test_html_without_quotes_is_unchanged() -> None:
    html = "<p>Hello</p><p>World</p>"
    assert html_reply_split(html) == (html, "")
    assert html_reply_split("") == ("", "")
