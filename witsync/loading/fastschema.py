"""A JSON Schema compiled into plain Python predicates: a fast yes/no before the full validator.

`jsonschema` takes about 10 µs per value; 10,000 items would spend seconds there although
nearly every manifest is valid. This compiles the keywords our bundled schemas use into nested
closures that only answer "valid?". When the answer is no, the caller runs `jsonschema` for the
words and places of each error, so the messages come from one validator only. A keyword this
module does not know makes compilation fail, so a schema edit can never be silently ignored
(tests compile both bundled schemas and compare verdicts with `jsonschema`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
)


def compile_schema(schema: Mapping[str, Any]) -> Predicate:
    """A predicate equivalent to validating against `schema` (local `$ref`s only)."""
    return _Compiler(schema).compile(schema)


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise ValueError(f"unknown JSON Schema type {name!r}")


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


_OBJECT_KEYWORDS = frozenset(
    {"properties", "patternProperties", "additionalProperties", "required"}
)


def _all_of(checks: list[Predicate]) -> Predicate:
    """One predicate for every check of one schema (a closure per count: no loop, no chain)."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    if len(checks) == 3:
        first, second, third = checks
        return lambda value: first(value) and second(value) and third(value)
    if len(checks) == 4:  # a tag: type, minLength, maxLength, pattern
        first, second, third, fourth = checks
        return lambda value: first(value) and second(value) and third(value) and fourth(value)
    every = tuple(checks)
    return lambda value: all(check(value) for check in every)


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


def _type(argument: Any) -> Predicate:
    names = set(argument if isinstance(argument, list) else [argument])
    unknown = names - {"string", "object", "array", "null", "boolean", "integer", "number"}
    if unknown:
        raise ValueError(f"unknown JSON Schema type {sorted(unknown)[0]!r}")
    if names == {"string"}:  # the most common case, checked once per text value
        return lambda value: isinstance(value, str)
    # As `_is_type` answers for any of `names`, in one call (fields are often ["number", "null"]).
    classes = tuple(
        cls
        for name, cls in (("string", str), ("object", dict), ("array", list), ("boolean", bool))
        if name in names
    )
    null, number = "null" in names, "number" in names
    integer = "integer" in names and not number

    def check(value: Any) -> bool:
        if isinstance(value, classes):
            return True
        if value is None:
            return null
        if isinstance(value, bool):  # a boolean here is not one of `names` (1 is no true)
            return False
        if number:
            return isinstance(value, int | float)
        if integer:
            return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return False

    return check


def _const(argument: Any) -> Predicate:
    return lambda value: _json_equal(value, argument)


def _enum(argument: Any) -> Predicate:
    return lambda value: any(_json_equal(value, option) for option in argument)


def _not_number(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int | float)


def _minimum(argument: Any) -> Predicate:
    return lambda value: _not_number(value) or bool(value >= argument)


def _maximum(argument: Any) -> Predicate:
    return lambda value: _not_number(value) or bool(value <= argument)


def _min_length(argument: Any) -> Predicate:
    return lambda value: not isinstance(value, str) or len(value) >= argument


def _max_length(argument: Any) -> Predicate:
    return lambda value: not isinstance(value, str) or len(value) <= argument


def _min_items(argument: Any) -> Predicate:
    return lambda value: not isinstance(value, list) or len(value) >= argument


def _max_items(argument: Any) -> Predicate:
    return lambda value: not isinstance(value, list) or len(value) <= argument


_ENGINE_SPECIFIC = {
    "d": "[0-9]",  # Python's \d also takes other scripts' digits
    "D": "[^0-9]",
    "w": "an explicit class such as [A-Za-z0-9_]",  # Python's \w is Unicode-wide
    "W": "an explicit class",
    "s": "an explicit class",  # the engines disagree on what whitespace is
    "S": "an explicit class",
    "b": "an explicit class or a lookaround",
    "B": "an explicit class or a lookaround",
    "A": "^",
    "Z": "$(?!\\n)",  # not ECMA-262
    "z": "$(?!\\n)",
}
END = "$(?!\\n)"
"""The end of the value in both engines. Python's `$` alone also matches before a final line
break: `scope: "victim\\n"` would pass, and the board, which trims it, files the item under
another scope."""


def check_portable(pattern: str) -> str:
    """`pattern`, once sure that ECMA-262 (what JSON Schema and editors mean) and Python's `re`
    (what `jsonschema` and this module run) read it alike; else ValueError saying what to write.

    A schema whose pattern meant more in Python than in an editor would let exactly the values
    in between (a trailing line break, a non-ASCII digit) through witsync unseen."""
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped in _ENGINE_SPECIFIC:
                raise ValueError(
                    f"pattern {pattern!r}: \\{escaped} means something else in ECMA-262 and "
                    f"Python; write {_ENGINE_SPECIFIC[escaped]}"
                )
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            if pattern.startswith(("[]", "[^]"), index):  # ECMA-262: empty; Python: a ']'
                raise ValueError(f"pattern {pattern!r}: write a ']' in a class as \\]")
            in_class = True
        elif char == "$" and not pattern.startswith(END, index):
            raise ValueError(
                f"pattern {pattern!r}: a bare '$' also matches before a final line break in "
                f"Python; end the value with {END}"
            )
        index += 1
    return pattern


def _pattern(argument: Any) -> Predicate:
    search = re.compile(check_portable(argument)).search
    return lambda value: not isinstance(value, str) or search(value) is not None


