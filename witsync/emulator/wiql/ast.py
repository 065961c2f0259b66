"""WIQL values: the parsed query (a frozen syntax tree), the context it runs in, its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# The field of a link query that reads the link itself rather than either end.
LINK_TYPE_FIELD = "System.Links.LinkType"

Prefix = Literal["source", "target"] | None
# One result row of a link query: (link type, source id, target id); a top-level item of a tree
# has no link or source.
LinkRow = tuple[str | None, int | None, int]


@dataclass(frozen=True)
class FieldRef:
    prefix: Prefix
    name: str  # without brackets
    text: str  # as written, for error messages


@dataclass(frozen=True)
class Const:
    kind: Literal["string", "number", "bool", "macro"]
    value: str | float | bool
    text: str
    offset: int = 0  # @today - 3
    arg: str | None = None  # @StartOfMonth('-1M')


@dataclass(frozen=True)
class Cond:
    field: FieldRef
    op: str
    operand: Const | FieldRef | tuple[Const, ...] | None


@dataclass(frozen=True)
class Junction:
    op: Literal["AND", "OR"]
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Negation:
    item: Expr


Expr = Cond | Junction | Negation


def conjuncts(expr: Expr | None) -> tuple[Expr, ...]:
    """The conditions that must all hold: the items of a top-level AND, else the expression."""
    if expr is None:
        return ()
    return expr.items if isinstance(expr, Junction) and expr.op == "AND" else (expr,)


@dataclass(frozen=True)
class SortKey:
    field: FieldRef
    descending: bool = False
    nulls_first: bool | None = None  # None: the default, empty values first when ascending


@dataclass(frozen=True)
class Query:
    columns: tuple[FieldRef, ...]  # empty for SELECT *
    links: bool
    where: Expr | None
    order: tuple[SortKey, ...]
    modes: tuple[str, ...]
    mode_text: str  # the MODE keyword as written, for error messages


@dataclass(frozen=True)
class WiqlContext:
    """What a query runs against: the organization, project, caller, day and field catalogue."""

    org: str
    project: str | None
    me: str
    today: dt.date
    resolve_field: Callable[[str], tuple[str, str, str] | None]
    top: int | None = None
    time_precision: bool = False
    max_results: int = 20000


@dataclass(frozen=True)
class WiqlResult:
    """A query's answer: work item ids for a flat query, (link type, source, target) otherwise."""

    query_type: str
    columns: tuple[str, ...]
    sort_columns: tuple[tuple[str, bool], ...]
    work_item_ids: tuple[int, ...]
    relations: tuple[LinkRow, ...]
