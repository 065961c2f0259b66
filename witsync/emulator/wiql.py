"""WIQL engine of the emulator: parses a query with the lark grammar and runs it as SQL.

In order: the syntax tree and its parser (errors worded and tokens printed as the service's own
WIQL scanner does); literals, macros and the few SQL functions for matches plain SQL cannot
express (identities, tree paths, whole tags, words); the compiler to parameterised SQL over the
shared `work_items`/`links` tables; and the runner for flat, one-hop and tree queries with the
service's result limits.

Answered differently from the service: ASOF and EVER see current values (no history is kept);
IN GROUP knows work item type categories only; team macros such as @CurrentIteration are
undefined (no team context).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

MAX_WIQL_LENGTH = 32000
LINK_TYPE_FIELD = "System.Links.LinkType"
_HIERARCHY_FORWARD = "System.LinkTypes.Hierarchy-Forward"
# Friendly link-end names that queries may use instead of reference names.
_LINK_NAMES = {
    "child": _HIERARCHY_FORWARD,
    "parent": "System.LinkTypes.Hierarchy-Reverse",
    "related": "System.LinkTypes.Related",
    "successor": "System.LinkTypes.Dependency-Forward",
    "predecessor": "System.LinkTypes.Dependency-Reverse",
}
# Work item type categories of the Agile, Scrum, Basic and CMMI processes, for IN GROUP.
_CATEGORIES = {
    "microsoft.requirementcategory": ("User Story", "Product Backlog Item", "Issue", "Requirement"),
    "microsoft.taskcategory": ("Task",),
    "microsoft.bugcategory": ("Bug",),
    "microsoft.featurecategory": ("Feature",),
    "microsoft.epiccategory": ("Epic",),
    "microsoft.testcasecategory": ("Test Case",),
    "microsoft.testplancategory": ("Test Plan",),
    "microsoft.testsuitecategory": ("Test Suite",),
    "microsoft.sharedstepcategory": ("Shared Steps",),
    "microsoft.sharedparametercategory": ("Shared Parameter",),
}
# Stored fields that are real columns of work_items: reading them needs no JSON parse.
_COLUMNS = {"System.Id": "id", "System.Rev": "rev", "System.TeamProject": "project"}
_KIND_BY_WIRE_TYPE = {
    "integer": "number",
    "double": "number",
    "picklistinteger": "number",
    "picklistdouble": "number",
    "datetime": "date",
    "boolean": "bool",
    "identity": "identity",
    "treepath": "path",
    "html": "longtext",
    "plaintext": "longtext",
    "history": "longtext",
}


class WiqlError(Exception):
    """A refused query: `message` is the full server text, `type_key` its exception name."""

    def __init__(self, message: str, type_key: str = "VssPropertyValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.type_key = type_key


class WiqlLimitError(WiqlError):
    """More results than the service returns (VS402337)."""

    def __init__(
        self,
        message: str,
        type_key: str = "WorkItemTrackingQueryResultSizeLimitExceededException",
    ) -> None:
        super().__init__(message, type_key)


@dataclass(frozen=True)
class WiqlContext:
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
    query_type: str
    columns: tuple[str, ...]
    sort_columns: tuple[tuple[str, bool], ...]
    work_item_ids: tuple[int, ...]
    relations: tuple[tuple[str | None, int | None, int], ...]


def _caused(message: str, token: str) -> WiqlError:
    return WiqlError(f"{message} The error is caused by «{token}».")


# ---------------------------------------------------------------- syntax tree

Prefix = Literal["source", "target"] | None


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


def _unquote(text: str) -> str:
    quote = text[0]
    return text[1:-1].replace(quote * 2, quote)


def _display_name(name: str) -> str:
    """A name as the service prints it in errors: bracketed unless it is letters and digits."""
    plain = name[:1].isalpha() and all(c.isalnum() for c in name)
    return name if plain else f"[{name}]"


def _display_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _display(token: Token) -> str:
    """A token as the service's parser prints it in «...»."""
    if token.type == "STRING":
        return _display_string(_unquote(token))
    if token.type == "BRACKETED":
        return _display_name(token[1:-1])
    if token.type == "NAME":
        return _display_name(str(token))
    return str(token)


