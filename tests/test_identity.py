"""The scope marker: a scope's tag, a key's marker URL, and the keys read back from items."""

from __future__ import annotations

import pytest
from apply_support import open_board
from hypothesis import given
from hypothesis import strategies as st

from witsync.marker import marker_keys, marker_url, parse_marker, scope_tag
from witsync.model import REL_HYPERLINK, REL_RELATED, LiveItem, LiveRelation

ODD = [
    "plain",
    "with space",
    "a/b",  # a slash would otherwise make a third path segment
    "50%",
    "%2F",  # already looks escaped: must come back as written, not decoded twice
    "q?x=1#frag",
    "ünïcode-é",
    "emoji-🚀",
    "semi;colon",
    "..",
    "+plus+",
]


def test_scope_tag_is_the_prefix_and_the_scope() -> None:
    assert scope_tag("web-team") == "witsync:web-team"


def test_marker_url_is_https_on_the_reserved_host_with_one_segment_each() -> None:
    assert marker_url("web", "sign-in") == "https://witsync.invalid/web/sign-in"
    assert marker_url("a/b", "c d") == "https://witsync.invalid/a%2Fb/c%20d"


@pytest.mark.parametrize("key", ODD)
@pytest.mark.parametrize("scope", ["web", "team a/b", "ß%"])
def test_odd_characters_round_trip(scope: str, key: str) -> None:
    assert parse_marker(marker_url(scope, key)) == (scope, key)


@given(scope=st.text(min_size=1, max_size=20), key=st.text(min_size=1, max_size=40))
def test_any_scope_and_key_round_trip(scope: str, key: str) -> None:
    assert parse_marker(marker_url(scope, key)) == (scope, key)


@pytest.mark.parametrize(
    "url",
    [
        "http://witsync.invalid/web/k",  # not https
        "https://witsync.example/web/k",  # another host
        "https://evil.witsync.invalid/web/k",
        "https://witsync.invalid/web",  # no key
        "https://witsync.invalid/web/",
        "https://witsync.invalid//k",  # no scope
        "https://witsync.invalid/web/k/extra",  # one segment too many
        "https://dev.azure.com/o/_apis/wit/workItems/1",
        "vstfs:///Git/Commit/abc",
        "",
    ],
)
def test_other_urls_are_not_markers(url: str) -> None:
    assert parse_marker(url) is None


def test_the_host_is_compared_as_a_host_name_ignoring_case() -> None:
    assert parse_marker("https://WITSYNC.invalid/web/k") == ("web", "k")


def _item(*relations: tuple[str, str]) -> LiveItem:
    return LiveItem(1, 1, {}, tuple(LiveRelation(rel, url) for rel, url in relations))


def test_marker_keys_reads_the_hyperlinks_of_one_scope_in_order() -> None:
    item = _item(
        (REL_RELATED, "https://dev.azure.com/o/_apis/wit/workItems/7"),
        (REL_HYPERLINK, marker_url("web", "first")),
        (REL_HYPERLINK, marker_url("mobile", "theirs")),  # another scope's marker
        (REL_RELATED, marker_url("web", "not-a-hyperlink")),  # only a Hyperlink is a marker
        (REL_HYPERLINK, "https://example.com/web/page"),
        (REL_HYPERLINK, marker_url("web", "copied")),  # a second key: somebody copied a marker
    )
    assert marker_keys(item, "web") == ["first", "copied"]
    assert marker_keys(item, "mobile") == ["theirs"]
    assert marker_keys(item, "desktop") == []
    assert marker_keys(_item(), "web") == []


async def test_a_marker_with_odd_characters_survives_the_server() -> None:
    board = open_board()
    key = "Ünïcode key/with %2F and ?#"
    created = await board.client.create_item(
        "Task",
        [
            {"op": "add", "path": "/fields/System.Title", "value": "t"},
            {"op": "add", "path": "/fields/System.Tags", "value": scope_tag("web")},
            {
                "op": "add",
                "path": "/relations/-",
                "value": {"rel": REL_HYPERLINK, "url": marker_url("web", key)},
            },
        ],
    )
    read = await board.client.get_item(created.id)
    assert read is not None
    assert marker_keys(read, "web") == [key]
    assert scope_tag("web") in str(read.fields["System.Tags"])
    await board.client.aclose()
