"""Delivery reports: RFC 3464 DSNs, the common free-text bounce forms, and ARF feedback reports.

A bounce is recognised by several signals (report content type, mailer-daemon sender, null
Return-Path, X-Failed-Recipients, subject); the failed recipients come from the DSN fields or,
for free-text bounces, from the text around the failure; the original Message-ID from the
returned message so the pipeline can attach the report to the ticket it answers.
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser

from .bounce_reasons import HARD_REASONS, classify, find_status
from .bounce_ses import ses_notification
from .charsets import decode_bytes
from .headers import content_type, header_param, message_ids, normalize_email, raw_header
from .mimepolicy import POLICY, VERBATIM
from .model import Address, BounceInfo, BounceRecipient

_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery\s+(?:status\s+notification|failure|failed|has\s+failed|problem|notification|report)|"
    r"returned\s+mail|mail\s+delivery\s+(?:failed|failure|system|subsystem)|failure\s+notice|non[- ]?deliver|"
    r"could\s+not\s+be\s+delivered|delivery\s+(?:incomplete|delayed)|not\s+delivered|warning:\s+could\s+not\s+send|"
    r"message\s+(?:not\s+delivered|delayed|status)|mail\s+could\s+not\s+be\s+delivered|unzustellbar|nicht\s+zustellbar|"
    r"non\s+remis|no\s+entregado|non\s+recapitabile|onbestelbaar|returned\s+to\s+sender|permanent\s+error|"
    r"undeliverable|rejected|delivery\s+status|returning\s+(?:message\s+)?to\s+sender|\bmail\s+failed|"
    r"\bmail\s+failure|failed\s+mail|delivery\s+warning|not\s+yet\s+been\s+delivered|\bmessage\s+\S{1,40}\s+delayed|"
    r"не\s+доставлен|недоставлен|传输失败|投递失败|无法投递|退信|未能送达|配信(?:不能|エラー|失敗)",
    re.IGNORECASE,
)
# A subject that forwards or quotes a bounce: a person asking about it, not the report itself.
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|vs|i)\s*:", re.IGNORECASE)
_DAEMON = re.compile(
    r"^(?:mailer[-_]?daemon|post[-_]?master|mail[-_]?daemon|mdaemon|mail\s*delivery|double-bounce|bounce[sd]?|ndr|"
    r"system\s+administrator|automated\s+response)\b|^\"?system\s+administrator\"?@|postmaster[@\\]|"
    r"smtp[-_ ]?mail[-_ ]?service|mail\s+delivery\s+(?:system|subsystem)",
    re.IGNORECASE,
)
_COMPLAINT_SUBJECT = re.compile(r"\bcomplaint\b|abuse\s+report|feedback\s+(?:loop|report)", re.IGNORECASE)
_FAILURE_TEXT = re.compile(
    r"could\s+not\s+be\s+delivered|undeliverable|delivery\s+(?:has\s+)?failed|permanent\s+(?:error|failure)|"
    r"requested\s+action\s+not\s+taken|invalid\s+(?:user|recipient)\s+address|no\s+such\s+user|"
    r"wasn't\s+able\s+to\s+deliver|unable\s+to\s+deliver|did\s+not\s+reach|message\s+not\s+delivered|"
    r"could\s+not\s+deliver|(?:has|have)\s+not\s+(?:yet\s+)?been\s+delivered|has\s+been\s+(?:returned|postponed)|"
    r"did\s+not\s+(?:exactly\s+)?match|did\s+not\s+receive\s+a\s+copy|failed\s+recipients?|"
    r"(?:was|were)\s+(?:automatically\s+)?rejected|continue\s+to\s+(?:try|attempt)|delivery\s+attempts|"
    r"pas\s+pu\s+[eê]tre\s+d[ée]livr|не\s+может\s+быть\s+доставлен|无法(?:发送|送达)",
    re.IGNORECASE,
)
# A person's mail about a failed delivery (a parcel, an order) has none of these words of mail.
_MAIL_WORDS = re.compile(r"\b(?:e-?mail|message|mail|recipients?|mailbox|smtp|rcpt)\b", re.IGNORECASE)
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?)>?")
# Where a free-text bounce starts quoting the original message: recipients are looked for above.
_ORIGINAL_MARKER = re.compile(
    r"(?<!receive\sa\s)copy\s+of\s+(?:the|your)\s+(?:original\s+)?message|original\s+message\s+(?:follows|headers)|"
    r"below\s+this\s+line\s+is\s+a\s+copy|undelivered\s+message\s+headers|message\s+headers\s+follow|"
    r"(?<!-)-{2,}\s{0,3}original\s+message|^received:\s|^return-path:\s",
    re.IGNORECASE | re.MULTILINE,
)
# Bounce texts say what happened near the top; the rest is the returned message.
_SCAN = 50_000
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")


def bounce_info(
    msg: Message, *, sender: Address, subject: str, return_path: str | None, text: str, recipients_of_bounce: set[str]
) -> BounceInfo | None:
    """The delivery report in this message, or None when it is not one."""
    report_type = header_param(raw_header(msg, "Content-Type") or "", "report-type").lower()
    parts = _report_parts(msg)
    if report_type == "feedback-report" or "message/feedback-report" in parts:
        return _feedback(parts, msg)
    if '"notificationType"' in text[:5000]:
        ses = ses_notification(text)
        if ses is not None:
            return ses
    if _COMPLAINT_SUBJECT.search(subject) and "message/rfc822" in parts and report_type != "delivery-status":
        return _feedback(parts, msg)
    if "message/delivery-status" in parts:
        found = _from_dsn(parts["message/delivery-status"], text)
        if found:
            return _finish(found, "dsn", parts, msg, text)
    if report_type in ("disposition-notification",) or "message/disposition-notification" in parts:
        return _refusal(parts, msg, text)
    if not _looks_like_bounce(msg, sender, subject, return_path, report_type, text):
        return None
    found = _from_text(msg, text, recipients_of_bounce, sender.email, parts)
    if found:
        return _finish(found, "text", parts, msg, text)
    # Plainly a bounce, but it names no recipient (some gateways leave it out): still not a
    # person's mail, so it must not open a ticket.
    human = _human_part(text)
    status = _text_status(human)
    info = _finish([_recipient("", status, _action_for(status), human[:3000], human[:3000])], "text", parts, msg, text)
    info.recipients = []
    return info


# A disposition notification that says the message was thrown away (Sieve's "reject", RFC 5429):
# a refusal in MDN form, not a read receipt.
_REFUSED_DISPOSITION = re.compile(
    r";\s*(?:deleted|denied|failed|error)\b|/\s*(?:deleted|denied|failed)\b", re.IGNORECASE
)


def _refusal(parts: dict[str, Message], msg: Message, text: str) -> BounceInfo | None:
    part = parts.get("message/disposition-notification")
    fields = _fields(_part_text(part)) if part is not None else {}
    refused = (
        _REFUSED_DISPOSITION.search(fields.get("disposition", ""))
        or "rejected" in (raw_header(msg, "Auto-Submitted") or "").lower()
    )
    email = normalize_email(fields.get("final-recipient", "").split(";", 1)[-1])
    if not refused or not email:
        return None
    human = _human_part(text)
    status = find_status(human) or "5.0.0"
    return _finish(
        [_recipient(email, status, "failed", _context(human, email), human[:3000])], "text", parts, msg, text
    )


def _looks_like_bounce(
    msg: Message, sender: Address, subject: str, return_path: str | None, report_type: str, text: str
) -> bool:
    if report_type == "delivery-status" or raw_header(msg, "X-Failed-Recipients"):
        return True
    daemon = bool(_DAEMON.search(sender.email) or _DAEMON.match(sender.name) or not sender.email)
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject))
    # The null path, or a daemon's address as Return-Path (an MTA that rewrote the envelope sender).
    null_path = return_path == "" or bool(return_path and _DAEMON.match(return_path))
    head = text[:5000]
    if daemon or null_path:
        return bounce_subject or (daemon and null_path) or bool(_FAILURE_TEXT.search(head))
    # A gateway with an ordinary address (an antivirus filter, an Exchange NDR relayed by a list):
    # it says so in the subject and in words of mail, and does not forward it.
    return (
        bounce_subject
        and not _FORWARD_SUBJECT.match(subject)
        and bool(_FAILURE_TEXT.search(head))
        and bool(_MAIL_WORDS.search(head))
    )


def _report_parts(msg: Message) -> dict[str, Message]:
    """The first part of each report-related type, searched breadth-first (original messages excluded)."""
    found: dict[str, Message] = {}
    queue = [msg]
    seen = 0
    while queue and seen < 200:
        part = queue.pop(0)
        seen += 1
        ctype = content_type(part)
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            found.setdefault(ctype, part)
            if ctype not in ("message/rfc822", "message/global"):
                continue
            continue
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            queue.extend(p for p in payload if isinstance(p, Message))
    return found


def _part_text(part: Message) -> str:
    """A structured part (delivery-status, headers) as text, however the parser stored it."""
    try:
        payload = part.get_payload()
        if isinstance(payload, list):
            return "\n\n".join(
                p.as_bytes(policy=VERBATIM).decode("utf-8", "replace") for p in payload if isinstance(p, Message)
            )
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        return ""
    return decode_bytes(data if isinstance(data, bytes) else b"", "utf-8")[0]


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in re.sub(r"\r?\n[ \t]+", " ", block).splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


def _from_dsn(part: Message, text: str) -> list[BounceRecipient]:
    recipients = []
    for block in _BLOCK_SPLIT.split(_part_text(part).replace("\r\n", "\n")):
        fields = _fields(block)
        address = fields.get("final-recipient") or fields.get("original-recipient") or fields.get("x-actual-recipient")
        if not address:
            continue
        email = normalize_email(address.split(";", 1)[-1])
        original = normalize_email(fields.get("original-recipient", "").split(";", 1)[-1])
        if original and original != email:
            email = original  # the address we sent to; Final-Recipient may be a local alias or mailbox id
        for other in ("original-recipient", "x-actual-recipient"):
            if not email and fields.get(other):
                email = normalize_email(fields[other].split(";", 1)[-1])
        diagnostic = fields.get("diagnostic-code", "")
        dtype, _, rest = diagnostic.partition(";")
        if _ and len(dtype) < 20:
            diagnostic = rest.strip()
        else:
            dtype = ""
        if "\x1b" in diagnostic:  # ISO-2022-JP left as bytes by a Japanese MTA
            diagnostic = decode_bytes(diagnostic.encode("latin-1", "replace"), "iso-2022-jp")[0]
        status = find_status(fields.get("status", ""))
        detailed = find_status(diagnostic)
        if detailed and (not status or status.endswith(".0.0")) and detailed[0] == (status or detailed)[0]:
            status = detailed
        action = fields.get("action", "").split()[0].lower() if fields.get("action") else ""
        if action in ("failure", "expired"):
            action = "failed"
        context = _context(_human_part(text), email) if email else ""
        detailed = find_status(context)
        if detailed and (not status or status.endswith(".0.0")) and detailed[0] == (status or detailed)[0]:
            status = detailed
        recipients.append(_recipient(email, status, action or _action_for(status), diagnostic, context, dtype.strip()))
    return recipients


def _recipient(
    email: str, status: str, action: str, diagnostic: str, context: str = "", dtype: str = ""
) -> BounceRecipient:
    reason = classify(status, diagnostic, action, context, dtype, email)
    hard = reason in HARD_REASONS or (reason == "notaccept" and status.startswith("5"))
    permanent = action not in ("delivered", "relayed", "expanded", "delayed") and hard
    return BounceRecipient(
        recipient=email,
        status=status,
        action=action,
        reason=reason,
        permanent=permanent,
        diagnostic=" ".join(diagnostic.split())[:1000],
    )


def _action_for(status: str) -> str:
    return {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[:1], "failed")


def _from_text(
    msg: Message, text: str, ours: set[str], bounce_sender: str, parts: dict[str, Message]
) -> list[BounceRecipient]:
    """Recipients of a free-text bounce: X-Failed-Recipients, else addresses near the failure text,
    else the To of the returned message."""
    human = _human_part(text)
    listed = [normalize_email(a) for a in re.split(r"[,\s]+", raw_header(msg, "X-Failed-Recipients") or "") if "@" in a]
    candidates = listed or _text_addresses(human, ours, bounce_sender) or _original_recipients(text, parts)
    default_status = _text_status(human)
    recipients = []
    for email in dict.fromkeys(c for c in candidates if c):
        diagnostic = _context(human, email)
        status = find_status(diagnostic) or default_status
        action = (
            "delayed" if status.startswith("4") or _DELAYED.search(human[:3000]) and not status else _action_for(status)
        )
        item = _recipient(email, status, action, diagnostic, diagnostic)
        if item.reason in ("onhold", "undefined"):
            item = _recipient(email, status, action, human[:3000], human[:3000])
            item.diagnostic = " ".join(diagnostic.split())[:1000]
        recipients.append(item)
    return recipients[:50]


# A line that names the failed address on its own: "<user@x>:", "user@x", "user@x ... unknown host".
_LISTED = re.compile(
    r"^[\s*>|\"-]{0,20}<?([^\s<>@\"]{1,64}@[A-Za-z0-9.-]{1,255}+)>?\"?(?:[ \t]+<[^<>\s]{1,320}>)?[ \t]{0,20}"
    r"(?:[:.]|\.\.\.|\(|$)",
    re.MULTILINE,
)


# Any line that starts with an address: where the explanation of the previous recipient ends.
_LINE_ADDRESS = re.compile(r"^[\s*>|\"-]{0,20}<?([^\s<>@\"]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", re.MULTILINE)


def _is_daemon_address(email: str) -> bool:
    return email.split("@")[0].lower().startswith("mailer-daemon")


# "Unknown user: x@y", "Failed Recipient: x@y", "Intended recipient: <x@y>" (one address after a label).
_LABELLED = re.compile(
    r"^[\s*>|-]{0,20}[A-Za-z][A-Za-z ]{0,30}\b(?:user|recipient|address|addressee)s?(?:\(s\))?[ \t]*:[ \t]*"
    r"<?([^\s<>@\"]{1,64}@[A-Za-z0-9.-]{1,255}+)>?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# Sendmail names the alias we wrote to under the address it expanded to.
_EXPANDED_FROM = re.compile(r"^\s*\(expanded\s+from:\s*<?([^\s<>@\"]{1,64}@[A-Za-z0-9.-]{1,255}+)>?\s*\)", re.MULTILINE)
# Where a mid-sentence address is the recipient (not the sender or a directory's example).
_RECIPIENT_CUE = re.compile(r"addressed|recipient|deliver|\bto\b", re.IGNORECASE)


def _clean_address(value: str) -> str:
    """An address as a bounce wrote it: without quotes or brackets around it, or an X.400 'SMTP=' prefix."""
    value = re.sub(r"^(?:.*[;:])?(?:smtp|rfc822)=", "", value.strip(), flags=re.IGNORECASE)
    return normalize_email(value.strip("'`[](){}.,;"))


def _text_addresses(text: str, ours: set[str], bounce_sender: str) -> list[str]:
    found = sorted(
        [(m.start(), m.group(1)) for m in _LISTED.finditer(text)]
        + [(m.start(), m.group(1)) for m in _LABELLED.finditer(text)]
        + [(m.start(), m.group(1)) for m in _EXPANDED_FROM.finditer(text)]
    )
    listed = [_clean_address(address) for _, address in found]
    listed = [e for e in listed if e and e != bounce_sender and not _is_daemon_address(e)]
    if not listed:  # no address alone on its line: the addresses that start a line (not ours)
        listed = [_clean_address(m.group(1)) for m in _LINE_ADDRESS.finditer(text)]
        listed = [e for e in listed if e and e not in ours and e != bounce_sender and not _is_daemon_address(e)]
    if listed:
        return list(dict.fromkeys(listed))[:10]
    return _mentioned_address(text, ours, bounce_sender)


def _mentioned_address(text: str, ours: set[str], bounce_sender: str) -> list[str]:
    """The first address named in a sentence, preferring a line that says it is the recipient."""
    first: list[str] = []
    quoted_to: list[str] = []  # the To of the returned message's header excerpt: the last resort
    for line in text.splitlines():
        header = _EXCERPT_HEADER.match(line)
        if header and header.group(1).lower() != "to":
            continue
        for match in _ADDRESS.finditer(line):
            email = _clean_address(match.group(1))
            local = email.split("@", 1)[0].lower()
            if not email or email in ours or email == bounce_sender or local in ("mailer-daemon", "postmaster"):
                continue
            if header:
                quoted_to = quoted_to or [email]
            elif _RECIPIENT_CUE.search(line):
                return [email]
            else:
                first = first or [email]
    return first or quoted_to


_EXCERPT_HEADER = re.compile(
    r"\s*(message-id|references|in-reply-to|x-[\w-]+|received|return-path|to|from|subject|sent|date|cc)\s*:",
    re.IGNORECASE,
)


def _original_recipients(text: str, parts: dict[str, Message]) -> list[str]:
    original = _original_headers(parts)
    value = raw_header(original, "To") if original is not None else None
    if value is None:
        marker = _ORIGINAL_MARKER.search(text[:_SCAN])
        match = re.search(
            r"^To:[ \t]*(.+)$", text[marker.start() : _SCAN] if marker else "", re.IGNORECASE | re.MULTILINE
        )
        value = match.group(1) if match else ""
    return [normalize_email(m.group(1)) for m in _ADDRESS.finditer(value or "")][:10]


_DELAYED = re.compile(
    r"(?:has\s+not\s+(?:yet\s+)?been\s+delivered|delivery\s+(?:is\s+)?delayed|will\s+(?:continue\s+to\s+)?"
    r"(?:retry|try)|still\s+trying|temporar(?:y|ily)\s+(?:failure|error|unable)|warning:)",
    re.IGNORECASE,
)
_PERMANENT = re.compile(
    r"permanent(?:ly)?|fatal\s+error|could\s+not\s+be\s+delivered|failed|rejected|undeliverable|"
    r"wasn't\s+delivered|unknown|does\s+not\s+exist|no\s+such",
    re.IGNORECASE,
)


def _human_part(text: str) -> str:
    """The bounce's own words: the text above the copy of the original message."""
    marker = _ORIGINAL_MARKER.search(text[:_SCAN])
    if not marker:
        return text[:20_000]
    line_start = text.rfind("\n", 0, marker.start()) + 1
    return (text[:line_start] if line_start > 40 else text)[:20_000]