def _field_ref(parts: list[Token]) -> FieldRef:
    names = [p[1:-1] if p.startswith("[") else str(p) for p in parts]
    for part, name in zip(parts, names, strict=True):
        if not name:
            raise _caused("Empty identifier is not allowed.", str(part))
    if len(parts) == 1:
        return FieldRef(None, names[0], _display_name(names[0]))
    prefix = names[0].lower()
    if prefix not in ("source", "target"):
        raise _caused(
            'TF400578: You must specify either "Source" or "Target" as the prefix of a field that '
            "references a linked work item. For example: Source.[System.TeamProject].",
            _display_name(names[0]),
        )
    return FieldRef(prefix, names[1], _display_name(names[1]))  # type: ignore[arg-type]


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
                raise _caused(_DUPLICATE[name], keyword)
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
        _parse_date(Const("string", _unquote(tok), _display(tok)), time_allowed=True)
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
                    raise _caused("Expecting closing quote.", _display_string(rest))
                if text[end + 1 : end + 2] != char:
                    break
                end += 2  # a doubled quote inside the string
            at = end + 1
        elif char == "[":
            end = text.find("]", at)
            if end < 0:
                raise _caused("Expecting closing square bracket.", f"[{text[at + 1 :]}]")
            at = end + 1
        else:
            at += 1


def _syntax_error(error: UnexpectedInput, text: str) -> WiqlError:
    if isinstance(error, UnexpectedCharacters):
        return _caused(_expectation(set(error.allowed), None), error.char)
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
        return _caused("TF51009: The query specifies an unknown table.", _display(token))
    message = _expectation(expected - {"$END"} if token.type != "$END" else expected, previous)
    if token.type == "$END":
        # At the end of the text the service has no token to name.
        return WiqlError(message)
    return _caused(message, _display(token))


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


# ------------------------------------------------------------------ literals

_SqlValue = str | bytes | int | float | None

_DATE_FORMATS = ("%m/%d/%Y", "%m-%d-%Y")
_DATETIME_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
)


def _parse_date(const: Const, *, time_allowed: bool) -> dt.datetime:
    """A date literal as naive UTC; under day precision a time part is refused, as on the server."""
    text = str(const.value).strip()
    value: dt.datetime | None = None
    has_time = False
    try:
        parsed = dt.datetime.fromisoformat(text)
        has_time = "T" in text.upper() or ":" in text
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        value = parsed
    except ValueError:
        for fmt in _DATE_FORMATS + _DATETIME_FORMATS:
            try:
                value = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            has_time = fmt in _DATETIME_FORMATS
            break
    if value is None:
        raise _caused("TF51000: An unsupported date format.", const.text)
    if has_time and not time_allowed:
        raise _caused(
            "You cannot supply a time with the date when running a query using date precision.",
            const.text,
        )
    return value


