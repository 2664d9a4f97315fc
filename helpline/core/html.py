"""Customer and agent HTML is sanitized before it is stored: no script, no handlers, no javascript:."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"title", "dir", "lang"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "font": {"color"},
}
_URL_SCHEMES = {"http", "https", "mailto", "cid", "tel"}


def html_sanitize(raw: str) -> str:
    """Keep the structure of a message's HTML and drop everything that could run or track."""
    if not raw:
        return ""
    return nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BLOCK_END = re.compile(r"(?i)</(p|div|h[1-6]|li|tr|blockquote|pre)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(raw: str) -> str:
    """A readable plain-text version of (sanitized) HTML, for previews and the text part."""
    text = _BLOCK_END.sub("\n", raw)
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# The class the email channel wraps a message's quoted history and signature in, so the fold can be
# shown from the stored HTML (helpline.mail.parsing.quotes_html); the only class stored HTML keeps.
MAIL_FOLD_CLASS = "helpline-quote"


# Where the email channel keeps the URL of a remote image it did not load
# (helpline.mail.parsing.html_block_remote_images); only the agents' image proxy reads it.
BLOCKED_SRC = "data-blocked-src"
_MAIL_ATTRIBUTES = {**_ALLOWED_ATTRIBUTES, "img": _ALLOWED_ATTRIBUTES["img"] | {BLOCKED_SRC}}


def html_sanitize_mail(raw: str) -> str:
    """`html_sanitize`, keeping also the email channel's two marks: `class="helpline-quote"` on div
    and blockquote (no other class, no style), its fold of quoted text; and `data-blocked-src` on
    img, the URL of a remote image not loaded, when it is an http(s) URL (`//host/…` becomes
    `https://host/…`; anything else is dropped). It never turns a blocked URL back into a `src`."""
    if not raw:
        return ""
    clean = nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_MAIL_ATTRIBUTES,
        attribute_filter=_blocked_src_filter,
        allowed_classes={"div": {MAIL_FOLD_CLASS}, "blockquote": {MAIL_FOLD_CLASS}},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 leaves class="" where it removed every class; inside a tag only (text cannot hold "<").
    return _EMPTY_CLASS.sub(r"\1", clean)


_EMPTY_CLASS = re.compile(r'(<(?:div|blockquote)\b[^<>]*?) class=""')


def _blocked_src_filter(element: str, attribute: str, value: str) -> str | None:
    """Keep a `data-blocked-src` only when it names an http(s) URL (the proxy fetches nothing else)."""
    if attribute != BLOCKED_SRC:
        return value
    url = value.strip()
    if url.startswith("//"):
        url = f"https:{url}"
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c <= " " for c in url):
        return None
    return url