def _text_status(text: str) -> str:
    status = find_status(text)
    if status:
        return status
    if _DELAYED.search(text[:3000]):
        return "4.0.0"
    return "5.0.0" if _PERMANENT.search(text) else ""


def _context(text: str, email: str) -> str:
    """The lines that explain what happened to `email`: the line naming it and those that follow,
    up to the next recipient the report names."""
    lines = text.splitlines()
    wanted = email.lower()
    picked: list[str] = []
    for index, line in enumerate(lines):
        if wanted not in line.lower():
            continue
        picked.extend(lines[max(0, index - 1) : index + 1])
        for follower in lines[index + 1 : index + 6]:
            listed = _LINE_ADDRESS.match(follower)
            if listed and normalize_email(listed.group(1)) not in ("", email):
                break
            picked.append(follower)
        if len(picked) > 40:
            break
    context = "\n".join(dict.fromkeys(line for line in picked if line.strip()))
    return context or text[:2000]


def _feedback(parts: dict[str, Message], msg: Message) -> BounceInfo:
    fields = _fields(_part_text(parts["message/feedback-report"])) if "message/feedback-report" in parts else {}
    original = _original_headers(parts)
    recipient = ""
    for name in ("original-rcpt-to", "removal-recipient"):
        if fields.get(name):
            recipient = normalize_email(fields[name])
    if not recipient and original is not None:
        to = raw_header(original, "To") or ""
        match = _ADDRESS.search(to)
        recipient = normalize_email(match.group(1)) if match else ""
    feedback_type = fields.get("feedback-type", "abuse").lower()
    item = BounceRecipient(
        recipient=recipient,
        status="",
        action="",
        reason="feedback",
        permanent=False,
        diagnostic=f"feedback-type: {feedback_type}",
    )
    return BounceInfo(
        recipient=recipient,
        status="",
        action="",
        reason="feedback",
        permanent=False,
        original_message_id=_original_id(original),
        diagnostic=item.diagnostic,
        kind="feedback",
        recipients=[item],
    )


