"""WIQL text to syntax tree with the lark grammar, refusals worded as the service's scanner does."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from witsync.emulator.wiql.ast import (
    Cond,
    Const,
    Expr,
    FieldRef,
    Junction,
    Negation,
    Query,
    SortKey,
)
from witsync.emulator.wiql.dates import parse_date
from witsync.emulator.wiql.errors import WiqlError, caused, display_name, display_string

MAX_WIQL_LENGTH = 32000


def _unquote(text: str) -> str:
    quote = text[0]
    return text[1:-1].replace(quote * 2, quote)


def _display(token: Token) -> str:
    """A token as the service's parser prints it in «...»."""
    if token.type == "STRING":
        return display_string(_unquote(token))
    if token.type == "BRACKETED":
        return display_name(token[1:-1])
    if token.type == "NAME":
        return display_name(str(token))
    return str(token)


def _field_ref(parts: list[Token]) -> FieldRef:
    names = [p[1:-1] if p.startswith("[") else str(p) for p in parts]
    for part, name in zip(parts, names, strict=True):
        if not name:
            raise caused("Empty identifier is not allowed.", str(part))
    if len(parts) == 1:
        return FieldRef(None, names[0], display_name(names[0]))
    prefix = names[0].lower()
    if prefix not in ("source", "target"):
        raise caused(
            'TF400578: You must specify either "Source" or "Target" as the prefix of a field that '
            "references a linked work item. For example: Source.[System.TeamProject].",
            display_name(names[0]),
        )
    return FieldRef(prefix, names[1], display_name(names[1]))  # type: ignore[arg-type]


def _cond(op: str) -> Callable[[object, list[object]], Cond]:
    def build(_: object, children: list[object]) -> Cond:
        field, *rest = children
        assert isinstance(field, FieldRef)
        if op == "compare":
            # == and != are the service's aliases of = and <>.
            symbol = {"==": "=", "!=": "<>"}.get(str(rest[0]), str(rest[0]))
            return Cond(field, symbol, rest[1])  # type: ignore[arg-type]
        if op in ("IN", "NOT IN"):
            return Cond(field, op, tuple(rest))  # type: ignore[arg-type]
        return Cond(field, op, rest[-1] if rest else None)  # type: ignore[arg-type]

    return build


_DUPLICATE = {
    "where": "A duplicate  WHERE part of SELECT query has been found.",  # two spaces, as served
    "order": "A duplicate ORDER BY part of SELECT query has been found.",
    "asof": "TF51002: The query statement contains a duplicate ASOF element.",
    "mode": "A duplicate MODE part of SELECT query has been found.",
}


