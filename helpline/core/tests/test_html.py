from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.core.html import html_sanitize, html_to_text


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _tags(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def _dangerous(markup: str) -> list[str]:
    problems = []
    if "<script" in markup.lower():
        problems.append("<script")
    for tag, attrs in _tags(markup):
        if tag in {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta"}:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"{tag}[{name}]")
            squashed = "".join(ch for ch in (value or "") if ch > " ").lower()
            if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                problems.append(f"{tag}[{name}]={value}")
    return problems


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Hi <script>alert(1)</script>there</p>", "<p>Hi there</p>"),
        ('<p onclick="steal()">Hi</p>', "<p>Hi</p>"),
        ('<img src="x.png" onerror="steal()">', '<img src="x.png">'),
        ('<a href="javascript:alert(1)">click</a>', '<a rel="noopener noreferrer nofollow">click</a>'),
        ('<a href="JaVaScRiPt:alert(1)">click</a>', '<a rel="noopener noreferrer nofollow">click</a>'),
        ('<iframe src="https://evil.test"></iframe>ok', "ok"),
        ("<style>body{display:none}</style>ok", "ok"),
        ("<!-- tracking -->ok", "ok"),
    ],
)
def test_what_could_run_is_dropped(raw, clean):
    # when / then
    assert html_sanitize(raw) == clean


@pytest.mark.parametrize(
    "kept",
    [
        "<p>One <strong>two</strong> <em>three</em> <u>four</u> <s>five</s></p>",
        "<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>",
        "<blockquote>quoted</blockquote><pre><code>x = 1</code></pre>",
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>',
        '<p>See <a href="https://example.com/help" rel="noopener noreferrer nofollow">the help</a></p>',
        '<img src="cid:logo@mail" alt="logo">',
        "<h1>Title</h1><br><hr>",
    ],
)
def test_basic_formatting_is_kept(kept):
    # when / then
    assert html_sanitize(kept) == kept


def test_links_get_rel_noopener():
    # when / then
    assert html_sanitize('<a href="https://example.com">x</a>') == (
        '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>'
    )


def test_empty_html_stays_empty():
    # when / then
    assert html_sanitize("") == ""


def test_the_text_version_keeps_paragraphs_and_unescapes_entities():
    # when / then
    assert html_to_text("<p>Fish &amp; chips</p><p>Line<br>break</p>\n\n\n\n<div>end</div>") == (
        "Fish & chips\nLine\nbreak\n\nend"
    )


_pieces = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<SCRIPT src=//evil.test/x.js>",
        "<scr<script>ipt>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">',
        "<a href='java&#x09;script:alert(1)'>",
        '<a href=" javascript:alert(1)">',
        "<a href=jav&#97;script:x>",
        '<div onmouseover="x()">',
        "<svg onload=alert(1)>",
        "<iframe srcdoc='<script>x</script>'>",
        "<p>",
        "</p>",
        "<b>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<",
        ">",
        '"',
        "'",
        "=",
        " on",
        "onclick=",
        "javascript:",
        "&lt;script&gt;",
        "<a href=",
        "<img src=",
        "/",
        " ",
    ]
)
_markup = st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=25).map("".join)


@settings(max_examples=300)
@given(raw=_markup)
def test_no_input_yields_a_script_a_handler_or_a_javascript_url(raw):
    # when
    clean = html_sanitize(raw)

    # then
    assert _dangerous(clean) == []


@settings(max_examples=100)
@given(raw=_markup)
def test_sanitizing_twice_changes_nothing_more(raw):
    # when
    once = html_sanitize(raw)

    # then
    assert html_sanitize(once) == once
