"""Link queries (FROM WorkItemLinks): the one-hop modes and the recursive tree."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from witsync.emulator.linktypes import CHILD
from witsync.emulator.wiql.ast import (
    LINK_TYPE_FIELD,
    Cond,
    Const,
    Expr,
    FieldRef,
    Junction,
    LinkRow,
    Negation,
    Query,
    conjuncts,
)
from witsync.emulator.wiql.errors import WiqlError, caused
from witsync.emulator.wiql.sql import Compiler

# From a source (s) through its links (l) to the live targets (t).
_JOIN = (
    "JOIN links AS l ON l.org = s.org AND l.source = s.id "
    "JOIN work_items AS t ON t.org = l.org AND t.id = l.target AND t.deleted = 0"
)


def _sides(expr: Expr) -> Iterator[str]:
    """Which parts of a link query an expression reads: source, target or link."""
    if isinstance(expr, Junction):
        for item in expr.items:
            yield from _sides(item)
    elif isinstance(expr, Negation):
        yield from _sides(expr.item)
    else:
        for ref in (expr.field, expr.operand):
            if isinstance(ref, FieldRef):
                if ref.prefix is None and ref.name.lower() == LINK_TYPE_FIELD.lower():
                    yield "link"
                else:
                    yield ref.prefix or "source"


def split_where(where: Expr | None) -> tuple[Expr | None, Expr | None]:
    """Splits a link query's WHERE into the source part and the link-and-target part."""
    if where is None:
        return None, None
    source: list[Expr] = []
    linked: list[Expr] = []
    for item in conjuncts(where):
        sides = set(_sides(item))
        if sides <= {"source"}:
            source.append(item)
        elif "source" not in sides:
            linked.append(item)
        else:
            raise WiqlError("The link query can not mix expression with different prefixes.")

    def join(parts: list[Expr]) -> Expr | None:
        return None if not parts else parts[0] if len(parts) == 1 else Junction("AND", tuple(parts))

    return join(source), join(linked)


def _sources(
    conn: sqlite3.Connection, sql: Compiler, query: Query, source: Expr | None
) -> list[int]:
    order = [*sql.order_by(query.order, "source"), "s.id"]
    # Compiler-built SQL only; every value from the query text is a parameter.
    statement = (
        "SELECT s.id FROM work_items AS s WHERE s.org = :org AND s.deleted = 0 "  # noqa: S608
        f"AND {sql.where(source)} ORDER BY {', '.join(order)}"
    )
    return [row[0] for row in conn.execute(statement, sql.params)]


def _links(
    conn: sqlite3.Connection, sql: Compiler, query: Query, linked: Expr | None, sources: str
) -> dict[int, list[tuple[str, int]]]:
    """Links from the sources selected by SQL `sources` whose link and target conditions hold.

    Grouped by source id, with the targets in ORDER BY order.
    """
    order = [*sql.order_by(query.order, "target"), "t.id"]
    # Compiler-built SQL only; every value from the query text is a parameter.
    statement = (
        f"SELECT l.source, l.rel, t.id FROM work_items AS s {_JOIN} WHERE s.org = :org "  # noqa: S608
        f"AND s.deleted = 0 AND {sources} AND {sql.where(linked)} ORDER BY {', '.join(order)}"
    )
    found: dict[int, list[tuple[str, int]]] = {}
    for source_id, rel, target_id in conn.execute(statement, sql.params):
        found.setdefault(source_id, []).append((rel, target_id))
    return found


def one_hop(
    conn: sqlite3.Connection,
    sql: Compiler,
    query: Query,
    mode: str,
    source: Expr | None,
    linked: Expr | None,
) -> list[LinkRow]:
    sources = _sources(conn, sql, query, source)
    links = _links(conn, sql, query, linked, sql.where(source))
    rows: list[LinkRow] = []
    for source_id in sources:
        found = links.get(source_id, [])
        if (mode == "mustcontain" and not found) or (mode == "doesnotcontain" and found):
            continue
        rows.append((None, None, source_id))
        if mode != "doesnotcontain":
            rows.extend((rel, source_id, target_id) for rel, target_id in found)
    return rows


def _check_tree_link(expr: Expr | None, sql: Compiler) -> None:
    """MODE (Recursive) needs exactly one link type, and a tree one (the forward hierarchy)."""
    named = [
        item
        for item in conjuncts(expr)
        if isinstance(item, Cond)
        and item.op == "="
        and isinstance(item.operand, Const)
        and sql.resolve(item.field).kind == "link"
    ]
    if len(named) != 1:
        raise WiqlError("Tree query must contain one and only one link type.")
    link = named[0]
    assert isinstance(link.operand, Const)
    if sql.literal(sql.resolve(link.field), link.operand) != CHILD.lower():
        raise caused(
            "The specified link type can not be used with recursive tree query.", link.operand.text
        )


def tree(
    conn: sqlite3.Connection,
    sql: Compiler,
    query: Query,
    source: Expr | None,
    linked: Expr | None,
) -> list[LinkRow]:
    """MODE (Recursive): roots match the source conditions; children follow the tree link down."""
    _check_tree_link(linked, sql)
    sources = _sources(conn, sql, query, source)
    # Fetched level by level: only the links below the sources are read.
    children: dict[int, list[tuple[str, int]]] = {}
    below: set[int] = set()
    expanded: set[int] = set()
    frontier = sources
    ids = sql.param("[]")
    while frontier:
        expanded.update(frontier)
        sql.params[ids[1:]] = json.dumps(frontier)
        in_frontier = f"s.id IN (SELECT value FROM json_each({ids}))"  # noqa: S608
        level = _links(conn, sql, query, linked, in_frontier)
        children.update(level)
        found = [child for links in level.values() for _, child in links]
        below.update(found)
        frontier = list(dict.fromkeys(c for c in found if c not in expanded))
    rows: list[LinkRow] = []
    shown: set[int] = set()  # guards against a cycle the store should never hold
    for root in sources:
        if root in below:
            continue  # shown under its parent instead
        rows.append((None, None, root))
        shown.add(root)
        walk = [(rel, root, child) for rel, child in reversed(children.get(root, []))]
        while walk:
            rel, parent, child = walk.pop()
            if child in shown:
                continue
            shown.add(child)
            rows.append((rel, parent, child))
            walk.extend((r, child, c) for r, c in reversed(children.get(child, [])))
    return rows
