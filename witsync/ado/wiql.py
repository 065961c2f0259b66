"""Client-side WIQL: escaped literals, the managed-set query, id-range paging past 20,000 results.

The server caps a flat query at 20,000 results (VS402337) and silently truncates to `$top` below
that, with no continuation token. A query ordered by `[System.Id]` can still be read whole: ask
for `$top` rows, then for the same condition `AND [System.Id] > <last id>`, until a page comes
back short.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_. \-]*$")


def literal(value: str | int | float) -> str:
    """A WIQL constant: numbers as they are, strings in single quotes with quotes doubled."""
    if isinstance(value, bool):
        raise TypeError("WIQL has no boolean literal; compare with 'True' or 'False'")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"WIQL has no literal for {value}")
        # Plain positional digits: WIQL does not read exponents such as 1e-07.
        return format(Decimal(repr(value)), "f")
    return "'" + value.replace("'", "''") + "'"


def field(name: str) -> str:
    """A bracketed field name; WIQL cannot escape `]`, so only plain names are accepted."""
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"not a usable WIQL field name: {name!r}")
    return f"[{name}]"


@dataclass(frozen=True)
class FlatQuery:
    """`SELECT [System.Id] FROM WorkItems WHERE <condition> ORDER BY [System.Id]`, paged by id."""

    condition: str

    def text(self, after_id: int | None = None) -> str:
        condition = self.condition
        if after_id is not None:
            condition = f"({condition}) AND [System.Id] > {int(after_id)}"
        return f"SELECT [System.Id] FROM WorkItems WHERE {condition} ORDER BY [System.Id]"  # noqa: S608 - WIQL built from escaped literals


def managed_set(tag: str) -> FlatQuery:
    """Every item of the project carrying the scope tag (a whole-tag, case-insensitive match)."""
    return FlatQuery(f"[System.TeamProject] = @project AND [System.Tags] CONTAINS {literal(tag)}")


_TOKEN = re.compile(r"'(?:[^']|'')*'|\[[^\]]*\]|\w+|\s+|.", re.DOTALL)


def parse_flat(text: str) -> FlatQuery | None:
    """The condition of a flat query that can be paged by id, or None if `text` is anything else.

    Pageable means: `SELECT ... FROM WorkItems WHERE <condition> ORDER BY [System.Id] [ASC]` and
    nothing after (no ASOF, no other sort key). Keywords inside quoted strings or brackets are
    ignored, so a tag like 'x order by y' cannot fool the split.
    """
    tokens = _TOKEN.findall(text)
    words = [(i, token.upper()) for i, token in enumerate(tokens) if token.strip()]
    upper = [word for _, word in words]
    try:
        from_at = upper.index("FROM")
        where_at = upper.index("WHERE")
    except ValueError:
        return None
    if (
        upper[:1] != ["SELECT"]
        or upper[from_at + 1 : from_at + 2] != ["WORKITEMS"]
        or where_at != from_at + 2
    ):
        return None
    order_at = next(
        (
            k
            for k in range(where_at + 1, len(upper) - 1)
            if upper[k] == "ORDER" and upper[k + 1] == "BY"
        ),
        None,
    )
    if order_at is None:
        return None
    tail = upper[order_at + 2 :]
    if tail not in (["[SYSTEM.ID]"], ["[SYSTEM.ID]", "ASC"]):
        return None
    start = words[where_at][0] + 1
    end = words[order_at][0]
    condition = "".join(tokens[start:end]).strip()
    return FlatQuery(condition) if condition else None
