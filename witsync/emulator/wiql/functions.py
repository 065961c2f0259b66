"""SQL functions for the matches plain SQL cannot express: identities, tree paths, tags, words."""

from __future__ import annotations

import re
import sqlite3
from functools import cache

_SqlValue = str | bytes | int | float | None


def _fold(value: _SqlValue) -> _SqlValue:
    """Case-insensitive comparison key; the same function runs in SQL (wiql_fold) and here."""
    return value.lower() if isinstance(value, str) else value


def identity_parts(value: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", value)
    return (match[1], match[2].strip()) if match else (value.strip(), "")


def _identity_match(stored: object, wanted: str) -> int:
    """An identity matches by its whole "Name <email>", its display name or its e-mail."""
    text = "" if stored is None else str(stored).lower()
    if text == wanted:
        return 1
    name, email = identity_parts(text)
    if not email and "@" in name:
        email = name  # stored as a bare e-mail
    wanted_name, wanted_email = identity_parts(wanted)
    if wanted_email:
        return int(bool(email) and email == wanted_email)
    return int(wanted_name in (name, email) and wanted_name != "")


def _under(stored: object, path: str) -> int:
    text = "" if stored is None else str(stored).lower()
    return int(text == path or text.startswith(path + "\\"))


def _has_tag(stored: object, tag: str) -> int:
    if stored is None:
        return 0
    return int(tag in (t.strip() for t in str(stored).lower().split(";")))


@cache
def _words_pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def _contains_words(stored: object, phrase: str) -> int:
    if stored is None or not phrase.strip():
        return 0
    return int(_words_pattern(phrase).search(str(stored)) is not None)


def register_functions(conn: sqlite3.Connection) -> None:
    """Adds the SQL functions once per connection (SQLite refuses to replace one mid-statement)."""
    try:
        conn.execute("SELECT wiql_words(NULL, '')").fetchone()
        return
    except sqlite3.OperationalError:  # no such function: not registered yet
        pass
    conn.create_function("wiql_fold", 1, _fold, deterministic=True)
    conn.create_function("wiql_identity", 2, _identity_match, deterministic=True)
    conn.create_function("wiql_under", 2, _under, deterministic=True)
    conn.create_function("wiql_tag", 2, _has_tag, deterministic=True)
    conn.create_function("wiql_words", 2, _contains_words, deterministic=True)
