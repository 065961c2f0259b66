"""Board HTML as Markdown: only when it renders back to what the board means; else HTML stays."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from witsync.exporting.markdown import html_to_markdown
from witsync.exporting.values import PLAIN_TEXT_MARK, description_text, identity_text, people_tags
from witsync.planning.normalize import canonical_html, to_html


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>Hello <strong>world</strong></p>", "Hello **world**"),
        ("<p>a</p><ul><li>one</li><li>two <em>x</em></li></ul>", "a\n\n- one\n- two *x*"),
        (
            "<h2>Goal</h2><p>1. not a list, # not a heading</p>",
            "## Goal\n\n1\\. not a list, # not a heading",
        ),
        ("<ol><li>a<ul><li>b</li></ul></li><li>c</li></ol>", "1. a\n   - b\n2. c"),
        (
            '<p><a href="https://x.test/a">docs</a> and <code>x = 1</code></p>',
            "[docs](https://x.test/a) and `x = 1`",
        ),
        ('<pre><code class="language-py">x = 1\n</code></pre>', "```py\nx = 1\n```"),
        ("<blockquote><p>quoted</p></blockquote><hr><p>a<br>b</p>", "> quoted\n\n---\n\na\\\nb"),
        ("<p>5 &lt; 6 &amp; [x] *y* _z_</p>", "5 \\< 6 \\& \\[x\\] \\*y\\* \\_z\\_"),
    ],
)
def test_common_html_becomes_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown
    assert canonical_html(to_html(markdown)) == canonical_html(html)


@pytest.mark.parametrize(
    "html",
    [
        "<div>Typed in the web form</div><div><br></div>",
        '<p style="color:red">styled</p>',
        "<table><tr><td>1</td></tr></table>",
        '<p><img src="x.png"></p>',
        "<p><u>underlined</u></p>",
        "plain text without a tag",
        "<p>a</p><!-- comment -->",
    ],
)
def test_what_markdown_cannot_say_stays_html(html: str) -> None:
    assert html_to_markdown(html) is None


def test_a_description_is_markdown_or_html_that_means_the_same() -> None:
    assert description_text("<p>one</p><p>two</p>") == "one\n\ntwo\n"
    assert description_text("<div>web form</div>") == "<div>web form</div>"
    # stored text without an element would read as Markdown (and be sent as <p>...</p>)
    plain = description_text("just text")
    assert plain == PLAIN_TEXT_MARK + "just text"
    assert canonical_html(to_html(plain)) == canonical_html("just text")


BLOCKS = st.sampled_from(["p", "h1", "h3", "li-ul", "li-ol", "div", "pre", "blockquote"])
INLINE = st.lists(
    st.one_of(
        st.text(alphabet="ab *_#-1.<>&[]`\\|~!\n", min_size=1, max_size=8),
        st.sampled_from(
            [
                "<strong>b</strong>",
                "<em>i</em>",
                "<code>c</code>",
                "<br>",
                '<a href="https://x.test">l</a>',
                "<span>s</span>",
                "<del>d</del>",
            ]
        ),
    ),
    min_size=1,
    max_size=4,
)


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    parts = []
    for block in draw(st.lists(BLOCKS, min_size=1, max_size=4)):
        inner = "".join(draw(INLINE))
        if block.startswith("li-"):
            tag = block[3:]
            parts.append(f"<{tag}><li>{inner}</li><li>{draw(INLINE)[0]}</li></{tag}>")
        elif block == "pre":
            parts.append(f"<pre><code>{inner}\n</code></pre>")
        else:
            parts.append(f"<{block}>{inner}</{block}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html=html_documents())
def test_any_conversion_means_the_same_as_the_html(html: str) -> None:
    markdown = html_to_markdown(html)
    text = description_text(html)
    assert canonical_html(to_html(text)) == canonical_html(html)
    if markdown is not None:
        assert canonical_html(to_html(markdown)) == canonical_html(html)


def test_identities_as_email_and_tags_without_witsyncs() -> None:
    assert identity_text({"displayName": "Ann", "uniqueName": "ann@x.test"}) == "ann@x.test"
    assert identity_text("Ann Smith <ann@x.test>") == "ann@x.test"
    assert identity_text({"displayName": "Build Service"}) == "Build Service"
    assert people_tags("a; witsync:web; B; WITSYNC:other") == ["a", "B"]
