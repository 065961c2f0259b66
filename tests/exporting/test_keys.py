"""Keys from titles: readable, valid, unique and the same on every export."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from witsync.exporting.keys import MAX_SLUG, assign_keys, slug

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def test_titles_become_slugs() -> None:
    assert slug("Sign in with Microsoft") == "sign-in-with-microsoft"
    assert slug("Crème brûlée: v2.0 (beta)!") == "creme-brulee-v2-0-beta"
    assert slug("日本語") == "item"
    assert slug("   ", fallback="task") == "task"
    long = slug("word " * 40)
    assert len(long) <= MAX_SLUG
    assert not long.endswith("-")
    assert long.startswith("word-word")


def test_the_lower_id_keeps_a_shared_slug_and_marked_items_keep_their_key() -> None:
    keys = assign_keys(
        {7: "Fix login", 3: "Fix login", 5: "Anything", 9: ""},
        kept={5: "billing"},
        taken={"fix-login-7"},
        types={9: "User Story"},
    )
    assert keys == {3: "fix-login", 5: "billing", 7: "fix-login-7-2", 9: "user-story"}


@given(titles=st.dictionaries(st.integers(1, 10_000), st.text(max_size=30), max_size=30))
def test_keys_are_valid_unique_and_stable(titles: dict[int, str]) -> None:
    keys = assign_keys(titles)
    assert set(keys) == set(titles)
    assert all(KEY.match(key) for key in keys.values())
    assert len({key.casefold() for key in keys.values()}) == len(keys)
    assert assign_keys(dict(reversed(list(titles.items())))) == keys