class _ToQuery(Transformer[Token, Query]):
    """Turns the parse tree into the frozen syntax tree above."""

    compare = _cond("compare")
    ever = _cond("EVER")
    in_ = _cond("IN")
    not_in = _cond("NOT IN")
    in_group = _cond("IN GROUP")
    not_in_group = _cond("NOT IN GROUP")
    contains = _cond("CONTAINS")
    not_contains = _cond("NOT CONTAINS")
    contains_words = _cond("CONTAINS WORDS")
    not_contains_words = _cond("NOT CONTAINS WORDS")
    under = _cond("UNDER")
    not_under = _cond("NOT UNDER")
    is_empty = _cond("IS EMPTY")
    is_not_empty = _cond("IS NOT EMPTY")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def field(self, parts: list[Token]) -> FieldRef:
        return _field_ref(parts)

    def field_operand(self, parts: list[Token]) -> FieldRef:
        return _field_ref(parts)

    def columns(self, fields: list[FieldRef]) -> tuple[FieldRef, ...]:
        return tuple(fields)

    def all_columns(self, _: list[object]) -> tuple[FieldRef, ...]:
        return ()

    def and_(self, items: list[Expr]) -> Junction:
        return _junction("AND", items)

    def or_(self, items: list[Expr]) -> Junction:
        return _junction("OR", items)

    def not_(self, items: list[Expr]) -> Negation:
        return Negation(items[0])

    def never(self, items: list[Expr]) -> Negation:
        return Negation(_ever(items[0]))

    def ever_prefix(self, items: list[Any]) -> Expr:
        return _ever(items[1])

    @v_args(inline=True)
    def string(self, tok: Token) -> Const:
        return Const("string", _unquote(tok), _display(tok))

    @v_args(inline=True)
    def number(self, tok: Token) -> Const:
        return Const("number", float(tok), str(tok))

    @v_args(inline=True)
    def true(self, tok: Token) -> Const:
        return Const("bool", True, str(tok))

    @v_args(inline=True)
    def false(self, tok: Token) -> Const:
        return Const("bool", False, str(tok))

    @v_args(inline=True)
    def macro(self, tok: Token) -> Const:
        return Const("macro", tok[1:].lower(), str(tok))

    @v_args(inline=True)
    def macro_offset(self, tok: Token, sign: Token, number: Token) -> Const:
        if not re.fullmatch(r"\d+", number):
            raise WiqlError("TF51016: The value for an add or subtract operator must be a number.")
        offset = int(number) * (-1 if sign == "-" else 1)
        return Const("macro", tok[1:].lower(), f"{tok} {sign} {number}", offset=offset)

    @v_args(inline=True)
    def macro_call(self, tok: Token, arg: Token) -> Const:
        return Const("macro", tok[1:].lower(), f"{tok}({_display(arg)})", arg=_unquote(arg))

    def start(self, parts: list[Any]) -> Query:
        columns, source, *clauses = parts
        found: dict[str, Any] = {}
        mode_text = "MODE"
        for name, value, keyword in clauses:
            if name in found:
                raise caused(_DUPLICATE[name], keyword)
            found[name] = value
            if name == "mode":
                mode_text = keyword
        links = source.lower() == "workitemlinks"
        return Query(
            columns, links, found.get("where"), found.get("order", ()), found.get("mode", ()),
            mode_text,
        )  # fmt: skip

    @v_args(inline=True)
    def source(self, tok: Token) -> str:
        return str(tok)

    def keyword(self, meta: Any, length: int) -> str:
        return self.text[meta.start_pos : meta.start_pos + length]

    @v_args(meta=True)
    def where(self, meta: Any, children: list[Expr]) -> tuple[str, Expr, str]:
        return ("where", children[0], self.keyword(meta, 5))

    @v_args(meta=True)
    def order(self, meta: Any, keys: list[SortKey]) -> tuple[str, tuple[SortKey, ...], str]:
        return ("order", tuple(keys), self.keyword(meta, 5))

    def sort_key(self, parts: list[Any]) -> SortKey:
        words = [str(p).lower() for p in parts[1:]]
        nulls_first = None if "nulls" not in words else "first" in words
        return SortKey(parts[0], "desc" in words, nulls_first)

    @v_args(meta=True)
    def asof(self, meta: Any, children: list[Token]) -> tuple[str, str, str]:
        # No history is kept: ASOF is checked for a valid date and answered with current values.
        tok = children[0]
        parse_date(Const("string", _unquote(tok), _display(tok)), time_allowed=True)
        return ("asof", str(tok), self.keyword(meta, 4))

    @v_args(meta=True)
    def mode(self, meta: Any, names: list[Token]) -> tuple[str, tuple[str, ...], str]:
        return ("mode", tuple(str(n) for n in names), self.keyword(meta, 4))


def _ever(expr: Expr) -> Expr:
    """EVER is answered with current values, but only where the service allows it."""
    if isinstance(expr, Cond) and expr.op in ("=", "EVER", "CONTAINS"):
        return Cond(expr.field, "EVER", expr.operand) if expr.op == "=" else expr
    raise WiqlError(
        'TF51003: The EVER operator can only be used in conjunction with the "=" or "contains" '
        "operators."
    )


def _junction(op: Literal["AND", "OR"], items: list[Expr]) -> Junction:
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Junction) and item.op == op else [item])
    return Junction(op, tuple(flat))


@cache
def _parser() -> Lark:
    grammar = Path(__file__).with_name("wiql.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", maybe_placeholders=False, propagate_positions=True)


_CONSTANTS = {"STRING", "NUMBER", "MACRO", "TRUE", "FALSE"}