def _finish(found: list[BounceRecipient], kind: str, parts: dict[str, Message], msg: Message, text: str) -> BounceInfo:
    first = next((r for r in found if r.action == "failed"), found[0])
    original = _original_headers(parts)
    original_id = _original_id(original)
    if not original_id and kind == "text":
        match = re.search(r"^[ \t]*Message-ID:[ \t]*<([^<>\s]+)>", text[: _SCAN * 4], re.IGNORECASE | re.MULTILINE)
        original_id = match.group(1) if match else ""
    return BounceInfo(
        recipient=first.recipient,
        status=first.status,
        action=first.action,
        reason=first.reason,
        permanent=first.permanent,
        original_message_id=original_id,
        diagnostic=first.diagnostic,
        kind=kind,
        recipients=found,
    )


def _original_headers(parts: dict[str, Message]) -> Message | None:
    for ctype in ("message/rfc822", "message/global"):
        part = parts.get(ctype)
        if part is not None and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
    part = parts.get("text/rfc822-headers") or parts.get("message/rfc822-headers")
    if part is not None:
        data = _part_text(part).encode("utf-8", "replace")
        try:
            return BytesHeaderParser(policy=POLICY).parsebytes(data.lstrip())
        except Exception:  # noqa: BLE001
            return None
    return None


def _original_id(original: Message | None) -> str:
    if original is not None:
        ids = message_ids(raw_header(original, "Message-ID"))
        if ids:
            return ids[0]
    return ""
