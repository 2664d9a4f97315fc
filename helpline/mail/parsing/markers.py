"""Lines that start quoted history, forwarded content or a signature, in the languages we see.

Shared by the plain-text and the HTML splitter. The attribution patterns of mail-parser-reply
(the stack's quote library) are added to our own, which cover more clients and languages.
"""

from __future__ import annotations

import functools
import re

from mailparser_reply.constants import MAIL_LANGUAGES

# Our own outbound marker, and the same idea in other helpdesks' words.
OWN_MARKER = re.compile(
    r"^[^\w#]{0,20}##-.{0,120}-##\W{0,20}$|^[-\s]{2,40}(?:please\s+)?(?:type|write|reply)\s+(?:your\s+)?(?:reply\s+)?"
    r"above\s+this\s+line[-\s]{2,40}$",
    re.IGNORECASE,
)

_WROTE = (
    r"^(?:on|am|le|el|il|op|em|no\s+dia|den|dne|w\s+dniu|dnia|pe)\b.{0,250}"
    r"(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto|schreef|escreveu|skrev|napsal(?:\(a\))?|napisa[łl](?:\(a\))?|"
    r"a\s+scris|kirjoitti|írta|geschreven)\b.{0,250}[:：]?\s*$"
)
_WROTE_START = re.compile(r"^(?:on|am|le|el|il|op|em|no\s+dia|den|dne|w\s+dniu|dnia|pe)\s", re.IGNORECASE)
_ATTRIBUTION = [
    re.compile(_WROTE, re.IGNORECASE),
    re.compile(
        r"^.{1,250}\b(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto|schreef|escreveu|skrev)\s*[:：]\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^.{0,250}(?:пишет|написал(?:\(а\)|а)?|написала)\s*[:：]?\s*$", re.IGNORECASE),
    re.compile(r"^.{0,200}(?:写道|寫道|書きました|のメッセージ|님이\s*작성)\s*[:：]?\s*$"),
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{0,200}[:：]\s*$"),
    re.compile(r"^.{0,200}\b(?:от|from|de|von)\b.{0,100}<[^\s<>@]+@[^\s<>@]+>\s*[:：]\s*$", re.IGNORECASE),
    # Gmail's date-first form: "2011/4/7 Name <name@example.com>" or "2014-10-17 11:28 GMT+03:00 Name <...>:";
    # Yandex's day-first one: '26.06.2014, 14:41, "Name" <name@example.com>:'.
    re.compile(
        r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b.{0,200}<\s?[^\s<>@]+@[^\s<>@]+\s?>\s*[:：]?|"
        r"\d{1,2}[./]\d{1,2}[./]\d{4},?\s+\d{1,2}:\d{2}\b.{0,200}<\s?[^\s<>@]+@[^\s<>@]+\s?>\s*[:：])\s*$"
    ),
    # Android and others: "---- Name wrote ----", "------On <date>, Name wrote-----".
    re.compile(
        r"^-{2,}\s*.{1,250}\b(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto|schreef|escreveu|skrev)\s*[:：]?\s*-{2,}$",
        re.IGNORECASE,
    ),
]
# Any client: a line that names an address and a time and ends with a colon (only trusted when
# quoted lines follow it).
GENERIC_ATTRIBUTION = re.compile(r"^.{0,200}[^\s<>@]+@[^\s<>@]+.{0,100}[:：]\s*$")
# mail-parser-reply's attribution patterns for the languages ours do not cover (Czech, Danish,
# Korean, Polish, Swedish...); its English one backtracks badly on "On On On ..." lines.
_OWN_LANGUAGES = {"en", "de", "es", "fr", "it", "nl", "zh", "ja"}
_LIBRARY_ATTRIBUTION = [
    re.compile(spec["wrote_header"], re.IGNORECASE | re.MULTILINE)
    for language, spec in MAIL_LANGUAGES.items()
    if language not in _OWN_LANGUAGES and isinstance(spec.get("wrote_header"), str)
]
_TIME = re.compile(r"\d{1,2}[:.h]\d{2}|\d{4}|\d{1,2}[./-]\d{1,2}")

