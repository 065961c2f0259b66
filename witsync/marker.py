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


_MARKER_PREFIX = f"https://{MARKER_HOST}/"
_SPLIT_AWAY = frozenset("?#\t\r\n")
"""What urlsplit cuts off or drops (query, fragment, tabs and newlines): URLs with these take the
long way."""


def parse_marker(url: str) -> tuple[str, str] | None:
    """`(scope, key)` for a marker URL, None for any other URL."""
    # Fast paths, with urlsplit's answers (a plan of 100,000 items reads each marker several
    # times): the marker as witsync writes it, and URLs that cannot name its host.
    if _SPLIT_AWAY.isdisjoint(url):
        if url.startswith(_MARKER_PREFIX):
            segments = url[len(_MARKER_PREFIX) - 1 :].split("/")
            if len(segments) != 3 or not segments[1] or not segments[2]:
                return None
            return unquote(segments[1]), unquote(segments[2])
        if MARKER_HOST not in url.lower():
            return None
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


PRUNE_NOTE = "witsync prune closed this work item: it left the manifests of scope {scope}."
"""The history note of prune's close. A later plan reads it back (the revision that last changed
the state carries it) to tell an item witsync closed from one a person closed: only the first is
reopened when it comes back to the manifests."""


def prune_note(scope: str) -> str:
    """The note prune's close writes into the item's history (System.History)."""
    return PRUNE_NOTE.format(scope=scope)


def is_prune_note(text: str, scope: str) -> bool:
    """Whether a revision's history text is prune's note for `scope` (the server may wrap it in
    markup: it is looked for inside)."""
    return prune_note(scope).casefold() in " ".join(text.split()).casefold()
