"""The scope marker: how a work item says which manifest set owns it and under which key."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from witsync.model import REL_HYPERLINK, LiveItem

TAG_PREFIX = "witsync:"
MARKER_HOST = "witsync.invalid"
"""A reserved name (RFC 2606): the marker is a valid https URL that can never point anywhere."""


def scope_tag(scope: str) -> str:
    """The tag every managed item of `scope` carries, so the managed set is one WIQL query."""
    return f"{TAG_PREFIX}{scope}"


def marker_url(scope: str, key: str) -> str:
    """The Hyperlink URL that stores an item's key, written in the request that creates it."""
    return f"https://{MARKER_HOST}/{quote(scope, safe='')}/{quote(key, safe='')}"


def parse_marker(url: str) -> tuple[str, str] | None:
    """`(scope, key)` for a marker URL, None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != MARKER_HOST:
        return None
    segments = parts.path.split("/")
    if len(segments) != 3 or not segments[1] or not segments[2]:
        return None
    return unquote(segments[1]), unquote(segments[2])


def marker_keys(item: LiveItem, scope: str) -> list[str]:
    """The keys `item` carries for `scope` (normally one; more means someone copied a marker)."""
    keys = []
    for relation in item.relations:
        if relation.rel != REL_HYPERLINK:
            continue
        parsed = parse_marker(relation.url)
        if parsed and parsed[0] == scope:
            keys.append(parsed[1])
    return keys
