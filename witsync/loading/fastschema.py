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


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda value: first(value) and second(value)


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
    return lambda value: any(_is_type(value, name) for name in names)


def _const(argument: Any) -> Predicate:
    return lambda value: _json_equal(value, argument)


def _enum(argument: Any) -> Predicate:
    return lambda value: any(_json_equal(value, option) for option in argument)


def _minimum(argument: Any) -> Predicate:
    return lambda value: not _is_type(value, "number") or bool(value >= argument)


def _maximum(argument: Any) -> Predicate:
    return lambda value: not _is_type(value, "number") or bool(value <= argument)


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
    return all(
        not _json_equal(values[i], values[j])
        for i in range(len(values))
        for j in range(i + 1, len(values))
    )


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Predicate] = {}

    def compile(self, schema: Any) -> Predicate:
        if schema is True:
            return _always
        if schema is False:
            return _never
        checks: list[Predicate] = []
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS or (keyword in _OBJECT_KEYWORDS and keyword != "properties"):
                continue
            checks.append(self._keyword(keyword, argument, schema))
        if (_OBJECT_KEYWORDS & schema.keys()) and "properties" not in schema:
            checks.append(self._object(schema))
        if not checks:
            return _always
        combined = checks[0]
        for check in checks[1:]:
            combined = _both(combined, check)
        return combined

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
        if ref not in self.refs:
            # Bind lazily so recursive schemas (an item's children are items) compile.
            slot: list[Predicate] = []
            self.refs[ref] = lambda v: slot[0](v)
            target: Any = self.root
            for part in ref.lstrip("#").split("/")[1:]:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            slot.append(self.compile(target))
        return self.refs[ref]