def _unique_items(argument: Any) -> Predicate:
    return lambda value: not argument or not isinstance(value, list) or _unique(value)


_SIMPLE: dict[str, Callable[[Any], Predicate]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minItems": _min_items,
    "maxItems": _max_items,
    "pattern": _pattern,
    "uniqueItems": _unique_items,
}


def _unique(values: list[Any]) -> bool:
    if all(type(value) is str for value in values):  # tags, keys: equal as JSON iff equal
        return len(set(values)) == len(values)
    return all(
        not _json_equal(values[i], values[j])
        for i in range(len(values))
        for j in range(i + 1, len(values))
    )


_TEXT_WORDS = frozenset({"type", "minLength", "maxLength", "pattern"})
_NUMBER_WORDS = frozenset({"type", "minimum", "maximum"})
_NUMBER_TYPES = {
    frozenset({"number"}): (False, False),  # (null too, whole numbers only)
    frozenset({"number", "null"}): (True, False),
    frozenset({"integer"}): (False, True),
    frozenset({"integer", "null"}): (True, True),
}


def _fused(schema: Mapping[str, Any]) -> Predicate | None:
    """The shapes most manifest fields have (a bounded text; a number, maybe null, with bounds)
    as one closure instead of one per keyword: the same verdicts, several calls fewer per value."""
    words = schema.keys() - _ANNOTATIONS
    kind = schema.get("type")
    if kind == "string" and words <= _TEXT_WORDS:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = schema.get("pattern")
        search = re.compile(check_portable(pattern)).search if pattern is not None else None

        def text(value: Any) -> bool:
            return (
                isinstance(value, str)
                and len(value) >= low
                and (high is None or len(value) <= high)
                and (search is None or search(value) is not None)
            )

        return text
    names = frozenset(kind if isinstance(kind, list) else [kind])
    if words <= _NUMBER_WORDS and names in _NUMBER_TYPES:
        null, whole = _NUMBER_TYPES[names]
        minimum, maximum = schema.get("minimum"), schema.get("maximum")

        def number(value: Any) -> bool:
            if value is None:
                return null
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            if whole and isinstance(value, float) and not value.is_integer():
                return False
            return (minimum is None or bool(value >= minimum)) and (
                maximum is None or bool(value <= maximum)
            )

        return number
    return None


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Predicate] = {}
        self.compiling: set[str] = set()

    def compile(self, schema: Any) -> Predicate:
        if schema is True:
            return _always
        if schema is False:
            return _never
        fused = _fused(schema)
        if fused is not None:
            return fused
        checks: list[Predicate] = []
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS or (keyword in _OBJECT_KEYWORDS and keyword != "properties"):
                continue
            checks.append(self._keyword(keyword, argument, schema))
        if (_OBJECT_KEYWORDS & schema.keys()) and "properties" not in schema:
            checks.append(self._object(schema))
        if not checks:
            return _always
        return _all_of(checks)

    def _keyword(self, keyword: str, argument: Any, schema: Mapping[str, Any]) -> Predicate:
        """One keyword as a predicate; a keyword for another type accepts the value."""
        if keyword == "$ref":
            return self._ref(argument)
        if keyword == "properties":
            return self._object(schema)
        if keyword in _SIMPLE:
            return _SIMPLE[keyword](argument)
        if keyword in {"items", "propertyNames"}:
            each = self.compile(argument)
            container = list if keyword == "items" else dict

            def all_items(value: Any) -> bool:
                return not isinstance(value, container) or all(map(each, value))

            return all_items
        if keyword in {"anyOf", "oneOf", "allOf"}:
            parts = [self.compile(part) for part in argument]

            if keyword == "anyOf":
                if len(parts) == 2:  # `target`: a key or an id
                    first, second = parts
                    return lambda value: first(value) or second(value)
                return lambda value: any(part(value) for part in parts)
            if keyword == "allOf":
                return lambda value: all(part(value) for part in parts)
            return lambda value: sum(1 for part in parts if part(value)) == 1
        raise ValueError(f"fastschema does not support the keyword {keyword!r}")

    def _object(self, schema: Mapping[str, Any]) -> Predicate:
        """The object keywords in one pass over the mapping."""
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        patterns = [
            (re.compile(check_portable(pattern)).search, self.compile(sub))
            for pattern, sub in schema.get("patternProperties", {}).items()
        ]
        required = tuple(schema.get("required", ()))
        extra_schema = schema.get("additionalProperties", True)
        extra = self.compile(extra_schema)
        closed = extra_schema is False

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                predicate = properties.get(name)
                if predicate is not None:
                    if not predicate(item):
                        return False
                    continue
                matched = [sub for search, sub in patterns if search(name)]
                if matched:
                    if not all(sub(item) for sub in matched):
                        return False
                elif closed or not extra(item):
                    return False
            return True

        return check

    def _ref(self, ref: str) -> Predicate:
        if not ref.startswith("#"):
            raise ValueError(f"fastschema resolves local references only, not {ref!r}")
        if ref in self.refs:
            return self.refs[ref]
        refs = self.refs
        if ref in self.compiling:
            # Bound late only where a schema refers to itself (an item's children are items);
            # every other reference is its target's predicate itself: one call less per value.
            return lambda value: refs[ref](value)
        self.compiling.add(ref)
        target: Any = self.root
        for part in ref.lstrip("#").split("/")[1:]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        refs[ref] = self.compile(target)
        self.compiling.discard(ref)
        return refs[ref]
