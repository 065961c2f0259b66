"""WIQL engine of the emulator: runs a query's text against the store as the service would.

The work is split by stage: `parse` turns the text into the syntax tree of `ast` (`wiql.lark`
is the grammar; `ast` also holds the context a query runs in and its result), `sql` compiles it
to parameterised SQL with the functions of `functions` and the dates of `dates`, and `links` runs
the link query modes. This module is the public API and runs flat queries, with the service's
result limits.

Answered differently from the service: ASOF and EVER see current values (no history is kept);
IN GROUP knows work item type categories only; team macros such as @CurrentIteration are
undefined (no team context).
"""

from __future__ import annotations

import sqlite3

from witsync.emulator.wiql.ast import LinkRow, Query, WiqlContext, WiqlResult
from witsync.emulator.wiql.errors import WiqlError, WiqlLimitError, caused, display_name
from witsync.emulator.wiql.functions import register_functions
from witsync.emulator.wiql.links import one_hop, split_where, tree
from witsync.emulator.wiql.parse import parse
from witsync.emulator.wiql.sql import Compiler

__all__ = ["WiqlContext", "WiqlError", "WiqlLimitError", "WiqlResult", "run_wiql"]


_LIMIT_MESSAGE = (
    "VS402337: The number of work items returned exceeds the size limit of {limit}. "
    "Change the query to return fewer items."
)
_MODES = {"mustcontain", "maycontain", "doesnotcontain", "recursive", "returnmatchingchildren"}


def run_wiql(conn: sqlite3.Connection, text: str, ctx: WiqlContext) -> WiqlResult:
    """Runs one WIQL query against the store of organization ctx.org."""
    query = parse(text)
    register_functions(conn)
    sql = Compiler(ctx, query.links)
    columns = tuple(sql.resolve(ref).ref for ref in query.columns)
    sort_columns = tuple((sql.resolve(key.field).ref, key.descending) for key in query.order)
    for at, (ref, _) in enumerate(sort_columns):
        if ref in (other for other, _ in sort_columns[:at]):
            message = "The ORDER BY list can not contain duplicate fields."
            raise caused(message, query.order[at].field.text)
    if not query.links:
        if query.modes:
            message = "The MODE keyword can not be used inside work item query."
            raise caused(message, query.mode_text)
        ids = _flat(conn, sql, query)
        return WiqlResult("flat", columns, sort_columns, ids, ())
    for name in query.modes:
        if name.lower() not in _MODES:
            raise caused("Unknown MODE parameter.", display_name(name))
    modes = {name.lower() for name in query.modes} - {"returnmatchingchildren"}
    if len(modes) > 1:
        raise caused("Unknown MODE parameter.", display_name(query.modes[-1]))
    mode = modes.pop() if modes else "mustcontain"
    source, linked = split_where(query.where)
    if mode == "recursive":
        relations = tree(conn, sql, query, source, linked)
    else:
        relations = one_hop(conn, sql, query, mode, source, linked)
    query_type = "tree" if mode == "recursive" else "oneHop"
    return WiqlResult(query_type, columns, sort_columns, (), _limited(relations, ctx))


def _limited(rows: list[LinkRow], ctx: WiqlContext) -> tuple[LinkRow, ...]:
    if ctx.top is not None and ctx.top < ctx.max_results:
        return tuple(rows[: ctx.top])
    if len(rows) > ctx.max_results:
        raise WiqlLimitError(_LIMIT_MESSAGE.format(limit=ctx.max_results))
    return tuple(rows)


def _flat(conn: sqlite3.Connection, sql: Compiler, query: Query) -> tuple[int, ...]:
    ctx = sql.ctx
    where = sql.where(query.where)
    order = [*sql.order_by(query.order, None), "s.id"]
    truncate = ctx.top is not None and ctx.top < ctx.max_results
    limit = sql.param(ctx.top if truncate else ctx.max_results + 1)
    # Compiler-built SQL only; every value from the query text is a parameter.
    statement = (
        f"SELECT s.id FROM work_items AS s WHERE s.org = :org AND s.deleted = 0 AND {where} "  # noqa: S608
        f"ORDER BY {', '.join(order)} LIMIT {limit}"
    )
    ids = tuple(row[0] for row in conn.execute(statement, sql.params))
    if not truncate and len(ids) > ctx.max_results:
        raise WiqlLimitError(_LIMIT_MESSAGE.format(limit=ctx.max_results))
    return ids
