"""Rich text as a reader sees it: HTML to text, and word-level diffs."""

from __future__ import annotations

from witsync.model.markdown import looks_like_html
from witsync.rendering.richtext import Segment, html_text, readable, word_diff


def test_html_becomes_the_text_a_browser_shows():
    html = (
        "<p>Remind customers <strong>before</strong> the bill &amp; its <em>due</em> date.</p>"
        "<ul><li>by e-mail</li><li>by <a href='https://example.com/sms'>text</a></li></ul>"
        "<ol><li>first</li><li>second<br>line</li></ol>"
        "<script>alert(1)</script><style>p{}</style><p>Last</p>"
    )
    assert html_text(html) == (
        "Remind customers before the bill & its due date.\n"
        "• by e-mail\n"
        "• by text (https://example.com/sms)\n"
        "1. first\n"
        "2. second\nline\n\n"
        "Last"
    )


def test_a_link_to_a_script_is_not_shown_as_an_address():
    assert html_text('<p><a href="javascript:alert(1)">click</a></p>') == "click"


def test_only_markup_is_read_as_html():
    assert looks_like_html("<p>text</p>")
    assert not looks_like_html("1 < 2 and 3 > 2")
    assert readable("<div>a<br>b</div>") == "a\nb"
    assert readable("a < b") == "a < b"
    assert readable(None) == ""
    assert readable(3) == "3"


def test_word_diff_marks_whole_words():
    assert word_diff(
        "Remind customers before the bill is due.",
        "Remind customers a week before the bill is due, by e-mail.",
    ) == (
        Segment("same", "Remind customers "),
        Segment("ins", "a week "),
        Segment("same", "before the bill is due"),
        Segment("ins", ", by e-mail"),
        Segment("same", "."),
    )


def test_a_replaced_run_of_words_is_one_deletion_and_one_insertion():
    segments = word_diff("Sign in with GitHub today", "Sign in with a Microsoft account today")
    assert segments == (
        Segment("same", "Sign in with "),
        Segment("del", "GitHub "),
        Segment("ins", "a Microsoft account "),
        Segment("same", "today"),
    )


def test_the_new_text_can_be_read_from_the_diff_and_the_old_words_too():
    before = "One two three.\nFour five six seven.\n\nEight nine."
    after = "One 2 three.\nFour five seven eight.\n\nNine."
    segments = word_diff(before, after, context=1_000)
    assert "".join(s.text for s in segments if s.kind != "del") == after
    old = "".join(s.text for s in segments if s.kind != "ins")
    assert "".join(old.split()) == "".join(before.split())  # kept runs: spaced as the new text


def test_long_unchanged_runs_are_shortened_around_the_change():
    text = "word " * 200
    segments = word_diff(text + "old", text + "new", context=20)
    assert segments[0].kind == "same"
    assert segments[0].text.startswith("…")
    assert len(segments[0].text) == 21
    assert [s.kind for s in segments[1:]] == ["del", "ins"]


def test_very_long_texts_fall_back_to_whole_values():
    before, after = "a " * 7_000, "b " * 7_000
    assert word_diff(before, after) == (Segment("del", before), Segment("ins", after))


def test_paragraphs_are_set_apart_and_list_items_are_not():
    html = (
        "<p>Every customer signs in.</p>\n<ul>\n<li>Microsoft first</li>\n"
        "<li>then GitHub</li>\n</ul>\n"
    )
    assert html_text(html) == "Every customer signs in.\n• Microsoft first\n• then GitHub"
    assert html_text("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>") == "• a\n• b\n• c"
    assert html_text("<p>one</p><p>two</p>") == "one\n\ntwo"