def _expectation(expected: set[str], previous: str | None) -> str:
    """The service's message for what its parser expected where ours stopped.

    Our LALR states map onto the hand-written scanner's checkpoints; the wording (and the
    "left bracket" for a missing ")") is the service's.
    """
    if "FROM" in expected:
        return "TF51006: The query statement is missing a FROM clause."
    if "WORKITEMS" in expected:
        return "Expecting table name."
    if expected == {"BY"}:
        return "Expecting BY."
    if "COMPARE" in expected:
        return "Expecting comparison operator."
    if expected == {"NAME"}:
        return "Expecting MODE."
    if "BRACKETED" in expected and expected & _CONSTANTS:
        return "Expecting field name or expression."
    if expected & {"NAME", "BRACKETED"}:
        return "Expecting field name."
    if expected & _CONSTANTS:
        if previous == "UNDER":
            return "Expecting expression."
        if previous in ("CONTAINS", "WORDS"):
            return "Expecting field name or expression."
        return "Expecting constant value."
    if "LPAR" in expected:
        return "Expecting left bracket."
    if "RPAR" in expected:
        # A missing ")" after a group is reported as a left bracket by the service too.
        return "Expecting right bracket." if "COMMA" in expected else "Expecting left bracket."
    return "Expecting end of string."


def _check_closed(text: str) -> None:
    """Finds an unclosed quote or bracket the way the service's lexer does, before parsing."""
    at = 0
    while at < len(text):
        char = text[at]
        if char in "'\"":
            end = at + 1
            while True:
                end = text.find(char, end)
                if end < 0:
                    rest = text[at + 1 :].replace(char * 2, char)
                    raise caused("Expecting closing quote.", display_string(rest))
                if text[end + 1 : end + 2] != char:
                    break
                end += 2  # a doubled quote inside the string
            at = end + 1
        elif char == "[":
            end = text.find("]", at)
            if end < 0:
                raise caused("Expecting closing square bracket.", f"[{text[at + 1 :]}]")
            at = end + 1
        else:
            at += 1


def _syntax_error(error: UnexpectedInput, text: str) -> WiqlError:
    if isinstance(error, UnexpectedCharacters):
        return caused(_expectation(set(error.allowed), None), error.char)
    assert isinstance(error, UnexpectedToken)
    token = error.token
    expected = set(error.interactive_parser.accepts())  # type: ignore[no-untyped-call]
    history = error.token_history or []
    previous = history[-1].type if history else None
    if expected == {"EMPTY", "NOT"}:
        return WiqlError("Expecting either 'empty' or 'not empty' after 'is'")
    if expected == {"EMPTY"}:
        return WiqlError("Expecting 'empty' after 'is not'")
    before = re.search(r"(@\w+)\s*([+-])\s*$", text[: token.start_pos or 0])
    if expected == {"NUMBER"} and before is not None:
        return WiqlError(f"Expecting a number after '{before[1]} {before[2]}'")
    if "WORKITEMS" in expected and token.type == "NAME":
        return caused("TF51009: The query specifies an unknown table.", _display(token))
    message = _expectation(expected - {"$END"} if token.type != "$END" else expected, previous)
    if token.type == "$END":
        # At the end of the text the service has no token to name.
        return WiqlError(message)
    return caused(message, _display(token))


def parse(text: str) -> Query:
    """Parses WIQL text into a syntax tree; raises WiqlError with the server's wording."""
    if len(text) > MAX_WIQL_LENGTH:
        raise WiqlError(
            "VS403309: Query WIQL text length exceeded the limit. It should contain no more than "
            f"{MAX_WIQL_LENGTH} characters.",
            "WorkItemTrackingQueryMaxWiqlTextLengthLimitExceededException",
        )
    if not re.match(r"\s*select\b", text, re.IGNORECASE):
        raise WiqlError("The query object must provide valid WIQL.")
    _check_closed(text)
    try:
        tree = _parser().parse(text)
        query: Query = _ToQuery(text).transform(tree)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    except VisitError as error:
        if isinstance(error.orig_exc, WiqlError):
            raise error.orig_exc from None
        raise
    return query
