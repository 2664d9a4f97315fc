"""Fold quoted history and signatures out of a reply, never a forwarded message.

`reply_split` returns (new part, folded part). Every input line ends up in exactly one of the two,
so the full original is always one click away. The cut is the earliest of: our own "reply above
this line" marker, an "On ... wrote:" attribution, an "-----Original Message-----" separator,
an Outlook "From: / Sent: / To:" block; `>` quotes after that are folded too (bottom-posted and
interleaved replies keep their own lines). A forwarded message ("Begin forwarded message",
"---------- Forwarded message ---------", an Outlook block with an FW: subject) is content: the
text from there on is never folded. A signature (the `-- ` delimiter, "Sent from my iPhone",
the sender's name closing the message, a closing line such as "Best regards," with a name under
it, a name signed with a dash as the last line) is folded with the quotes; a sentence, a list or
a "P.S." at the end is not.
"""

from __future__ import annotations

import re

from .markers import (
    CLOSING,
    DASHED_NAME,
    FORWARD,
    FROM_LINE,
    LINK_DEBRIS,
    MAX_MARKER_LINE,
    MOBILE_SIGNATURE,
    OUTLOOK_RULE,
    OWN_MARKER,
    SEPARATOR,
    SIGNATURE_DELIMITER,
    forwarded_block,
    is_attribution,
    is_generic_attribution,
    is_scattered_attribution,
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
            is_attribution(line, nxt, third)
            or ((is_generic_attribution(line) or _from_address(stripped)) and _quote_follows(lines, index))
            or is_scattered_attribution(lines, index)
        ):
            return index, None
    return None, None


def _forward_follows(lines: list[str], start: int) -> bool:
    for index in range(start, min(start + 3, len(lines))):
        if lines[index].strip():
            return outlook_block(lines, index) and forwarded_block(lines, index)
    return False


def _quote_follows(lines: list[str], index: int) -> bool:
    """A `>` quote comes next (after blank lines, and the pieces of a link the header was broken by)."""
    following = [line for line in lines[index + 1 : index + 6] if line.strip()]
    following = [line for line in following if not _link_piece(line)][:1]
    return bool(following) and _quoted(following[0])


def _link_piece(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= MAX_MARKER_LINE and bool(LINK_DEBRIS.match(stripped))


def _from_address(line: str) -> bool:
    """'From: somebody@example.com', the start of a header block: a quote follows it."""
    return "@" in line and bool(FROM_LINE.match(line))


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
    # The person's own lines after the quote (the pieces of a link the quote was broken by are not).
    rest = [line for line in lines[index:] if line.strip() and not _quoted(line) and not _link_piece(line)]
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
    names = {n for n in re.split(r"[\s,]+", sender_name.strip().lower()) if len(n) > 1}
    start = None
    for i in own:
        if SIGNATURE_DELIMITER.match(lines[i].strip()) and i != own[0]:
            start = i
            break
    if start is None:
        start = _mobile_or_named(lines, own, names)
    if start is None:
        start = _signed_off(lines, own, names)
    if start is None:
        return
    start = _closing_above(lines, own, start, names)
    for i in range(start, end):
        keep[i] = False


def _mobile_or_named(lines: list[str], own: list[int], names: set[str]) -> int | None:
    tail = own[-6:]
    for i in tail:
        if i != own[0] and len(lines[i].strip()) < 80 and MOBILE_SIGNATURE.match(lines[i].strip()):
            return i
    if not names:
        return _dashed_signature(lines, own, names)
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
    return _dashed_signature(lines, own, names)


def _dashed_signature(lines: list[str], own: list[int], names: set[str]) -> int | None:
    """A rule of dashes or underscores near the end, followed only by short lines (contact details);
    a short rule ("---") only when a name comes right under it."""
    for i in own[-12:]:
        rule = lines[i].strip()
        after = [j for j in own if j > i]
        if (
            i != own[0]
            and re.fullmatch(r"[-_=]{3,}", rule)
            and 0 < len(after) <= (10 if len(rule) > 3 else 4)
            and all(len(lines[j].strip()) < 80 for j in after)
            and (len(rule) > 3 or _name_like(lines[after[0]], names))
        ):
            return i
    return None


MAX_SIGNED_OFF_LINES = 3


def _signed_off(lines: list[str], own: list[int], names: set[str]) -> int | None:
    """A name signed with a dash as the last line ("-Lev."), or a closing line ("Thanks!",
    "Best regards,") with the sender's name and at most two more short lines under it."""
    if _dashed_name(lines, own, len(own) - 1, names):
        return own[-1]
    for k in range(len(own) - 2, max(0, len(own) - 2 - MAX_SIGNED_OFF_LINES), -1):
        after = own[k + 1 :]
        if (
            _closing(lines[own[k]])
            and _name_like(lines[after[0]], names)
            and all(_name_like(lines[j], names) or _contact_like(lines[j]) for j in after[1:])
        ):
            return own[k]
    return None


def _contact_like(line: str) -> bool:
    """A company, title, phone or web line under a name; not a sentence nor a "P.S."."""
    stripped = line.strip()
    return (
        len(stripped) < 60
        and not stripped.endswith((".", "?", "!", ":"))
        and not re.match(r"p\.?\s?s\b", stripped, re.IGNORECASE)
    )


def _closing_above(lines: list[str], own: list[int], start: int, names: set[str]) -> int:
    """The closing line or dashed name just above a signature belongs to it ("-Lev." / "Sent from my
    phone", "Thanks in advance," / "Bob"); never the first line of the message."""
    k = own.index(start)
    for _ in range(2):
        if k - 1 < 1 or not (_closing(lines[own[k - 1]]) or _dashed_name(lines, own, k - 1, names)):
            break
        k -= 1
    return own[k]


def _closing(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) < 60 and bool(CLOSING.match(stripped))


def _dashed_name(lines: list[str], own: list[int], k: int, names: set[str]) -> bool:
    """own[k] is "-Name" (one word, or the sender's names), not the first line nor the end of a list."""
    if k < 1:
        return False
    match = DASHED_NAME.match(lines[own[k]].strip())
    if not match:
        return False
    words = match.group(1).lower().split()
    above = lines[own[k - 1]].strip()
    return (
        (len(words) == 1 or all(w.strip(".") in names for w in words))
        and not above.endswith(":")
        and not DASHED_NAME.match(above)
        and not above.startswith(("-", "*", "•"))
    )


def _name_like(line: str, names: set[str]) -> bool:
    """'Roman', 'John Doe', 'John E. Doe, Ph.D.': a few capitalised words (or the sender's names)."""
    text = line.strip().rstrip(".,")
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 4 or len(text) > 40 or any(c.isdigit() or c in "?:;!@/()<>" for c in text):
        return False
    return all((w[0].isalpha() and not w[0].islower()) or w.lower().strip(".") in names for w in words)


def _join(lines: object) -> str:
    text = "\n".join(lines)  # type: ignore[arg-type]
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
