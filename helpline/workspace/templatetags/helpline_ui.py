"""Small presentation helpers shared by the agent workspace and the customer portal templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from html import escape as html_escape
from typing import Any

import nh3
from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from helpline.core.html import html_sanitize_mail
from helpline.core.remote_images import blocked_images_restored, remote_image_urls
from helpline.mail.conf import attachment_url as stored_attachment_url
from helpline.mail.parsing.quotes_html import html_fold_split
from helpline.workspace.icons import ICONS

register = template.Library()

PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Shown in a frame of the agent's ticket page (the CSP's default-src 'self' allows same-origin frames).
FRAME_TYPES = frozenset({"application/pdf"})
# Shown as escaped text.
TEXT_TYPES = frozenset({"text/plain"})
AVATAR_COLOURS = 8
REMOTE_IMAGE_PLACEHOLDER = "helpline/img/remote-image.svg"
_DISPLAY_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot"}
_DISPLAY_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height"},
    "font": {"color"},
}


@register.filter
def initials(name: str) -> str:
    """'Carla Diaz' → 'CD'; one word gives its first letter; nothing gives '?'."""
    words = [w for w in str(name or "").replace("@", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.filter
def avatar_colour(pk: Any) -> int:
    """A stable colour number for a person (the CSS has avatar--c0 … avatar--c7)."""
    try:
        return int(pk) % AVATAR_COLOURS
    except (TypeError, ValueError):
        return 0


@register.filter
def ago(value: datetime | None) -> str:
    """A compact age: 'now', '5 min', '3 h', '2 d', then a date in the viewer's time zone."""
    if value is None:
        return ""
    delta = timezone.now() - value
    if delta < timedelta(minutes=1):
        return _("now")
    if delta < timedelta(hours=1):
        return _("%(n)d min") % {"n": delta.total_seconds() // 60}
    if delta < timedelta(days=1):
        return _("%(n)d h") % {"n": delta.total_seconds() // 3600}
    if delta < timedelta(days=7):
        return _("%(n)d d") % {"n": delta.days}
    local = timezone.localtime(value)
    if local.year == timezone.localtime().year:
        return date_format(local, "M j")
    return date_format(local, "M j, Y")


@register.simple_tag
def timestamp(value: datetime | None, css: str = "") -> SafeString:
    """<time> with the compact age as text and the full local date and time as its title."""
    if value is None:
        return mark_safe("")  # noqa: S308 - a constant
    local = timezone.localtime(value)
    title = local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")
    # An f-string of escaped parts rather than format_html: a thread shows fifty of these.
    return mark_safe(  # noqa: S308 - every part is escaped
        f'<time class="{html_escape(css)}" datetime="{html_escape(value.isoformat())}" '
        f'title="{html_escape(title)}">{html_escape(ago(value))}</time>'
    )


def declared_type(attachment: Any) -> str:
    """The attachment's content type without parameters, lower-cased."""
    return str(attachment.content_type).split(";")[0].strip().lower()


@register.filter
def is_previewable(attachment: Any) -> bool:
    return declared_type(attachment) in PREVIEW_TYPES


@register.filter
def preview_kind(attachment: Any) -> str:
    """How the agent workspace previews a file: image, frame (PDF), text, or '' (a download card)."""
    declared = declared_type(attachment)
    if declared in PREVIEW_TYPES:
        return "image"
    if declared in FRAME_TYPES:
        return "frame"
    if declared in TEXT_TYPES:
        return "text"
    return ""


@register.simple_tag
def message_body(message: Any, url_name: str, remote_image_url: Callable[[int], str] | None = None) -> SafeString:
    """A message's body for the screen: its stored (sanitized) HTML sanitized once more, with
    `cid:` images pointing at their attachment and remote images not loaded; else its text.

    `remote_image_url(index)`, given when an agent asked for the message's images, is where the
    image proxy serves remote image number `index` (of `remote_image_urls`)."""
    if not message.body_html:
        return mark_safe(linebreaks(message.body_text, autoescape=True))  # noqa: S308 - escaped by linebreaks
    files = list(message.attachments.all())
    inline = {a.content_id: a.pk for a in files if a.content_id}
    # The email channel stores inline images with our own attachment URL in place of `cid:`.
    inline.update({stored_attachment_url(a.pk): a.pk for a in files})
    loaded = (
        {url: remote_image_url(i) for i, url in enumerate(remote_image_urls(message.body_html))}
        if remote_image_url is not None
        else None
    )

    def url(pk: int) -> str:
        return reverse(url_name, args=[pk])

    # The email channel marks a message's quoted history and signature; they are folded away,
    # one click from the full original.
    shown, folded = html_fold_split(message.body_html)
    body = display_html(shown, inline, url, loaded)
    if folded:
        body += format_html(
            '<details class="msg__quoted"><summary>{}</summary>{}</details>',
            _("Show quoted text"),
            mark_safe(display_html(folded, inline, url, loaded)),  # noqa: S308 - sanitized by display_html
        )
    return mark_safe(body)  # noqa: S308 - sanitized by display_html, the rest escaped by format_html


def display_html(
    raw: str,
    inline: dict[str, int],
    attachment_url: Callable[[int], str],
    loaded: dict[str, str] | None = None,
) -> str:
    """Sanitize (again: defence in depth) and rewrite image sources for display.

    Remote images (a remote `src`, or the `data-blocked-src` the email channel moved it to) would
    tell the sender that and when the message was read, so they show a placeholder; `loaded`, when
    an agent asked for them, maps each remote URL to the same-origin proxy URL that serves it.
    `cid:` images show their inline attachment when we have it.
    """

    def rewrite(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            if value.startswith("cid:"):
                pk = inline.get(value[4:].strip("<>"))
                return f"{attachment_url(pk)}?inline=1" if pk else None
            if value.startswith("/"):  # a file of this message (see message_body), else nothing
                pk = inline.get(value)
                return f"{attachment_url(pk)}?inline=1" if pk else None
            return (loaded or {}).get(value) or static(REMOTE_IMAGE_PLACEHOLDER)
        if element == "img" and attribute in ("width", "height"):
            # The placeholder has its own size (tracking pixels are 1×1); loaded images keep theirs.
            return value if loaded else None
        return value

    # The second pass only narrows what html_sanitize_mail kept: it cannot let anything back in.
    return nh3.clean(
        blocked_images_restored(html_sanitize_mail(raw)),
        tags=_DISPLAY_TAGS,
        attributes=_DISPLAY_ATTRIBUTES,
        attribute_filter=rewrite,
        link_rel="noopener noreferrer nofollow",
    )


@register.filter
def has_remote_images(raw: str) -> bool:
    """Whether a message's stored HTML has remote images (blocked, or shown as placeholders)."""
    return bool(remote_image_urls(raw or ""))


@register.filter
def names(items: Iterable[Any]) -> str:
    return ", ".join(str(getattr(item, "name", item)) for item in items)


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


_ICON = (
    '<svg class="icon{}" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>'
)


@register.simple_tag
def icon(name: str, css: str = "") -> SafeString:
    """An inline SVG icon by name (helpline/workspace/icons.py); an unknown name draws nothing."""
    return mark_safe(_ICON.format(f" {escape(css)}" if css else "", ICONS.get(name, "")))  # noqa: S308 - constants


@register.simple_tag
def avatar(person: Any, size: str = "md") -> SafeString:
    """Initials in a coloured circle for an Agent or a Customer (None draws a neutral one)."""
    if person is None:
        return format_html('<span class="avatar avatar--{} avatar--sys" aria-hidden="true">?</span>', size)
    return format_html(
        '<span class="avatar avatar--{} avatar--c{}" aria-hidden="true">{}</span>',
        size,
        avatar_colour(person.pk),
        initials(person.name),
    )


@register.simple_tag
def options(items: Iterable[Any], selected: Any = None, label: str = "name", exclude: Any = None) -> SafeString:
    """`<option>`s for rows of a menu (agents, categories): the value is the row's pk, the text its
    `label` attribute; `selected` is a pk or a collection of pks, `exclude` a pk left out. One tag
    instead of a loop of tags per row: the agents' menus are the pages' longest lists."""
    chosen = set(selected) if isinstance(selected, list | set | tuple | frozenset) else {selected}
    parts = []
    for item in items:
        pk = item.pk
        if pk == exclude:
            continue
        mark = " selected" if pk in chosen else ""
        parts.append(f'<option value="{escape(pk)}"{mark}>{escape(getattr(item, label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


@register.simple_tag
def mention_checks(people: Iterable[Any], checked: Any = None) -> SafeString:
    """The composer's checkboxes of the agents a note may mention (`checked`: the pks ticked), one
    tag instead of a loop of tags per agent."""
    chosen = set(checked) if isinstance(checked, list | set | tuple | frozenset) else set()
    parts = []
    for person in people:
        pk, name = escape(person.pk), escape(person.name)
        mark = " checked" if person.pk in chosen else ""
        parts.append(
            f'<label class="check"><input type="checkbox" name="mention" value="{pk}"{mark} data-mention-check '
            f'data-name="{name}">{name}</label>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
