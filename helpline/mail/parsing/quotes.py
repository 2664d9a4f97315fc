"""Fold quoted history and signatures out of a reply, never a forwarded message.

`reply_split` returns (new part, folded part). Every input line ends up in exactly one of the two,
so the full original is always one click away. The cut is the earliest of: our own "reply above
this line" marker, an "On ... wrote:" attribution, an "-----Original Message-----" separator,
an Outlook "From: / Sent: / To:" block; `>` quotes after that are folded too (bottom-posted and
interleaved replies keep their own lines). A forwarded message ("Begin forwarded message",
"---------- Forwarded message ---------", an Outlook block with an FW: subject) is content: the
text from there on is never folded. A signature (the `-- ` delimiter, "Sent from my iPhone",
or the sender's name closing the message) is folded with the quotes.
"""

from __future__ import annotations

import re

from .markers import (
    FORWARD,
    MAX_MARKER_LINE,
    MOBILE_SIGNATURE,
    OUTLOOK_RULE,
    OWN_MARKER,
    SEPARATOR,
    SIGNATURE_DELIMITER,
    forwarded_block,
    is_attribution,
    is_generic_attribution,
    outlook_block,
)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


MAX_SCANNED_LINES = 20_000


def find_cut(lines: list[str]) -> tuple[int | None, int | None]:
    """(index where quoted history starts, index where forwarded content starts); None when absent.

    Only the first MAX_SCANNED_LINES lines are searched: replies put their marker near the top, and
    the bound keeps a hostile million-line text from costing seconds.
    """
    for index, line in enumerate(lines[:MAX_SCANNED_LINES]):
        stripped = line.strip()
        if not stripped or len(stripped) > MAX_MARKER_LINE:
            continue
        if OWN_MARKER.match(stripped):
            return index, None
        if FORWARD.match(stripped):
            return None, index
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        third = lines[index + 2] if index + 2 < len(lines) else ""
        if SEPARATOR.match(stripped) or OUTLOOK_RULE.match(stripped):
            if _forward_follows(lines, index + 1):
                return None, index
            return index, None
        if outlook_block(lines, index):
            return (None, index) if forwarded_block(lines, index) else (index, None)
        if not _quoted(line) and (
            is_attribution(line, nxt, third) or (is_generic_attribution(line) and _quote_follows(lines, index))
        ):
            return index, None
    return None, None


def _forward_follows(lines: list[str], start: int) -> bool:
    for index in range(start, min(start + 3, len(lines))):
        if lines[index].strip():
            return outlook_block(lines, index) and forwarded_block(lines, index)
    return False


def _quote_follows(lines: list[str], index: int) -> bool:
    following = [line for line in lines[index + 1 : index + 4] if line.strip()]
    return bool(following) and _quoted(following[0])


def reply_split(text: str, *, sender_name: str = "") -> tuple[str, str]:
    """Split a plain-text reply into (what the person wrote now, quoted history and signature).

    `sender_name` (the From display name), when given, also finds signatures that start with it.
    """
    if not text or not text.strip():
        return text or "", ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    cut, forward = find_cut(lines)
    keep = [True] * len(lines)
    if cut is not None and _interleaved(lines, cut):
        _fold_quotes(lines, keep, 0, len(lines))
    elif cut is not None:
        keep[cut:] = [False] * (len(lines) - cut)
        _fold_quotes(lines, keep, 0, cut)
    else:
        _fold_quotes(lines, keep, 0, forward if forward is not None else len(lines))
    end = forward if forward is not None else (cut if cut is not None else len(lines))
    _fold_signature(lines, keep, end, sender_name)
    new = _join(line for line, k in zip(lines, keep, strict=True) if k)
    if not new.strip():
        return text.strip("\n"), ""
    folded = _join(line for line, k in zip(lines, keep, strict=True) if not k)
    return new, folded