SEPARATOR = re.compile(
    r"^[-_=*\s]{0,80}(?:original\s+message|ursprüngliche\s+nachricht|original[- ]nachricht|message\s+d'origine|"
    r"mensaje\s+original|messaggio\s+originale|oorspronkelijk\s+bericht|mensagem\s+original|ursprungligt\s+meddelande|"
    r"oprindelig\s+meddelelse|opprinnelig\s+melding|alkuperäinen\s+viesti|wiadomość\s+oryginalna|původní\s+zpráva|"
    r"исходное\s+сообщение|antwort\s+nachricht|原始邮件|原始郵件|元のメッセージ|reply\s+message)\s*[-_=*]*\s*$",
    re.IGNORECASE,
)
OUTLOOK_RULE = re.compile(r"^ {0,8}_{20,} {0,8}$")
FORWARD = re.compile(
    r"^[-_=*>\s]{0,80}(?:forwarded\s+message|begin\s+forwarded\s+message|weitergeleitete\s+nachricht|"
    r"message\s+transf[ée]r[ée]|mensaje\s+reenviado|messaggio\s+inoltrato|doorgestuurd\s+bericht|"
    r"mensagem\s+encaminhada|vidarebefordrat\s+meddelande|videresendt\s+meddelelse|пересылаемое\s+сообщение|"
    r"пересланное\s+сообщение|转发的邮件|轉寄的郵件|転送されたメッセージ|forwarded\s+by\b|original\s+message\s+follows)"
    r"\b.{0,80}$",
    re.IGNORECASE,
)
_FROM = r"(?:from|von|de|da|van|från|fra|od|от|від|kimden|lähettäjä|feladó|发件人|寄件者|差出人|送信者|보낸\s*사람)"
_OTHER = (
    r"(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoy[ée]|[àa]|objet|enviado|fecha|para|asunto|inviato|data|"
    r"oggetto|verzonden|aan|onderwerp|assunto|skickat|till|ämne|sendt|til|emne|отправлено|дата|кому|тема|发送时间|"
    r"日期|收件人|主题|送信日時|日付|宛先|件名|보낸\s*날짜|받는\s*사람|제목)"
)
FROM_LINE = re.compile(rf"^[*>\s]{{0,10}}{_FROM}[\s*]{{0,4}}[:：]", re.IGNORECASE)
OTHER_LINE = re.compile(rf"^[*>\s]{{0,10}}{_OTHER}[\s*]{{0,4}}[:：]", re.IGNORECASE)
SUBJECT_FORWARD = re.compile(
    r"^[*>\s]{0,10}(?:subject|betreff|objet|asunto|oggetto|onderwerp|assunto|ämne|emne|тема|主题|件名)"
    r"[\s*]{0,4}[:：] {0,4}"
    r"(?:fwd?|fw|wg|tr|rv|i|enc|doorst|vs|vb|trs|пересл|转发|転送) {0,4}[:：]",
    re.IGNORECASE,
)

# Marker lines are short; longer lines are never tested (keeps every check linear in the input).
MAX_MARKER_LINE = 400

SIGNATURE_DELIMITER = re.compile(r"^(?:-- ?|--|—|__)\s*$")
MOBILE_SIGNATURE = re.compile(
    r"^ {0,8}(?:sent\s+(?:wirelessly\s+)?(?:from|with|via)\s+(?:my\s+)?\S|get\s+outlook\s+for|"
    r"von\s+meinem\s+\S+\s+gesendet|gesendet\s+von\s+(?:meinem\s+)?\S|envoy[ée]\s+sans\s+fil\s+par\s+\S|"
    r"envoy[ée]\s+(?:de|depuis)\s+(?:mon\s+)?\S|enviado\s+(?:desde|do|de)\s+(?:mi|meu)\s+\S|inviato\s+da\s+\S|"
    r"verzonden\s+(?:met|vanaf|van)\s+(?:mijn\s+)?\S|skickat\s+från\s+min|sendt\s+fra\s+min|wysłane\s+z\s+\S|"
    r"отправлено\s+(?:с|из)\s+\S|发自我的|來自我的|从我的.{0,20}发送|.{0,20}から送信)",
    re.IGNORECASE,
)


# Every attribution form names the verb, a CJK date or an address before the colon; a cheap
# search for one of them spares the heavier patterns on ordinary lines.
_ATTRIBUTION_HINTS = (
    "wrote", "schrieb", "crit", "escribi", "scritto", "schreef", "escreveu", "skrev", "napsal", "napisa", "nadesłał",
    "pisze", "scris", "kirjoitti", "írta", "geschreven", "пишет", "написал", "写道", "寫道", "書きました",
    "のメッセージ", "작성", "年", "@",
)  # fmt: skip


_ASCII_HINTS = tuple(hint for hint in _ATTRIBUTION_HINTS if hint.isascii())


# Each line is asked about twice (as itself, then as the line before the next one's), and most
# lines are ASCII, where the other scripts' hints cannot occur.
@functools.lru_cache(maxsize=512)
def _hinted(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in (_ASCII_HINTS if lowered.isascii() else _ATTRIBUTION_HINTS))


