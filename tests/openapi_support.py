"""Microsoft's OpenAPI document for Work Item Tracking as an oracle: its operations, which of them
the emulator routes, their recorded examples, and how an answer is checked against them.

The documents are copied unchanged into tests/reference/openapi/ (see the README there). The
replay of examples (setup, adapted request) is in openapi_replay; this module holds no I/O but
reading those files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from starlette.applications import Starlette

from witsync.emulator.app import routed

REFERENCE = Path(__file__).parent / "reference" / "openapi"
METHODS = ("get", "put", "post", "patch", "delete", "head")


@dataclass(frozen=True)
class Operation:
    """One documented operation: `query` is the fixed query of an `x-ms-paths` entry (`ids={ids}`),
    which is what tells it from the operation at the same path."""

    id: str
    method: str
    template: str
    query: str
    parameters: tuple[dict[str, Any], ...]
    responses: dict[str, Any] = field(hash=False, compare=False)
    consumes: tuple[str, ...]
    examples: tuple[tuple[str, str], ...]  # (title, path relative to httpExamples/)

    @property
    def label(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.template.removeprefix('/{organization}')}{query}"

    def parameter(self, name: str) -> dict[str, Any] | None:
        for p in self.parameters:
            if p["name"] == name:
                return p
        return None

    def path_names(self) -> list[str]:
        return re.findall(r"\{([^}]+)\}", self.template)


@dataclass(frozen=True)
class Example:
    """A recorded request/response pair of one operation."""

    operation: Operation
    title: str
    file: str  # relative to httpExamples/, as spelled on disk
    data: dict[str, Any] = field(hash=False, compare=False)
    version: str = "7.1"  # of the document it belongs to

    def __repr__(self) -> str:
        return f"Example({self.file})"

    @property
    def status(self) -> int:
        return int(next(iter(self.data["responses"])))

    @property
    def body(self) -> Any:
        return next(iter(self.data["responses"].values())).get("body")

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.data.get("parameters") or {})

    @property
    def api_version(self) -> float | None:
        """The api-version the example was recorded with (`4.0-preview.2` → 4.0), if it says."""
        sources = [self.request_url or "", str(self.parameters.get("accept", ""))]
        sources.append(f"api-version={self.parameters.get('api-version', '')}")
        for text in sources:
            match = re.search(r"api-version=(\d+\.\d+)", text)
            if match:
                return float(match[1])
        return None

    @property
    def request_url(self) -> str | None:
        url = self.data.get("x-ms-vss-request-url")
        return str(url) if url else None


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8-sig"))


@cache
def document(version: str = "7.1") -> dict[str, Any]:
    return dict(_read(REFERENCE / version / "workItemTracking.json"))


@cache
def _example_files(version: str) -> dict[str, str]:
    """Lower-cased relative path → as spelled on disk (the document's `$ref`s differ in case)."""
    root = REFERENCE / version / "httpExamples"
    return {
        p.relative_to(root).as_posix().lower(): p.relative_to(root).as_posix()
        for p in root.rglob("*.json")
    }


@cache
def operations(version: str = "7.1") -> tuple[Operation, ...]:
    doc = document(version)
    found: list[Operation] = []
    for section in ("paths", "x-ms-paths"):
        for key, item in doc.get(section, {}).items():
            template, _, query = key.partition("?")
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in METHODS:
                    continue
                params = tuple(_resolve(doc, p) for p in [*shared, *op.get("parameters", [])])
                examples = tuple(
                    (title, _example_path(version, ref["$ref"]))
                    for title, ref in op.get("x-ms-examples", {}).items()
                )
                found.append(
                    Operation(
                        id=op["operationId"],
                        method=method.upper(),
                        template=template,
                        query=query,
                        parameters=params,
                        responses=op["responses"],
                        consumes=tuple(op.get("consumes", ())),
                        examples=examples,
                    )
                )
    return tuple(found)


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


def _example_path(version: str, ref: str) -> str:
    relative = ref.removeprefix("./").removeprefix("httpExamples/")
    return _example_files(version).get(relative.lower(), relative)


def examples(op: Operation, version: str = "7.1") -> list[Example]:
    root = REFERENCE / version / "httpExamples"
    return [
        Example(op, title, path, _read(root / path), version)
        for title, path in op.examples
        if (root / path).exists()
    ]


# -- served: the emulator's own route table decides -----------------------------------------------

SAMPLE_GUID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def sample_path(op: Operation) -> str:
    """The operation's path with every parameter filled in with a value of its documented type."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        p = op.parameter(name) or {}
        if p.get("enum"):
            return str(p["enum"][0])
        if p.get("type") == "integer":
            return "1"
        if p.get("format") == "uuid":
            return SAMPLE_GUID
        return {"organization": "org", "project": "Project", "team": "Team"}.get(name, "x")

    return re.sub(r"\{([^}]+)\}", value, op.template)


def is_served(app: Starlette, op: Operation) -> bool:
    return routed(app, op.method, sample_path(op))


def served_operations(app: Starlette, version: str = "7.1") -> list[Operation]:
    return [op for op in operations(version) if is_served(app, op)]


# -- checks of one answer against the example and the schema --------------------------------------


def response_schema(op: Operation, status: int) -> dict[str, Any] | None:
    response = op.responses.get(str(status)) or op.responses.get("200") or {}
    schema = response.get("schema")
    return dict(schema) if schema else None


def unwrapped(schema: dict[str, Any] | None, body: Any) -> Any:
    """The wire wraps arrays as `{"count", "value"}`; the document (and some examples) do not."""
    if (
        schema is not None
        and schema.get("type") == "array"
        and isinstance(body, dict)
        and set(body) == {"count", "value"}
    ):
        return body["value"]
    return body


def schema_problems(
    op: Operation, status: int, actual: Any, example: Any, version: str = "7.1"
) -> list[str]:
    """Where `actual` breaks the response schema (`$ref`s resolved against the document's
    definitions), except for the rules the example breaks too: the examples were captured from
    the service, so where they and the schema disagree the example wins (`shape_problems` then
    holds the answer to the example's shape). A rule is its place in the schema, so the example's
    `fields` holding strings excuses the answer's strings in any field, where the schema says
    object."""
    schema = response_schema(op, status)
    if schema is None or schema.get("type") == "file" or schema.get("format") == "Stream":
        return []
    validator = Draft4Validator({**schema, "definitions": document(version)["definitions"]})
    excused = {
        (tuple(map(str, e.absolute_schema_path)), _kind(e.instance))
        for e in validator.iter_errors(unwrapped(schema, example))
    }
    problems = []
    for error in validator.iter_errors(unwrapped(schema, actual)):
        if (tuple(map(str, error.absolute_schema_path)), _kind(error.instance)) in excused:
            continue
        problems.append(f"schema: /{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return problems


def problems(example: Example, actual: Any) -> list[str]:
    """Everything in `actual`, the answer to `example`'s request, that the example and the
    response schema (of the example's document) say is wrong."""
    op = example.operation
    schema = response_schema(op, example.status)
    found = schema_problems(op, example.status, actual, example.body, example.version)
    old_identities = (example.api_version or 99.0) < 5.0
    return found + shape_problems(
        unwrapped(schema, example.body), unwrapped(schema, actual), old_identities=old_identities
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


ALWAYS_PRESENT = ("url", "_links")


OLD_IDENTITY = re.compile(r"^[^<>]*<[^<>@\s]+@[^<>\s]+>$")


def shape_problems(
    example: Any, actual: Any, where: str = "", *, old_identities: bool = False
) -> list[str]:
    """Where `actual` has not the example's shape: every value present in both has the example's
    JSON type (an identity the example shows as an object is an object, a string stays a string),
    and an object that has `url` or `_links` in the example has them in the answer. Values the
    example has and the answer lacks are not problems (the data differ), nor `null`s (the schema
    check holds those: a null is a problem unless the example has one at the same place of the
    schema).

    `old_identities`: the example was recorded before api-version 5.0, which wrote identities as
    `"Name <email>"` strings (ado-api-facts §4); 7.1 writes IdentityRef objects there."""
    if example is None or actual is None:
        return []
    if (
        old_identities
        and isinstance(example, str)
        and OLD_IDENTITY.match(example)
        and isinstance(actual, dict)
        and {"displayName", "uniqueName"} <= actual.keys()
    ):
        return []
    if _kind(example) != _kind(actual):
        return [f"shape: {where or '/'}: {_kind(actual)} where the example has {_kind(example)}"]
    found: list[str] = []
    if isinstance(example, dict):
        for key in ALWAYS_PRESENT:
            if key in example and key not in actual:
                found.append(f"shape: {where or '/'}: no `{key}` (the example has one)")
        for key in example.keys() & actual.keys():
            found += shape_problems(
                example[key], actual[key], f"{where}/{key}", old_identities=old_identities
            )
    elif isinstance(example, list) and example:
        for index, value in enumerate(actual):
            model = example[index] if index < len(example) else example[-1]
            found += shape_problems(model, value, f"{where}/{index}", old_identities=old_identities)
    return found


# -- the README's list ----------------------------------------------------------------------------


def operations_list(app: Starlette, version: str = "7.1") -> str:
    """The README's list of the document's operations, served or not, with the count."""
    ops = operations(version)
    served = [op for op in ops if is_served(app, op)]
    lines = [
        f"The emulator serves **{len(served)} of the {len(ops)} operations** of Microsoft's "
        f"OpenAPI document for Work Item Tracking {version} (`tests/reference/openapi/`; "
        "served means routed, and every recorded example of a served operation is replayed by "
        "`tests/emulator/test_openapi_conformance.py`):",
        "",
        "| operation | request | served |",
        "|---|---|---|",
    ]
    for op in sorted(ops, key=lambda o: (o.id.split("_")[0], o.template, o.method, o.query)):
        mark = ("yes" if op.examples else "yes (no recorded example)") if op in served else "—"
        lines.append(f"| {op.id.replace('_', ': ', 1)} | `{op.label}` | {mark} |")
    return "\n".join(lines)
