"""Keys from titles: `Sign in with Microsoft` → `sign-in-with-microsoft`, unique and stable.

A key is what a manifest calls an item for good, so it must not depend on what else is exported:
a work item that already carries this scope's marker keeps the key it has; any other gets the
slug of its title, and when two titles give one slug, the lower id keeps it and the others add
their id (`fix-login-1234`). Exporting the same board twice gives the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping

MAX_SLUG = 60
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def slug(text: str, *, fallback: str = "item") -> str:
    """Lower-case ASCII words joined by `-`, at most `MAX_SLUG` long, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_KEY.sub("-", ascii_text.lower()).strip("-")
    if len(words) > MAX_SLUG:
        cut = words[: MAX_SLUG + 1]
        words = cut[: cut.rfind("-")] if "-" in cut[1:] else words[:MAX_SLUG]
        words = words.strip("-")
    return words or fallback


def assign_keys(
    titles: Mapping[int, str],
    *,
    kept: Mapping[int, str] | None = None,
    taken: Collection[str] = (),
    types: Mapping[int, str] | None = None,
) -> dict[int, str]:
    """A unique key for every id of `titles`: `kept[id]` when given (a key the item already has),
    else the slug of its title; `taken` are keys already in use elsewhere (compared
    case-insensitively, as a person reads them)."""
    kept = kept or {}
    types = types or {}
    used = {key.casefold() for key in taken}
    keys: dict[int, str] = {}
    for id in sorted(titles):
        if id in kept and kept[id].casefold() not in used:
            keys[id] = kept[id]
            used.add(kept[id].casefold())
    for id in sorted(titles):
        if id in keys:
            continue
        base = slug(titles[id], fallback=slug(types.get(id, "item")))
        key = _first_free(_candidates(base, id), used)
        keys[id] = key
        used.add(key.casefold())
    return keys


def _candidates(base: str, id: int) -> Iterable[str]:
    yield base
    yield f"{base}-{id}"
    n = 2
    while True:
        yield f"{base}-{id}-{n}"
        n += 1


def _first_free(candidates: Iterable[str], used: Collection[str]) -> str:
    for candidate in candidates:
        if candidate.casefold() not in used:
            return candidate
    raise AssertionError("unreachable: the candidates never end")