def is_attribution(line: str, next_line: str = "", third_line: str = "") -> bool:
    """'On <date>, <name> wrote:' and its relatives (a line, or a line wrapped onto the next one or two)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 400 or stripped.startswith(">"):
        return False
    if not _hinted(stripped) and not _hinted(next_line[:400]) and not _ends_attribution(third_line):
        return False
    if _matches_attribution(stripped, _ATTRIBUTION):
        return True
    following = next_line.strip()
    if not following or following.startswith(">") or len(following) > 200:
        return False
    # Wrapped attributions start like one ("On ...", "Am ...") or end like one ("... написал:").
    if not (_WROTE_START.match(stripped) or _TIME.search(stripped)):
        return False
    if _matches_attribution(f"{stripped} {following}", _WRAPPED):
        return True
    # Over three lines ("On <date>, Name <" / "address>" / "wrote:"): only when the third line ends it.
    last = third_line.strip()
    return (
        0 < len(last) <= 200
        and bool(_WRAPPED_END.search(last))
        and _matches_attribution(f"{stripped} {following} {last}", _WRAPPED)
    )


def _ends_attribution(line: str) -> bool:
    # A plain string test first: most third lines end in neither.
    return line.rstrip().endswith((":", "：", "wrote")) and _hinted(line[:400])


_WRAPPED = [_ATTRIBUTION[0], _ATTRIBUTION[2], _ATTRIBUTION[3], _ATTRIBUTION[6]]
_WRAPPED_END = re.compile(
    r"(?:\bwrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto|schreef|escreveu|skrev|geschreven|пишет|написал\w*|>)"
    r"\s*[:：]\s*$|\bwrote\s*$",
    re.IGNORECASE,
)


def _matches_attribution(text: str, patterns: list[re.Pattern[str]]) -> bool:
    if any(p.search(text) for p in patterns):
        return bool(_TIME.search(text)) or "@" in text or len(text) < 120
    return len(patterns) == len(_ATTRIBUTION) and any(p.search(text) for p in _LIBRARY_ATTRIBUTION)


def is_scattered_attribution(lines: list[str], index: int) -> bool:
    """'On <date> Name' / '<' / 'mailto:Name <address>' / '> wrote:': some clients (Polymail) break
    the attribution over several lines, blank or `>`-quoted ones among them."""
    first = lines[index].strip()
    if len(first) > 200 or not _WROTE_START.match(first) or first.endswith((".", "!", "?")) or not _TIME.search(first):
        return False
    parts = [first]
    for line in lines[index + 1 : index + 8]:
        piece = line.strip().lstrip(">").strip()
        if not piece:
            continue
        if len(piece) > 200 or len(parts) > 4:
            return False
        parts.append(piece)
        if _WRAPPED_END.search(piece):
            text = " ".join(parts)
            return "@" in text and _matches_attribution(text, _WRAPPED)
    return False


def is_generic_attribution(line: str) -> bool:
    """A line with an address and a time, ending in a colon: an attribution if quotes follow."""
    stripped = line.strip()
    return len(stripped) < 300 and bool(GENERIC_ATTRIBUTION.match(stripped)) and bool(_TIME.search(stripped))


def outlook_block(lines: list[str], index: int) -> bool:
    """A 'From: ... / Sent: ... / To: ... / Subject: ...' header block starts at `index` (some clients
    put 'Date: <date and time>' first, then To: or From: with an address)."""
    if len(lines[index]) > MAX_MARKER_LINE:
        return False
    if not FROM_LINE.match(lines[index]):
        return _date_led_block(lines, index)
    if _INLINE_SENT.search(lines[index]) and _TIME.search(lines[index]):
        return True  # "From: bob@example.com Date: Thu, 24 Mar 2016 08:07" on one line (flattened HTML)
    others = 0
    for line in lines[index + 1 : index + 8]:
        kind = _header_line_kind(line[:MAX_MARKER_LINE])
        others += bool(kind)
        if others >= 2 or kind == 2:
            return True
    return False


def _date_led_block(lines: list[str], index: int) -> bool:
    if not (_DATE_LINE.match(lines[index]) and _TIME.search(lines[index])):
        return False
    following = [line for line in lines[index + 1 : index + 3] if line.strip()]
    return bool(following) and bool(_ADDRESSED_LINE.match(following[0][:MAX_MARKER_LINE]))


_DATE_LINE = re.compile(r"^[*>\s]{0,10}(?:date|datum|fecha|data|дата)[\s*]{0,4}:\s*\S", re.IGNORECASE)
_ADDRESSED_LINE = re.compile(
    rf"^[*>\s]{{0,10}}(?:{_FROM}|to|an|[àa]|para|aan|till|til|кому)[\s*]{{0,4}}[:：].{{0,300}}@", re.IGNORECASE
)


_INLINE_SENT = re.compile(
    r"@.{0,200}\s(?:sent|date|gesendet|datum|envoy[ée]|enviado|fecha|дата|отправлено)\s{0,4}:\s*\S", re.IGNORECASE
)
_SENT_LINE = re.compile(r"^[*>\s]{0,10}(?:sent|date|gesendet|datum|envoy|enviado|fecha)", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _header_line_kind(line: str) -> int:
    """0: not a header line; 1: To/Subject/Cc...; 2: Sent/Date (enough with From on its own)."""
    if not OTHER_LINE.match(line):
        return 0
    return 2 if _SENT_LINE.match(line) else 1


def forwarded_block(lines: list[str], index: int) -> bool:
    """The Outlook header block at `index` introduces a forwarded message (its subject says FW:)."""
    return any(SUBJECT_FORWARD.match(line[:MAX_MARKER_LINE]) for line in lines[index : index + 8])


# A closing line ("Thanks!", "Best regards,", "Mit freundlichen Grüßen"), alone on its line: with
# the name under it, the end of a message is its signature.
CLOSING = re.compile(
    r"^(?:(?:many|big|huge)\s+)?(?:thanks|thank\s+you|thx|cheers|regards|best|best\s+regards|kind\s+regards|"
    r"warm(?:est)?\s+regards|best\s+wishes|all\s+the\s+best|sincerely|yours(?:\s+(?:truly|sincerely|faithfully))?|"
    r"respectfully|cordially|take\s+care|br|"
    r"danke(?:\s+sch[öo]n)?|vielen\s+dank|besten\s+dank|(?:mit\s+)?(?:freundlichen|besten|herzlichen|lieben|sonnigen)\s+gr[üu](?:ß|ss)en|"
    r"(?:viele|beste|liebe|herzliche|sch[öo]ne)\s+gr[üu](?:ß|ss)e|gr[üu](?:ß|ss)e|gru(?:ß|ss)|lg|mfg|vg|"
    r"merci(?:\s+beaucoup)?|(?:bien\s+)?cordialement|bien\s+[àa]\s+(?:vous|toi)|(?:meilleures\s+)?salutations|amicalement|"
    r"(?:muchas\s+)?gracias|(?:un\s+)?saludos?(?:\s+cordiales)?|atentamente|cordialmente|un\s+abrazo|"
    r"grazie(?:\s+mille)?|(?:cordiali|distinti)\s+saluti|saluti|un\s+saluto|"
    r"bedankt|dank\s+(?:je|u)(?:\s+wel)?|(?:met\s+)?vriendelijke\s+groet(?:en)?|groet(?:en|jes)|mvg|"
    r"obrigad[oa]|atenciosamente|cumprimentos|abra[çc]os?|"
    r"tack|tak|(?:med\s+)?v[äa]nlig(?:a)?\s+h[äa]lsning(?:ar)?|h[äa]lsningar|(?:med\s+)?venlig\s+hilsen|"
    r"(?:vennlig\s+)?hilsen|mvh|"
    r"dzi[ęe]ki|dzi[ęe]kuj[ęe]|pozdrawiam|z\s+powa[żz]aniem|"
    r"díky|děkuji|s\s+pozdravem|спасибо|с\s+уважением|всего\s+(?:доброго|хорошего))"
    r"(?:\s+(?:in\s+advance|again|so\s+much|very\s+much|a\s+lot|a\s+million|for\s+(?:your|the)\s+help|"
    r"and\s+(?:best\s+|kind\s+)?regards|im\s+voraus|d'avance|de\s+antemano))?\s*[,.!]{0,3}$",
    re.IGNORECASE,
)
# "-Lev.", "- Roman", "~ Ana": a name signed with a dash (one word; more only when it is the sender).
DASHED_NAME = re.compile(r"^[-–—~]\s?([^\W\d_][\w'’.-]{0,30}(?:\s+[^\W\d_][\w'’.-]{0,30}){0,2})$")

# Pieces of a link that a client broke out of a quote: "(http://example.com/c/x) >", "_nonce=3d)".
LINK_DEBRIS = re.compile(r"^[(<]?(?:https?://|mailto:)\S*(?:\s*>)?$|^\S{1,200}\)(?:\s*>)?$", re.IGNORECASE)
