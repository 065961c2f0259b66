"""Compiles WIQL conditions and sort keys to parameterised SQL over `work_items` and `links`."""

from __future__ import annotations

import datetime as dt
import json
import re

from witsync.emulator.wiql.ast import (
    Cond,
    Const,
    Expr,
    FieldRef,
    Junction,
    Negation,
    Prefix,
    SortKey,
    WiqlContext,
    conjuncts,
)
from witsync.emulator.wiql.dates import macro_date, parse_date
from witsync.emulator.wiql.errors import WiqlError, caused
from witsync.emulator.wiql.functions import identity_parts
from witsync.emulator.wiql.kinds import (
    INCOMPATIBLE,
    LINK_NAMES,
    TEXT_KINDS,
    Field,
    category_types,
    check_field_comparison,
    check_operator,
    field_of,
)

# Stored fields that are real columns of work_items: reading them needs no JSON parse.
_COLUMNS = {"System.Id": "id", "System.Rev": "rev", "System.TeamProject": "project"}
_NEGATED = {
    "<>": "=",
    "NOT IN": "IN",
    "NOT CONTAINS": "CONTAINS",
    "NOT CONTAINS WORDS": "CONTAINS WORDS",
    "NOT UNDER": "UNDER",
    "IS NOT EMPTY": "IS EMPTY",
    "NOT IN GROUP": "IN GROUP",
}


