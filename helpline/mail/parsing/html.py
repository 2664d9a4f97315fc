"""Customer HTML made safe to show: the project's allow-list, reply markers kept, remote images off.

The allow-list is the one in `helpline.core.html` (no script, no event handlers, no style, no
`javascript:`); on top of it the few class/id/type values that mark quoted history in Gmail,
Outlook, Apple Mail and Thunderbird survive, so that `html_reply_split` can fold them away
after sanitizing. Remote images are then blocked: their URL moves to `data-blocked-src`, which
the agent UI swaps back when an agent allows images for the message.
"""

from __future__ import annotations

import html as htmllib
import re

import nh3

from helpline.core import html as core_html

# Values only: they carry no behaviour, and each names a quote or signature container.
_MARKER_CLASSES = {
    "gmail_quote",
    "gmail_quote_container",
    "gmail_attr",
    "gmail_signature",
    "moz-cite-prefix",
    "moz-forward-container",
    "moz-signature",
    "yahoo_quoted",
    "protonmail_quote",
    "zmail_extra",
    "OutlookMessageHeader",
    "x_gmail_quote",
    "ecxgmail_quote",
    "helpline-reply-marker",
}
_MARKER_IDS = {
    "divRplyFwdMsg",
    "appendonsend",
    "OLK_SRC_BODY_SECTION",
    "stopSpelling",
    "zwchr",
    "x_divRplyFwdMsg",
    "isForwardContent",
    "isReplyContent",
    "Signature",
}
_EXTRA_TAGS = {"center", "caption", "col", "colgroup", "dl", "dt", "dd", "cite", "del", "ins", "tt", "big"}
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC_ATTR = re.compile(r"""(\s)(src|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_MAX_LINKS = 5000
# The HTML5 parser behind nh3 slows down quadratically with nesting depth (100,000 nested <div>s
# take minutes) and linearly with size; beyond these bounds the message is shown as text.
_MAX_DEPTH = 1000
_MAX_CHARS = 1_000_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>")
# Elements the parser closes by itself or never nests deeply (void, auto-closing, formatting).
_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option "
    "a b big code em font i nobr s small strike strong tt u".split()
)


def _attributes() -> dict[str, set[str]]:
    # data-blocked-src is deliberately not allowed in: only html_block_remote_images writes it.
    return {tag: set(names) for tag, names in core_html._ALLOWED_ATTRIBUTES.items()}


_ATTRIBUTES = _attributes()
# For the parser's own output only, whose data-blocked-src html_block_remote_images wrote.
_ATTRIBUTES_BLOCKED = {**_ATTRIBUTES, "img": _ATTRIBUTES["img"] | {"data-blocked-src"}}
_TAGS = set(core_html._ALLOWED_TAGS) | _EXTRA_TAGS
_TAG_VALUES = {
    "div": {"id": _MARKER_IDS},
    "span": {"id": _MARKER_IDS},
    "hr": {"id": _MARKER_IDS},
    "blockquote": {"type": {"cite"}},
}
_CLASSES = {tag: _MARKER_CLASSES for tag in ("div", "blockquote", "span", "p")}


def sanitize_email_html(raw: str, *, blocked_kept: bool = False) -> str:
    """Sanitize a message's HTML with the project allow-list plus reply markers (remote images kept).

    `blocked_kept`: `raw` is this parser's output, whose blocked remote images keep their URL in
    `data-blocked-src` (written by html_block_remote_images): keep it. Never for anyone else's HTML.
    """
    if not raw or not raw.strip():
        return ""
    if raw.lower().count("<a ") >= _MAX_LINKS:
        # Zammad refuses to render these too: the work is unbounded and the content is spam.
        return "<p>This message has too many links to be shown safely; open the original instead.</p>"
    if len(raw) > _MAX_CHARS or _too_deep(raw):
        text = htmllib.escape(htmllib.unescape(_TAG.sub(" ", raw[:_MAX_CHARS])))
        notice = "This message's HTML is too large or too deeply nested to be shown; here is its text."
        return f"<p>{notice}</p><pre>{text}</pre>"
    return nh3.clean(
        raw,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "title", "textarea", "select", "noscript", "head", "xml"},
        attributes=_ATTRIBUTES_BLOCKED if blocked_kept else _ATTRIBUTES,
        tag_attribute_values=_TAG_VALUES,
        allowed_classes=_CLASSES,
        url_schemes=core_html._URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def _too_deep(html: str) -> bool:
    depth = 0
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _FLAT or match.group(0).endswith("/>"):
            continue
        depth = max(0, depth - 1) if match.group(1) else depth + 1
        if depth > _MAX_DEPTH:
            return True
    return False


def html_block_remote_images(html: str) -> tuple[str, int]:
    """Move remote `<img src>` URLs to `data-blocked-src`; return the new HTML and how many were blocked.

    Images whose source is `cid:` (attachments of the message itself) or `data:` stay as they are.
    Run this after sanitizing: the sanitizer drops unknown attributes.
    """
    blocked = 0

    def block_tag(match: re.Match[str]) -> str:
        nonlocal blocked
        tag = match.group(0)
        changed = False

        def block_attr(attr: re.Match[str]) -> str:
            nonlocal changed
            value = attr.group(3).strip("\"'")
            if not _REMOTE.match(htmllib.unescape(value)):
                return attr.group(0)
            changed = True
            if attr.group(2).lower() == "srcset":
                return ""
            return f'{attr.group(1)}data-blocked-src="{htmllib.escape(htmllib.unescape(value), quote=True)}"'

        new_tag = _SRC_ATTR.sub(block_attr, tag)
        if changed:
            blocked += 1
        return new_tag

    return _IMG_TAG.sub(block_tag, html), blocked


def html_to_text(html: str) -> str:
    """Readable plain text from sanitized HTML (the project's converter, table cells kept apart)."""
    html = re.sub(r"(?i)</t[dh]>", " </td>", html)
    html = re.sub(r"(?i)<hr\b[^>]*>", "\n", html)
    text = core_html.html_to_text(html)
    text = text.replace("\xa0", " ")
    # Line by line: a regex over a long run of spaces backtracks quadratically.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
