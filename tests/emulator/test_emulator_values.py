"""Value normalisation of the emulator: HTML sanitising, tags, identities, dates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from witsync.emulator.values import (
    join_tags,
    parse_date,
    parse_identity,
    sanitise_html,
    split_tags,
    wire_date,
)

html_text = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<b>",
            "</b>",
            "<br/>",
            "<script>x()</script>",
            "a < b",
            "&amp;",
            "<a href='javascript:x'>l</a>",
            '<div onclick="x">d</div>',
            "text",
            " ",
            "\n",
        ]
    ),
).map("".join)


@given(html_text)
def test_sanitising_is_idempotent(html: str) -> None:
    once = sanitise_html(html)
    assert sanitise_html(once) == once
    assert "<script" not in once
    assert "onclick" not in once
    assert "javascript:" not in once


@pytest.mark.parametrize(
    ("given_html", "stored"),
    [
        ("<p class='x'>Hi<br/>there</p>", '<p class="x">Hi<br>there</p>'),
        ("<b>bold</b> and <i>it</i>", "<strong>bold</strong> and <em>it</em>"),
        ("<style>p{}</style><p>kept</p><!-- note -->", "<p>kept</p>"),
        ("plain text", "plain text"),
    ],
)
def test_sanitised_forms(given_html: str, stored: str) -> None:
    assert sanitise_html(given_html) == stored


@given(st.lists(st.text(alphabet="abcAB ;,", max_size=6), max_size=6))
def test_tags_are_unique_sorted_and_stable(parts: list[str]) -> None:
    joined = join_tags(split_tags(";".join(parts)))
    tags = split_tags(joined)
    assert [t.lower() for t in tags] == sorted({t.lower() for t in tags})
    assert join_tags(tags) == joined


def test_identities() -> None:
    assert parse_identity("Ann Lee <ann@example.com>") == ("Ann Lee", "ann@example.com")
    assert parse_identity("bo.ek@example.com") == ("Bo Ek", "bo.ek@example.com")
    assert parse_identity("Just A Name") is None
    assert parse_identity("not-an-email@") is None


def test_dates_are_stored_in_utc_with_milliseconds_and_written_trimmed() -> None:
    assert parse_date("2026-11-23T03:10:14.5+01:00") == "2026-11-23T02:10:14.500Z"
    assert parse_date("2026-11-23") == "2026-11-23T00:00:00.000Z"
    assert parse_date("yesterday") is None
    assert wire_date("2026-11-23T02:10:14.500Z") == "2026-11-23T02:10:14.5Z"
    assert wire_date("2026-11-23T00:00:00.000Z") == "2026-11-23T00:00:00Z"