def _interleaved(lines: list[str], cut: int) -> bool:
    """An attribution followed by `>` quotes and then more of the person's own text."""
    if not is_attribution(lines[cut], lines[cut + 1] if cut + 1 < len(lines) else "") and not is_generic_attribution(
        lines[cut]
    ):
        return False
    index = cut + 1
    if index < len(lines) and not _quoted(lines[index]) and lines[index].strip():
        index += 1  # an attribution wrapped over two lines
    saw_quote = False
    while index < len(lines) and (_quoted(lines[index]) or not lines[index].strip()):
        saw_quote = saw_quote or _quoted(lines[index])
        index += 1
    rest = [line for line in lines[index:] if line.strip()]
    return saw_quote and bool(rest) and find_cut(lines[index:]) == (None, None) and not _only_signature(rest)


def _only_signature(rest: list[str]) -> bool:
    return bool(SIGNATURE_DELIMITER.match(rest[0].strip())) or all(MOBILE_SIGNATURE.match(line) for line in rest)


def _fold_quotes(lines: list[str], keep: list[bool], start: int, end: int) -> None:
    """Fold `>` lines, and the attribution line and blank lines just above each quote block."""
    index = start
    while index < end:
        if not _quoted(lines[index]):
            index += 1
            continue
        block_start = index
        while index < end and (_quoted(lines[index]) or (not lines[index].strip() and _more_quotes(lines, index, end))):
            keep[index] = False
            index += 1
        above = block_start - 1
        while above >= start and not lines[above].strip():
            above -= 1
        # The wrapped form first: "On <date>, Name" / "<address> wrote:" is folded whole.
        if above - 1 >= start and lines[above - 1].strip() and is_attribution(lines[above - 1], lines[above]):
            for i in range(above - 1, block_start):
                keep[i] = False
        elif above >= start and (is_attribution(lines[above]) or is_generic_attribution(lines[above])):
            for i in range(above, block_start):
                keep[i] = False


def _more_quotes(lines: list[str], index: int, end: int) -> bool:
    for line in lines[index + 1 : end]:
        if line.strip():
            return _quoted(line)
    return False


def _fold_signature(lines: list[str], keep: list[bool], end: int, sender_name: str) -> None:
    """Fold the signature at the bottom of the person's own text (before `end`)."""
    own = [i for i in range(end) if keep[i] and lines[i].strip()]
    if len(own) < 2:
        return
    start = None
    for i in own:
        if SIGNATURE_DELIMITER.match(lines[i].strip()) and i != own[0]:
            start = i
            break
    if start is None:
        start = _mobile_or_named(lines, own, sender_name)
    if start is None:
        return
    for i in range(start, end):
        keep[i] = False


def _mobile_or_named(lines: list[str], own: list[int], sender_name: str) -> int | None:
    tail = own[-6:]
    for i in tail:
        if i != own[0] and len(lines[i].strip()) < 80 and MOBILE_SIGNATURE.match(lines[i].strip()):
            return i
    names = [n for n in re.split(r"[\s,]+", sender_name.strip().lower()) if len(n) > 1]
    if not names:
        return _dashed_signature(lines, own)
    for i in tail:
        line = lines[i].strip().lower()
        after = [j for j in own if j >= i]
        if (
            i != own[0]
            and len(line) < 60
            and any(line.startswith(n) or line == n for n in names)
            and len(after) <= 6
            and all(len(lines[j].strip()) < 80 for j in after)
        ):
            return i
    return _dashed_signature(lines, own)


def _dashed_signature(lines: list[str], own: list[int]) -> int | None:
    """A rule of dashes or underscores near the end, followed only by short lines (contact details)."""
    for i in own[-12:]:
        after = [j for j in own if j > i]
        if (
            i != own[0]
            and re.fullmatch(r"[-_=]{4,}", lines[i].strip())
            and 0 < len(after) <= 10
            and all(len(lines[j].strip()) < 80 for j in after)
        ):
            return i
    return None


def _join(lines: object) -> str:
    text = "\n".join(lines)  # type: ignore[arg-type]
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
