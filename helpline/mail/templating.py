"""Rendering the mail templates, sandboxed, and the preview admins see before they save.

Templates are Django templates on an engine of their own: no loaders (so no include/extends), no
libraries to load, only a list of harmless tags, and a context of plain values (never model
objects, so a template cannot walk from a ticket to anything else). The HTML part is autoescaped;
subject and text are not, and the subject is cut to one safe header line.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.safestring import mark_safe

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.core.prepared import STR_PLACEHOLDER, PreparedQuery
from helpline.mail.headers import header_clean
from helpline.mail.models import MailTemplate
from helpline.mail.template_defaults import CONTEXT_SAMPLES, DEFAULTS, REPLY_MARKER

logger = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset(
    "if elif else endif for empty endfor with endwith firstof spaceless endspaceless autoescape endautoescape "
    "filter endfilter comment endcomment now cycle resetcycle ifchanged endifchanged verbatim endverbatim "
    "templatetag widthratio regroup".split()
)
MAX_TEMPLATE_CHARS = 50_000

_HTML_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=True, string_if_invalid="")
_TEXT_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False, string_if_invalid="")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def template_source(key: str) -> tuple[str, str, str]:
    """The admin's (subject, text, HTML) for `key`, or the default."""
    if key not in DEFAULTS:
        raise NotFound(f"There is no mail template '{key}'.")
    row = next(iter(_SAVED(key=key)), None)
    return row if row is not None else DEFAULTS[key]


# Read for every automatic mail: compiled once (helpline/core/prepared.py).
_SAVED = PreparedQuery(
    lambda key: MailTemplate.objects.filter(key=key).values_list("subject", "text", "html").order_by(),
    key=STR_PLACEHOLDER,
)


def mail_render(key: str, context: dict[str, Any]) -> RenderedMail:
    """Render template `key` with `context` (plain values; `message.html` must be sanitized HTML)."""
    subject, text, html = template_source(key)
    try:
        return _render(subject, text, html, context)
    except TemplateSyntaxError:
        # A stored template that no longer compiles must not stop the mail: the default goes out.
        logger.exception("Mail template %s does not compile; the default is used", key)
        return _render(*DEFAULTS[key], context)


def template_preview(key: str, *, subject: str | None = None, text: str | None = None,
                     html: str | None = None) -> RenderedMail:  # fmt: skip
    """Render a template (the saved one, or the given draft parts) with sample data; InvalidInput
    says what is wrong with a draft."""
    saved = template_source(key)
    parts = (subject if subject is not None else saved[0], text if text is not None else saved[1],
             html if html is not None else saved[2])  # fmt: skip
    template_check(*parts)
    return _render(*parts, CONTEXT_SAMPLES[key])


def template_check(subject: str, text: str, html: str) -> None:
    """InvalidInput unless the three parts compile and use only the allowed tags."""
    for name, source in (("subject", subject), ("text", text), ("html", html)):
        if len(source) > MAX_TEMPLATE_CHARS:
            raise InvalidInput(f"The {name} template is longer than {MAX_TEMPLATE_CHARS} characters.")
        for token in Lexer(source).tokenize():
            if token.token_type == TokenType.BLOCK:
                tag = token.contents.split()[0] if token.contents.split() else ""
                if tag not in ALLOWED_TAGS:
                    raise InvalidInput(
                        f"The {name} template uses {{% {tag} %}}, which mail templates may not use.",
                        errors=[{"field": name, "message": f"tag '{tag}' not allowed"}],
                    )
        try:
            _compile(source, html=name == "html")
        except TemplateSyntaxError as error:
            raise InvalidInput(f"The {name} template is not valid: {error}",
                               errors=[{"field": name, "message": str(error)}]) from None  # fmt: skip


def template_save(*, actor: Actor | None, key: str, subject: str, text: str, html: str) -> MailTemplate:
    """Store an admin's version of a template (admins only) after checking it; an event records it."""
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins change mail templates.")
    if key not in DEFAULTS:
        raise NotFound(f"There is no mail template '{key}'.")
    if not header_clean(subject) or not text.strip():
        raise InvalidInput("A mail template needs a subject and a text part.")
    template_check(subject, text, html)
    with transaction.atomic():
        row, _ = MailTemplate.objects.update_or_create(
            key=key,
            defaults={"subject": subject, "text": text, "html": html, "updated_at": now(),
                      "updated_by": actor if isinstance(actor, Agent) else None},
        )  # fmt: skip
        event_record(actor=actor, entity="mail_template", entity_id=row.pk, kind="mail.template_saved",
                     after={"key": key})  # fmt: skip
    return row


@functools.lru_cache(maxsize=128)
def _compile(source: str, *, html: bool) -> Template:
    return (_HTML_ENGINE if html else _TEXT_ENGINE).from_string(source)


def _render(subject: str, text: str, html: str, context: dict[str, Any]) -> RenderedMail:
    values = {"reply_marker": REPLY_MARKER, **context}
    html_values = _with_safe_html(values)
    return RenderedMail(
        subject=header_clean(_compile(subject, html=False).render(Context(values, autoescape=False))),
        text=_compile(text, html=False).render(Context(values, autoescape=False)),
        html=_compile(html, html=True).render(Context(html_values)) if html.strip() else "",
    )


def _with_safe_html(values: dict[str, Any]) -> dict[str, Any]:
    """The context for the HTML part: the (sanitized) message HTML is inserted as it is."""
    message = values.get("message")
    if isinstance(message, dict) and "html" in message:
        return {**values, "message": {**message, "html": mark_safe(message["html"])}}  # noqa: S308 - sanitized
    return values