class Compiler:
    """Builds SQL over work_items (s; t for [Target]) and links (l), every value a parameter."""

    def __init__(self, ctx: WiqlContext, links: bool) -> None:
        self.ctx = ctx
        self.links = links
        self.params: dict[str, object] = {"org": ctx.org}
        # While set, raw-text filters are collected here instead of inlined (see `where`).
        self.hoisted: list[str] | None = None

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def resolve(self, ref: FieldRef) -> Field:
        return field_of(self.ctx, ref, self.links)

    def value(self, ref: FieldRef) -> tuple[Field, str]:
        """The field and the SQL expression of its stored value."""
        field = self.resolve(ref)
        if field.kind == "link":
            return field, "l.rel"
        alias = "t" if ref.prefix == "target" else "s"
        column = _COLUMNS.get(field.ref)
        if column is not None:
            return field, f"{alias}.{column}"
        path = self.param('$."' + field.ref + '"')
        return field, f"json_extract({alias}.fields, {path})"

    def key(self, field: Field, value: str, ascii_literals: bool = False) -> str:
        """An expression that compares and sorts as the service does for the field's type.

        Against ASCII literals, SQLite's own ASCII lower() decides the same as the full fold (a
        non-ASCII character never equals an ASCII one either way) without a Python call per row.
        """
        if field.kind in TEXT_KINDS:
            fold = "lower" if ascii_literals else "wiql_fold"
            return f"{fold}(coalesce({value}, ''))"
        if field.kind == "date":
            return f"julianday({value})" if self.ctx.time_precision else f"substr({value}, 1, 10)"
        return value

    # -- literals

    def literal(self, field: Field, const: Const) -> object:
        """The literal converted to the field's type (folded for text), macros expanded."""
        value = const.value
        if const.kind == "macro":
            expanded = self.macro(const)
            if isinstance(expanded, dt.date):
                if field.kind == "date":
                    return self.date_param(dt.datetime.combine(expanded, dt.time()))
                expanded = expanded.isoformat()
            value = expanded
        if field.kind in TEXT_KINDS:
            text = const.text if const.kind == "number" else str(value)
            if field.kind == "link":
                text = LINK_NAMES.get(text.lower(), text)
            return text.lower()
        if field.kind == "number":
            try:
                return float(value)
            except ValueError:
                raise self.bad_value(field, const) from None
        if field.kind == "bool":
            if isinstance(value, bool):
                return int(value)
            if str(value).lower() in ("true", "false"):
                return int(str(value).lower() == "true")
            raise self.bad_value(field, const)
        # dates
        if const.kind != "string":
            raise self.bad_value(field, const)
        return self.date_param(parse_date(const, time_allowed=self.ctx.time_precision))

    def date_param(self, moment: dt.datetime) -> str:
        if self.ctx.time_precision:
            return moment.isoformat(sep=" ")
        return moment.date().isoformat()

    def bad_value(self, field: Field, const: Const) -> WiqlError:
        return caused(INCOMPATIBLE, const.text)

    def macro(self, const: Const) -> str | dt.date:
        name = str(const.value)
        if name == "me":
            return self.ctx.me
        if name == "project":
            if self.ctx.project is None:
                raise WiqlError(
                    "Queries with an @project clause can only be executed on the project "
                    "specific WIQL endpoint."
                )
            return self.ctx.project
        if name in ("today", "startofday", "startofweek", "startofmonth", "startofyear"):
            return macro_date(const, self.ctx.today)
        # Team macros (@CurrentIteration, @TeamAreas) need a team context, which is not modelled.
        raise WiqlError(f"The macro '{const.text.split()[0].split('(')[0]}' is not defined.")

    # -- conditions

    def where(self, expr: Expr | None) -> str:
        """The WHERE condition, with the raw-text filters of its top-level positive conditions
        moved to the front: every row then meets the cheap LIKEs before any JSON is parsed."""
        if expr is None:
            return "1"
        hoisted: list[str] = []
        parts = []
        for conjunct in conjuncts(expr):
            # A filter is only a necessary condition of a condition that is not negated.
            positive = isinstance(conjunct, Cond) and conjunct.op not in _NEGATED
            self.hoisted = hoisted if positive else None
            parts.append(self.expr(conjunct))
            self.hoisted = None
        return "(" + " AND ".join([*hoisted, *parts]) + ")"

    def expr(self, expr: Expr) -> str:
        if isinstance(expr, Junction):
            return "(" + f" {expr.op} ".join(self.expr(item) for item in expr.items) + ")"
        if isinstance(expr, Negation):
            return f"(NOT {self.expr(expr.item)})"
        plain = self.column_condition(expr)
        if plain is not None:
            return plain
        positive = _NEGATED.get(expr.op, expr.op)
        # Each leaf is 0 or 1, never NULL, so NOT and <> include empty fields as the service does.
        # CASE WHEN (not coalesce) keeps SQLite's short-circuit AND, so the cheap raw-text filter
        # spares most rows the JSON parse and the Python functions.
        sql = f"(CASE WHEN {self.condition(expr, positive)} THEN 1 ELSE 0 END)"
        return f"(NOT {sql})" if positive != expr.op else sql

    def column_condition(self, cond: Cond) -> str | None:
        """A number comparison on a NOT NULL column, left bare so SQLite can use the (org, id)
        key: paging by `[System.Id] > n` then reads one page, not the whole table."""
        if cond.op not in ("=", "<>", "<", ">", "<=", ">=", "IN", "NOT IN"):
            return None
        operands = cond.operand if isinstance(cond.operand, tuple) else (cond.operand,)
        if not all(isinstance(c, Const) and c.kind == "number" for c in operands):
            return None
        field, value = self.value(cond.field)
        if field.ref not in ("System.Id", "System.Rev"):
            return None
        items = ", ".join(self.param(self.literal(field, c)) for c in operands)  # type: ignore[arg-type]
        if cond.op in ("IN", "NOT IN"):
            return f"{value} {cond.op} ({items})"
        return f"{value} {cond.op} {items}"

    def condition(self, cond: Cond, op: str) -> str:
        field, value = self.value(cond.field)
        operand = cond.operand
        if not isinstance(operand, FieldRef):
            precision = self.ctx.time_precision
            check_operator(op, field, cond, links=self.links, time_precision=precision)
        if op == "IS EMPTY":
            return f"coalesce({value}, '') = ''"
        if op == "IN GROUP":
            return self.in_category(cond, field, value)
        if isinstance(operand, FieldRef):
            other, other_value = self.value(operand)
            check_field_comparison(cond, field, operand, other)
            return f"{self.key(field, value)} {_sql_op(op)} {self.key(other, other_value)}"
        if op == "IN":
            assert isinstance(operand, tuple)
            if field.kind == "identity":
                return " OR ".join(self.identity(value, field, c) for c in operand)
            literals = [self.literal(field, c) for c in operand]
            ascii_only = all(str(v).isascii() for v in literals)
            items = ", ".join(self.param(v) for v in literals)
            check = f"{self.key(field, value, ascii_only)} IN ({items})"
            if field.kind in TEXT_KINDS:
                return self.raw_filter(cond.field, field, *map(str, literals)) + check
            return check
        assert isinstance(operand, Const)
        if op in ("=", "EVER") and operand.kind == "string" and operand.value == "":
            # `= ''` is how queries ask for an empty field, whatever its type.
            return f"coalesce({value}, '') = ''"
        if op in ("=", "EVER") and field.kind == "identity":
            wanted = str(self.literal(field, operand))
            needle = identity_parts(wanted)[1] or wanted
            return self.raw_filter(cond.field, field, needle) + self.identity(value, field, operand)
        if op in ("=", "<", ">", "<=", ">=", "EVER"):
            typed = self.literal(field, operand)
            if field.kind in TEXT_KINDS or field.kind in ("number", "bool"):
                key = self.key(field, value, str(typed).isascii())
                check = f"{key} {_sql_op(op)} {self.param(typed)}"
                if op in ("=", "EVER") and field.kind in TEXT_KINDS:
                    if field.ref in _COLUMNS and str(typed).isascii():
                        # LIKE without wildcards is equality ignoring ASCII case, and C-fast.
                        pattern = self.param(_like_escape(str(typed)))
                        return f"{value} LIKE {pattern} ESCAPE '\\'"
                    return self.raw_filter(cond.field, field, str(typed)) + check
                return check
            rhs = self.param(typed)
            if self.ctx.time_precision:
                rhs = f"julianday({rhs})"
            return f"{self.key(field, value)} {_sql_op(op)} {rhs}"
        literal = str(self.literal(field, operand))
        if op == "CONTAINS" and field.kind == "tags":
            literal = literal.strip()
            check = f"wiql_tag({value}, {self.param(literal)})"
        elif op == "CONTAINS":
            key = self.key(field, value, literal.isascii())
            check = f"instr({key}, {self.param(literal)}) > 0"
        elif op == "CONTAINS WORDS":
            check = f"wiql_words({value}, {self.param(literal)})"
            literal = max(literal.split(), key=len, default="")
        else:  # UNDER, on a tree path (checked above)
            literal = literal.rstrip("\\")
            check = f"wiql_under({value}, {self.param(literal)})"
        return self.raw_filter(cond.field, field, literal) + check

    def raw_filter(self, ref: FieldRef, field: Field, *needles: str) -> str:
        """A cheap test on the raw JSON text that every match passes, followed by AND.

        Most rows then fail without their JSON being parsed. A lower-cased ASCII needle appears,
        JSON-escaped, in the text of any item whose field matches it ignoring ASCII case, which is
        what LIKE does (SQLite's default; case_sensitive_like must stay off).
        """
        if field.kind == "link" or field.ref in _COLUMNS:
            return ""
        if not needles or not all(needle and needle.isascii() for needle in needles):
            return ""
        alias = "t" if ref.prefix == "target" else "s"
        tests = []
        for needle in needles:
            pattern = self.param("%" + _like_escape(json.dumps(needle)[1:-1]) + "%")
            tests.append(f"{alias}.fields LIKE {pattern} ESCAPE '\\'")
        test = "(" + " OR ".join(tests) + ")"
        if self.hoisted is not None:
            self.hoisted.append(test)
            return ""
        return test + " AND "

    def in_category(self, cond: Cond, field: Field, value: str) -> str:
        """IN GROUP over work item type categories; security groups are not modelled."""
        types = category_types(cond, field)
        items = ", ".join(self.param(t.lower()) for t in types)
        return f"lower(coalesce({value}, '')) IN ({items})"

    def identity(self, value: str, field: Field, const: Const) -> str:
        return f"wiql_identity({value}, {self.param(self.literal(field, const))})"

    def order_by(self, order: tuple[SortKey, ...], side: Prefix) -> list[str]:
        """ORDER BY terms for one side of a link query (or the flat query when side is None)."""
        terms = []
        for sort in order:
            ref = sort.field
            wanted = ref.prefix or "source"
            # Unprefixed sort fields order the sources and, within each source, the targets.
            shared = side == "target" and ref.prefix is None
            if side is not None and wanted != side and not shared:
                continue
            if side == "target" and ref.prefix is None:
                ref = FieldRef("target", ref.name, ref.text)
            field, value = self.value(ref)
            if field.kind == "link":
                raise caused(
                    "The work item link field can not be used inside work item query.", ref.text
                )
            if field.kind in ("longtext", "tags"):
                raise caused("The specified field cannot be sorted by.", ref.text)
            if sort.nulls_first is not None:
                empties = f"coalesce({value}, '') = ''"
                terms.append(empties + (" DESC" if sort.nulls_first else ""))
            key = f"julianday({value})" if field.kind == "date" else self.key(field, value)
            terms.append(key + (" DESC" if sort.descending else ""))
        return terms


def _like_escape(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def _sql_op(op: str) -> str:
    return "=" if op == "EVER" else op
