"""Board HTML that Python's parser chokes on (`<![` not followed by a name) is read as browsers
read it, by every reader of HTML on the client side, and by the emulator's sanitiser."""

from __future__ import annotations

import pytest

from witsync.emulator.values import sanitise_html
from witsync.exporting.markdown import html_to_markdown
from witsync.planning.normalize import canonical_html
from witsync.rendering.richtext import html_text

BOGUS = ["<p><![</p>", "<p>a <![ b</p>", "<![ x", "text <![", "<div><![1]></div>"]


@pytest.mark.parametrize("html", BOGUS)
def test_no_reader_of_board_html_raises(html: str) -> None:
    canonical_html(html)
    html_text(html)
    html_to_markdown(html)
    sanitise_html(html)


def test_a_bogus_declaration_is_a_comment_and_the_text_around_it_stays() -> None:
    assert html_text("<p>before <![ hidden > after</p>") == "before after"
    assert canonical_html("<p>x<![ y ></p>") == canonical_html("<p>x<!-- y --></p>")
    assert sanitise_html("<p>before <![ hidden > after</p>") == "<p>before  after</p>"


def test_marked_sections_with_a_name_are_read_as_before() -> None:
    assert html_text("<p>a <![if !supportLists]> b</p>") == "a b"
    assert html_text("<p>x</p><![CDATA[y]]>") == "x"
