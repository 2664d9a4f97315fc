"""The HTML side of reply folding: quote containers of the big clients, then the text markers.

Containers: Gmail `gmail_quote`, Outlook `divRplyFwdMsg` / `appendonsend` / `OLK_SRC_BODY_SECTION`,
Apple Mail and Thunderbird `blockquote type=cite` / `moz-cite-prefix`, Yahoo, ProtonMail, Zoho,
Hotmail's `stopSpelling` rule. Where none is present, the plain-text markers (attribution lines,
Outlook header blocks, separators, our own marker) are found in the rendered text and mapped back
to the HTML. Both halves are re-sanitized, which closes the elements the cut left open.

`html_fold_mark` wraps the folded half in `<div class="helpline-quote">`, the one class the
stored message HTML keeps (`helpline.core.html.html_sanitize_mail`), so the fold can be shown from
what is stored; `html_fold_split` takes it apart again.
"""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

from helpline.core.html import MAIL_FOLD_CLASS

from .html import html_to_text, sanitize_email_html
from .markers import FORWARD, SUBJECT_FORWARD
from .quotes import find_cut

_CONTAINER = re.compile(
    r"""<(?:div|blockquote|span|p|hr)\b[^>]{0,2000}?(?:
        \bclass\s*=\s*["']?[^"'>]{0,500}\b(?:gmail_quote_container|gmail_quote|moz-cite-prefix|yahoo_quoted|protonmail_quote|
            zmail_extra|OutlookMessageHeader|x_gmail_quote|ecxgmail_quote)\b
      | \bid\s*=\s*["']?(?:divRplyFwdMsg|x_divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|stopSpelling|zwchr|
            isReplyContent)\b
      | \btype\s*=\s*["']?cite\b
    )[^>]{0,2000}>""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNATURE = re.compile(
    r"""<div\b[^>]{0,2000}\bclass\s*=\s*["']?[^"'>]{0,500}\b(?:gmail_signature|moz-signature)\b[^>]{0,2000}>""",
    re.IGNORECASE,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "hr",
    "table",
    "td",
}


class _Lines(HTMLParser):
    """Rendered text lines of an HTML document, each with the offset of the markup it starts at."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = self._line_offsets(source)
        self.lines: list[str] = [""]
        self.offsets: list[int] = [0]
        self.run_start: int | None = None  # offset of the first tag since the last visible text

    @staticmethod
    def _line_offsets(source: str) -> list[int]:
        starts = [0]
        for match in re.finditer("\n", source):
            starts.append(match.end())
        return starts

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _tag(self, tag: str) -> None:
        if self.run_start is None:
            self.run_start = self._pos()
        if tag in _BLOCK_TAGS and self.lines[-1].strip():
            self.lines.append("")
            self.offsets.append(self.run_start)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag)

    def handle_data(self, data: str) -> None:
        if not data.strip():
            # "<b>From: a@b</b> <b>Date: ...</b>": the space between two inline elements separates words
            if self.lines[-1].strip() and not self.lines[-1].endswith(" "):
                self.lines[-1] += " "
            return
        if not self.lines[-1].strip():
            self.offsets[-1] = self.run_start if self.run_start is not None else self._pos()
        self.lines[-1] += data.replace("\n", " ")
        self.run_start = None


def html_reply_split(html: str, *, sanitized: bool = False) -> tuple[str, str]:
    """Split an HTML reply into (what the person wrote now, quoted history and signature).

    Both halves come back sanitized. The HTML is returned whole (and '' folded) when no quote is
    found, when the quote is really a forwarded message, or when folding would leave nothing.
    `sanitized`: the HTML is `sanitize_email_html`'s output already (the parser's), not sanitized again.
    """
    if not html or not html.strip():
        return html or "", ""
    if not sanitized:
        html = sanitize_email_html(html)  # idempotent on our own output; bounds the work on anything else
    cut = _container_cut(html)
    text_cut = _text_cut(html)
    if text_cut is not None and (cut is None or text_cut < cut):
        cut = text_cut
    if cut is None or cut <= 0:
        return html, ""
    # Our own (parser's) output keeps its blocked images' URLs: an agent may load them later.
    new, folded = (
        sanitize_email_html(html[:cut], blocked_kept=sanitized),
        sanitize_email_html(html[cut:], blocked_kept=sanitized),
    )
    if not html_to_text(new).strip():
        return html, ""
    return new, folded


_FOLD_OPEN = f'<div class="{MAIL_FOLD_CLASS}">'


def html_fold_mark(html: str) -> str:
    """The message's (sanitized) HTML with its quoted history and signature wrapped in
    `<div class="helpline-quote">`; unchanged when nothing is to be folded."""
    new, folded = html_reply_split(html, sanitized=True)
    if not folded:
        return html
    return f"{new}{_FOLD_OPEN}{folded}</div>"


def html_fold_split(stored_html: str) -> tuple[str, str]:
    """(shown, folded) of a stored message's HTML marked by `html_fold_mark`; (html, '') unmarked."""
    start = stored_html.rfind(_FOLD_OPEN)
    if start < 0 or not stored_html.endswith("</div>"):
        return stored_html, ""
    return stored_html[:start], stored_html[start + len(_FOLD_OPEN) : -len("</div>")]


def _container_cut(html: str) -> int | None:
    for pattern in (_CONTAINER, _SIGNATURE):
        match = pattern.search(html)
        if match and not _forward_after(html, match.start()) and not _forward_before(html, match.start()):
            return match.start()
    return None


def _text_cut(html: str) -> int | None:
    parser = _Lines(html)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed markup: no text-based cut
        return None
    lines = [htmllib.unescape(line).replace("\xa0", " ").strip()[:2000] for line in parser.lines]
    cut, forward = find_cut(lines)
    if cut is None or (forward is not None and forward < cut) or cut == 0:
        return None
    return parser.offsets[cut]


def _forward_after(html: str, position: int) -> bool:
    """The quote container really holds a forwarded message (Gmail puts forwards in gmail_quote too)."""
    head = html_to_text(sanitize_email_html(html[position : position + 3000]))[:600]
    lines = [line.strip()[:400] for line in head.splitlines() if line.strip()][:8]
    return any(FORWARD.match(line) or SUBJECT_FORWARD.match(line) for line in lines)


def _forward_before(html: str, position: int) -> bool:
    text = html_to_text(sanitize_email_html(html[:position]))
    return any(FORWARD.match(line.strip()[:400]) for line in text.splitlines())