def _shift(day: dt.date, amount: int, unit: str) -> dt.date:
    if unit == "d":
        return day + dt.timedelta(days=amount)
    if unit == "w":
        return day + dt.timedelta(weeks=amount)
    months = day.year * 12 + day.month - 1 + (amount * 12 if unit == "y" else amount)
    return day.replace(year=months // 12, month=months % 12 + 1)


def _macro_date(const: Const, today: dt.date) -> dt.date:
    name = str(const.value)
    starts = {
        "today": today,
        "startofday": today,
        # Azure Boards weeks start on Sunday.
        "startofweek": today - dt.timedelta(days=(today.weekday() + 1) % 7),
        "startofmonth": today.replace(day=1),
        "startofyear": today.replace(month=1, day=1),
    }
    unit = {"today": "d", "startofday": "d", "startofweek": "w", "startofmonth": "m"}.get(name, "y")
    day = starts[name] + dt.timedelta(days=const.offset)
    if const.arg is not None:
        match = re.fullmatch(r"\s*([+-])\s*(\d+)\s*([dwmy]?)\s*", const.arg, re.IGNORECASE)
        if match is None:
            raise _caused("The macro argument is not valid.", const.text)
        amount = int(match[2]) * (-1 if match[1] == "-" else 1)
        day = _shift(day, amount, (match[3] or unit).lower())
    return day


def _fold(value: _SqlValue) -> _SqlValue:
    """Case-insensitive comparison key; the same function runs in SQL (wiql_fold) and here."""
    return value.lower() if isinstance(value, str) else value


def _identity_parts(value: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", value)
    return (match[1], match[2].strip()) if match else (value.strip(), "")


def _identity_match(stored: object, wanted: str) -> int:
    """An identity matches by its whole "Name <email>", its display name or its e-mail."""
    text = "" if stored is None else str(stored).lower()
    if text == wanted:
        return 1
    name, email = _identity_parts(text)
    if not email and "@" in name:
        email = name  # stored as a bare e-mail
    wanted_name, wanted_email = _identity_parts(wanted)
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


def _register(conn: sqlite3.Connection) -> None:
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


# ------------------------------------------------------------------ compiler

_TEXT_KINDS = ("string", "longtext", "identity", "path", "tags", "link")
_ORDERING = ("<", ">", "<=", ">=")
_TREE_OPERATOR = "The specified operator cannot be used with area path fields."
_NEGATED = {
    "<>": "=",
    "NOT IN": "IN",
    "NOT CONTAINS": "CONTAINS",
    "NOT CONTAINS WORDS": "CONTAINS WORDS",
    "NOT UNDER": "UNDER",
    "IS NOT EMPTY": "IS EMPTY",
    "NOT IN GROUP": "IN GROUP",
}
_UNKNOWN_FIELD = "TF51005: The query references a field that does not exist."
_INCOMPATIBLE = (
    "TF212023: You cannot compare fields with different data types in the WHERE clause of a work "
    "item query."
)


@dataclass(frozen=True)
class _Field:
    ref: str
    kind: str  # string | longtext | number | date | bool | identity | path | tags | link


class _Compiler:
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

    def resolve(self, ref: FieldRef) -> _Field:
        if ref.name.lower() == LINK_TYPE_FIELD.lower() and ref.prefix is None and self.links:
            return _Field(LINK_TYPE_FIELD, "link")
        if ref.prefix == "target" and not self.links:
            raise _caused("Expecting field name.", "[Target]")
        found = self.ctx.resolve_field(ref.name)
        if found is None:
            raise _caused(_UNKNOWN_FIELD, ref.text)
        refname, _, wire_type = found
        if refname == "System.Tags":
            return _Field(refname, "tags")
        return _Field(refname, _KIND_BY_WIRE_TYPE.get(wire_type.lower(), "string"))

    def value(self, ref: FieldRef) -> tuple[_Field, str]:
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

    def key(self, field: _Field, value: str, ascii_literals: bool = False) -> str:
        """An expression that compares and sorts as the service does for the field's type.

        Against ASCII literals, SQLite's own ASCII lower() decides the same as the full fold (a
        non-ASCII character never equals an ASCII one either way) without a Python call per row.
        """
        if field.kind in _TEXT_KINDS:
            fold = "lower" if ascii_literals else "wiql_fold"
            return f"{fold}(coalesce({value}, ''))"
        if field.kind == "date":
            return f"julianday({value})" if self.ctx.time_precision else f"substr({value}, 1, 10)"
        return value

    # -- literals

    def literal(self, field: _Field, const: Const) -> object:
        """The literal converted to the field's type (folded for text), macros expanded."""
        value = const.value
        if const.kind == "macro":
            expanded = self.macro(const)
            if isinstance(expanded, dt.date):
                if field.kind == "date":
                    return self.date_param(dt.datetime.combine(expanded, dt.time()))
                expanded = expanded.isoformat()
            value = expanded
        if field.kind in _TEXT_KINDS:
            text = const.text if const.kind == "number" else str(value)
            if field.kind == "link":
                text = _LINK_NAMES.get(text.lower(), text)
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
        return self.date_param(_parse_date(const, time_allowed=self.ctx.time_precision))

    def date_param(self, moment: dt.datetime) -> str:
        if self.ctx.time_precision:
            return moment.isoformat(sep=" ")
        return moment.date().isoformat()

    def bad_value(self, field: _Field, const: Const) -> WiqlError:
        return _caused(_INCOMPATIBLE, const.text)

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
            return _macro_date(const, self.ctx.today)
        # Team macros (@CurrentIteration, @TeamAreas) need a team context, which is not modelled.
        raise WiqlError(f"The macro '{const.text.split()[0].split('(')[0]}' is not defined.")

    # -- conditions

    def where(self, expr: Expr | None) -> str:
        """The WHERE condition, with the raw-text filters of its top-level positive conditions
        moved to the front: every row then meets the cheap LIKEs before any JSON is parsed."""
        if expr is None:
            return "1"
        conjuncts = expr.items if isinstance(expr, Junction) and expr.op == "AND" else (expr,)
        hoisted: list[str] = []
        parts = []
        for conjunct in conjuncts:
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
            self.check_operator(op, field, cond)
        if op == "IS EMPTY":
            return f"coalesce({value}, '') = ''"
        if op == "IN GROUP":
            return self.in_category(cond, field, value)
        if isinstance(operand, FieldRef):
            other, other_value = self.value(operand)
            if "longtext" in (field.kind, other.kind):
                raise _caused(
                    "TF212025: You cannot compare long text, HTML, or history fields to other "
                    "fields in the WHERE clause of a work item query.",
                    operand.text,
                )
            if other.kind != field.kind:
                raise _caused(_INCOMPATIBLE, operand.text)
            if (
                "target" in (cond.field.prefix, operand.prefix)
                and cond.field.prefix != operand.prefix
            ):
                raise _caused(
                    "TF212024: To find work items by comparing fields of linked work items, you "
                    "can only specify fields that belong to the same endpoint of the work item "
                    "link. You cannot compare fields that belong to different endpoints of a "
                    "linked work item.",
                    operand.text,
                )
            return f"{self.key(field, value)} {_sql_op(op)} {self.key(other, other_value)}"
        if op == "IN":
            assert isinstance(operand, tuple)
            if field.kind == "identity":
                return " OR ".join(self.identity(value, field, c) for c in operand)
            literals = [self.literal(field, c) for c in operand]
            ascii_only = all(str(v).isascii() for v in literals)
            items = ", ".join(self.param(v) for v in literals)
            check = f"{self.key(field, value, ascii_only)} IN ({items})"
            if field.kind in _TEXT_KINDS:
                return self.raw_filter(cond.field, field, *map(str, literals)) + check
            return check
        assert isinstance(operand, Const)
        if op in ("=", "EVER") and operand.kind == "string" and operand.value == "":
            # `= ''` is how queries ask for an empty field, whatever its type.
            return f"coalesce({value}, '') = ''"
        if op in ("=", "EVER") and field.kind == "identity":
            wanted = str(self.literal(field, operand))
            needle = _identity_parts(wanted)[1] or wanted
            return self.raw_filter(cond.field, field, needle) + self.identity(value, field, operand)
        if op in ("=", "<", ">", "<=", ">=", "EVER"):
            typed = self.literal(field, operand)
            if field.kind in _TEXT_KINDS or field.kind in ("number", "bool"):
                key = self.key(field, value, str(typed).isascii())
                check = f"{key} {_sql_op(op)} {self.param(typed)}"
                if op in ("=", "EVER") and field.kind in _TEXT_KINDS:
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

    def raw_filter(self, ref: FieldRef, field: _Field, *needles: str) -> str:
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

    def check_operator(self, op: str, field: _Field, cond: Cond) -> None:
        """Refuses an operator the service does not allow on the field's type, in its words."""
        kind = field.kind
        message = None
        if op == "EVER" and self.links:
            message = "The EVER operator can not be used inside link queries."
        elif op == "EVER" and kind == "date" and not self.ctx.time_precision:
            message = (
                "The EVER operator cannot be used to query a date type field using date precision."
            )
        elif op == "UNDER" and kind != "path":
            message = "TF51012: The UNDER operator can only be used with classification fields."
        elif kind == "path" and op in (*_ORDERING, "CONTAINS", "CONTAINS WORDS"):
            message = _TREE_OPERATOR
        elif op in ("CONTAINS", "CONTAINS WORDS") and kind not in _TEXT_KINDS:
            message = "Operator CONTAINS can be used with string type fields only."
        elif kind == "longtext" and op not in ("CONTAINS", "CONTAINS WORDS", "IS EMPTY"):
            message = "The specified operator cannot be used with long-text fields."
        elif kind == "link" and op not in ("=", "IN"):
            message = "The operator can not be used with Link Type field."
        if message is not None:
            raise _caused(message, cond.field.text)

    def in_category(self, cond: Cond, field: _Field, value: str) -> str:
        """IN GROUP over work item type categories; security groups are not modelled."""
        assert isinstance(cond.operand, Const)
        if field.ref != "System.WorkItemType":
            raise _caused(
                "IN GROUP is only supported for work item type categories.", cond.field.text
            )
        types = _CATEGORIES.get(str(cond.operand.value).lower())
        if types is None:
            raise _caused("The work item type category does not exist.", cond.operand.text)
        items = ", ".join(self.param(t.lower()) for t in types)
        return f"lower(coalesce({value}, '')) IN ({items})"

    def identity(self, value: str, field: _Field, const: Const) -> str:
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
                raise _caused(
                    "The work item link field can not be used inside work item query.", ref.text
                )
            if field.kind in ("longtext", "tags"):
                raise _caused("The specified field cannot be sorted by.", ref.text)
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


# ------------------------------------------------------------------ running

_LIMIT_MESSAGE = (
    "VS402337: The number of work items returned exceeds the size limit of {limit}. "
    "Change the query to return fewer items."
)
_MODES = {"mustcontain", "maycontain", "doesnotcontain", "recursive", "returnmatchingchildren"}
_JOIN = (
    "JOIN links AS l ON l.org = s.org AND l.source = s.id "
    "JOIN work_items AS t ON t.org = l.org AND t.id = l.target AND t.deleted = 0"
)


def run_wiql(conn: sqlite3.Connection, text: str, ctx: WiqlContext) -> WiqlResult:
    """Runs one WIQL query against the store of organization ctx.org."""
    query = parse(text)
    _register(conn)
    sql = _Compiler(ctx, query.links)
    columns = tuple(sql.resolve(ref).ref for ref in query.columns)
    sort_columns = tuple((sql.resolve(key.field).ref, key.descending) for key in query.order)
    for at, (ref, _) in enumerate(sort_columns):
        if ref in (other for other, _ in sort_columns[:at]):
            message = "The ORDER BY list can not contain duplicate fields."
            raise _caused(message, query.order[at].field.text)
    if not query.links:
        if query.modes:
            message = "The MODE keyword can not be used inside work item query."
            raise _caused(message, query.mode_text)
        ids = _flat(conn, sql, query)
        return WiqlResult("flat", columns, sort_columns, ids, ())
    for name in query.modes:
        if name.lower() not in _MODES:
            raise _caused("Unknown MODE parameter.", _display_name(name))
    modes = {name.lower() for name in query.modes} - {"returnmatchingchildren"}
    if len(modes) > 1:
        raise _caused("Unknown MODE parameter.", _display_name(query.modes[-1]))
    mode = modes.pop() if modes else "mustcontain"
    source, linked = _split(query.where)
    if mode == "recursive":
        relations = _tree(conn, sql, query, source, linked)
    else:
        relations = _one_hop(conn, sql, query, mode, source, linked)
    query_type = "tree" if mode == "recursive" else "oneHop"
    return WiqlResult(query_type, columns, sort_columns, (), _limited(relations, ctx))


def _limited(rows: list[_Row], ctx: WiqlContext) -> tuple[_Row, ...]:
    if ctx.top is not None and ctx.top < ctx.max_results:
        return tuple(rows[: ctx.top])
    if len(rows) > ctx.max_results:
        raise WiqlLimitError(_LIMIT_MESSAGE.format(limit=ctx.max_results))
    return tuple(rows)


def _flat(conn: sqlite3.Connection, sql: _Compiler, query: Query) -> tuple[int, ...]:
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


_Row = tuple[str | None, int | None, int]


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


def _split(where: Expr | None) -> tuple[Expr | None, Expr | None]:
    """Splits a link query's WHERE into the source part and the link-and-target part."""
    if where is None:
        return None, None
    items = where.items if isinstance(where, Junction) and where.op == "AND" else (where,)
    source: list[Expr] = []
    linked: list[Expr] = []
    for item in items:
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
    conn: sqlite3.Connection, sql: _Compiler, query: Query, source: Expr | None
) -> list[int]:
    order = [*sql.order_by(query.order, "source"), "s.id"]
    # Compiler-built SQL only; every value from the query text is a parameter.
    statement = (
        "SELECT s.id FROM work_items AS s WHERE s.org = :org AND s.deleted = 0 "  # noqa: S608
        f"AND {sql.where(source)} ORDER BY {', '.join(order)}"
    )
    return [row[0] for row in conn.execute(statement, sql.params)]


def _links(
    conn: sqlite3.Connection, sql: _Compiler, query: Query, linked: Expr | None, sources: str
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


def _one_hop(
    conn: sqlite3.Connection,
    sql: _Compiler,
    query: Query,
    mode: str,
    source: Expr | None,
    linked: Expr | None,
) -> list[_Row]:
    sources = _sources(conn, sql, query, source)
    links = _links(conn, sql, query, linked, sql.where(source))
    rows: list[_Row] = []
    for source_id in sources:
        found = links.get(source_id, [])
        if (mode == "mustcontain" and not found) or (mode == "doesnotcontain" and found):
            continue
        rows.append((None, None, source_id))
        if mode != "doesnotcontain":
            rows.extend((rel, source_id, target_id) for rel, target_id in found)
    return rows


def _check_tree_link(expr: Expr | None, sql: _Compiler) -> None:
    """MODE (Recursive) needs exactly one link type, and a tree one (the forward hierarchy)."""
    items = expr.items if isinstance(expr, Junction) and expr.op == "AND" else (expr,)
    named = [
        item
        for item in items
        if isinstance(item, Cond)
        and item.op == "="
        and isinstance(item.operand, Const)
        and sql.resolve(item.field).kind == "link"
    ]
    if len(named) != 1:
        raise WiqlError("Tree query must contain one and only one link type.")
    link = named[0]
    assert isinstance(link.operand, Const)
    if sql.literal(sql.resolve(link.field), link.operand) != _HIERARCHY_FORWARD.lower():
        raise _caused(
            "The specified link type can not be used with recursive tree query.", link.operand.text
        )


def _tree(
    conn: sqlite3.Connection,
    sql: _Compiler,
    query: Query,
    source: Expr | None,
    linked: Expr | None,
) -> list[_Row]:
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
    rows: list[_Row] = []
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
