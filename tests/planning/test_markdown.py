"""Markdown: the fast path renders exactly what markdown-it-py renders, or steps aside."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from witsync.planning.html import _MARKDOWN, _fast, render_markdown

WORDS = st.sampled_from(["word", "Two", "x1", "9", "it's", '"q"', "(p)", "a.b", "é", "2026"])
MARKUP = st.sampled_from(["**", "*", "`", " ", "  ", "\t", ".", ",", ":", "?", ")", "(", "#", "-"])


@st.composite
def inline(draw):
    parts = draw(
        st.lists(
            st.one_of(
                WORDS,
                MARKUP,
                WORDS.map(lambda w: f"**{w}**"),
                WORDS.map(lambda w: f"*{w}*"),
                WORDS.map(lambda w: f"`{w}`"),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return draw(st.sampled_from([" ", ""])).join(parts)


LINE = st.one_of(
    inline(),
    inline().map(lambda t: "# " + t),
    inline().map(lambda t: "### " + t),
    inline().map(lambda t: "- " + t),
    inline().map(lambda t: "* " + t),
    inline().map(lambda t: "+ " + t),
    inline().map(lambda t: "1. " + t),
    st.sampled_from(["", " ", "---", "***", "===", "    code", "> quote", "#", "-"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=7).map("\n".join))
def test_fast_path_matches_markdown_it(text):
    fast = _fast(text)
    if fast is not None:
        assert fast == _MARKDOWN.render(text)


@pytest.mark.parametrize(
    "text",
    [
        "As a customer I want **paper-free** bills, so that *I* save `paper`.",
        "# Goal\n\nSome text.\nMore text.\n\n- one\n- **two**\n- `three`\n\n## Notes\n\nDone.",
        "Plain prose.\n\n\nAnother paragraph.",
    ],
)
def test_common_descriptions_take_the_fast_path(text):
    assert _fast(text) == _MARKDOWN.render(text)


@pytest.mark.parametrize(
    "text",
    ["a*b", "[link](x)", "1. one", "- a\n  - b", "**a**b", "<b>x</b>", "a  \nb", "- a\n\n- b"],
)
def test_unsure_text_goes_to_markdown_it(text):
    assert _fast(text) is None
    assert render_markdown(text) == _MARKDOWN.render(text)


@pytest.mark.parametrize("text", ["\u00a0", "\u00a0\n\n**y**", "a\n\n\u2003\n\nb"])
def test_a_line_of_unicode_spaces_is_not_blank_to_markdown(text):
    # CommonMark's blank lines are spaces and tabs only; a no-break space is paragraph text.
    assert render_markdown(text) == _MARKDOWN.render(text)
