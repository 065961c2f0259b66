"""Custom processes from YAML (`witsync serve --process FILE`): every problem at FILE:LINE:COLUMN.

A file describes an inherited process as an organization's admin makes one: its base (Agile,
Scrum, Basic, CMMI), the fields it adds (`Custom.*`: type, picklist), and per work item type the
fields added, hidden or made required, their defaults, and added states; a type the base lacks is
a new type with its own states. The shape is checked against schemas/process.schema.json, the
meaning here (fields that exist, defaults a picklist allows, states not listed twice...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from witsync.emulator.processdefs import CATEGORIES, COLORS, FieldDef, ProcessDef, StateDef, TypeDef
from witsync.emulator.processes import COMMON_FIELDS, FIELDS, PROCESSES
from witsync.emulator.values import parse_date

Path_ = Sequence[str | int]
"""Where a value is in the file: keys and list indexes from the top."""

PICKLIST_TYPES = ("string", "integer", "double")


class ProcessFileError(ValueError):
    """A process file that cannot be served; `problems` are `FILE:LINE:COLUMN: message` lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def load_process(path: Path) -> ProcessDef:
    """The process `path` defines; ProcessFileError naming every problem."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ProcessFileError(
            [f"{path}: cannot read the process file: {error.strerror}"]
        ) from None
    except UnicodeDecodeError:
        raise ProcessFileError([f"{path}:1:1: the process file is not UTF-8 text"]) from None
    return parse_process(text, str(path))


def parse_process(text: str, file: str) -> ProcessDef:
    """The process a YAML text defines (`file` names it in problems)."""
    try:
        root = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise ProcessFileError([f"{where}: {error.problem or error.context}"]) from None
    except YAMLError as error:
        raise ProcessFileError([f"{file}: {error}"]) from None
    shape = _shape_problems(root, file)
    if shape:
        raise ProcessFileError(shape)
    builder = _Builder(root, file)
    process = builder.build()
    if builder.problems:
        raise ProcessFileError(builder.problems)
    return process


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("witsync.schemas").joinpath("process.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def _position(root: Any, path: Path_, *, key: bool = False) -> tuple[int, int]:
    """Line and column (from 1) of the value at `path`, or of its key (`key`)."""
    node, line, column = root, 0, 0
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, CommentedMap) and step in node:
            line, column = node.lc.key(step) if key and last else node.lc.value(step)
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line, column = node.lc.item(step)
        else:
            break
        node = node[step]
    return line + 1, column + 1


def _shape_problems(root: Any, file: str) -> list[str]:
    if not isinstance(root, CommentedMap):
        return [f"{file}:1:1: a process file is a mapping: name, base, fields, types"]
    problems = []
    for error in _validator().iter_errors(root):
        path = list(error.absolute_path)
        for message, at, key in _wordings(error, path):
            problems.append((_position(root, at, key=key), message))
    return [f"{file}:{line}:{column}: {message}" for (line, column), message in sorted(problems)]


def _wordings(error: ValidationError, path: list[str | int]) -> list[tuple[str, Path_, bool]]:
    """What a schema violation means for a person, and where to point."""
    instance, kind = error.instance, error.validator
    if kind == "additionalProperties" and isinstance(instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        return [(f"unknown key '{k}'", [*path, k], True) for k in instance if k not in known]
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return [(f"missing key '{name}'", path, bool(path)) for name in missing]
    if "propertyNames" in error.schema_path:
        parent = path[-1] if path else ""
        what = (
            "a new field's reference name is Custom.Name (letters, digits, _), as Azure DevOps "
            "makes them"
            if parent == "fields" and len(path) == 1
            else "not a valid name"
        )
        return [(f"'{instance}': {what}", [*path, str(instance)], True)]
    if kind == "enum":
        listed = error.validator_value if isinstance(error.validator_value, list) else []
        allowed = ", ".join(str(v) for v in listed)
        return [(f"{instance!r} is not one of: {allowed}", path, False)]
    if kind == "type":
        return [(f"{_name(path)} has the wrong type ({error.message})", path, False)]
    return [(f"{_name(path)}: {error.message}", path, False)]


def _name(path: Path_) -> str:
    return "/".join(str(p) for p in path) or "the file"


class _Builder:
    """The checks the schema cannot make, and the ProcessDef they allow."""

    def __init__(self, root: CommentedMap, file: str) -> None:
        self.root = root
        self.file = file
        self.found: list[tuple[tuple[int, int], str]] = []

    def problem(self, path: Path_, message: str, *, key: bool = False) -> None:
        self.found.append((_position(self.root, path, key=key), message))

    @property
    def problems(self) -> list[str]:
        """Every problem found, in the order of the file."""
        return [
            f"{self.file}:{line}:{col}: {message}" for (line, col), message in sorted(self.found)
        ]

    def build(self) -> ProcessDef:
        name = str(self.root["name"]).strip()
        if name.lower() in PROCESSES:
            self.problem(["name"], f"'{name}' is the name of a built-in process; choose another")
        base = PROCESSES[str(self.root["base"]).lower()]
        added = self._fields(self.root.get("fields") or {})
        known = {f.ref.lower(): f for f in (*FIELDS, *added)}
        types = {t.name.lower(): t for t in base.types}
        for type_name, spec in (self.root.get("types") or {}).items():
            old = types.get(str(type_name).lower())
            made = self._type(str(type_name), spec or {}, old, known)
            if made is not None:
                types[made.name.lower()] = made
        return ProcessDef(name, tuple(types.values()), base=base.name, fields=tuple(added))

    def _fields(self, specs: Mapping[str, Any]) -> list[FieldDef]:
        taken = {f.name.lower(): f.ref for f in FIELDS}
        added = []
        for ref, spec in specs.items():
            name = str(spec.get("name") or ref.split(".", 1)[1]).strip()
            where: list[str | int] = ["fields", ref, "name"] if "name" in spec else ["fields", ref]
            if name.lower() in taken:
                self.problem(
                    where,
                    f"field name '{name}' is taken by {taken[name.lower()]}: give the field "
                    "another `name`",
                    key="name" not in spec,
                )
            taken[name.lower()] = ref
            kind = str(spec["type"])
            allowed: list[str | int | float] = []
            if "values" in spec:
                if kind not in PICKLIST_TYPES:
                    self.problem(["fields", ref, "values"], f"a {kind} field has no picklist")
                for index, value in enumerate(spec["values"]):
                    converted = self._value(kind, value, ["fields", ref, "values", index])
                    if converted is not None:
                        allowed.append(converted)
            added.append(FieldDef(ref, name, kind, allowed=tuple(allowed)))
        return added

    def _value(self, kind: str, value: Any, path: Path_) -> Any:
        """`value` as a field of type `kind` stores it; None (and a problem) if it is not one."""
        if kind in {"string", "plainText", "html"}:
            if isinstance(value, bool):
                self.problem(path, f"{value!r} is not text: quote it")
                return None
            return str(value)
        if kind in {"integer", "double"}:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.problem(path, f"{value!r} is not a number")
                return None
            if kind == "integer":
                if not float(value).is_integer():
                    self.problem(path, f"{value!r} is not a whole number")
                    return None
                return int(value)
            return float(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                self.problem(path, f"{value!r} is not true or false")
                return None
            return value
        stamp = parse_date(str(value)) if isinstance(value, str) else None
        if stamp is None:
            self.problem(path, f"{value!r} is not a date (write it as text: '2026-01-05')")
        return stamp

    def _type(
        self,
        name: str,
        spec: Mapping[str, Any],
        old: TypeDef | None,
        known: Mapping[str, FieldDef],
    ) -> TypeDef | None:
        here: list[str | int] = ["types", name]
        if old is None:
            wit = self._new_type(name, spec, here)
            if wit is None:
                return None
        else:
            wit = old
            if "reason" in spec:
                self.problem(
                    [*here, "reason"],
                    f"{name} is a type of the base process: its reason is the base's",
                    key=True,
                )
            wit = replace(wit, states=self._add_states(wit, spec.get("states") or [], here))
        fields = list(wit.fields)
        for index, ref in enumerate(spec.get("hidden") or []):
            fdef = known.get(str(ref).lower())
            at = [*here, "hidden", index]
            if fdef is None:
                self.problem(at, f"unknown field {ref}")
            elif fdef.ref in COMMON_FIELDS:
                self.problem(at, f"{fdef.ref} is on every type: it cannot be hidden")
            elif fdef.ref not in fields:
                self.problem(at, f"{name} has no field {fdef.ref} to hide")
            else:
                fields.remove(fdef.ref)
        required = list(wit.required)
        defaults = dict(wit.defaults)
        for ref, rules in (spec.get("fields") or {}).items():
            at = [*here, "fields", ref]
            fdef = known.get(str(ref).lower())
            if fdef is None:
                self.problem(
                    at,
                    f"unknown field {ref}: define it under the top-level `fields`, or name a "
                    "field of the base process (e.g. Microsoft.VSTS.Common.Risk)",
                    key=True,
                )
                continue
            if fdef.read_only or fdef.type in {"history", "treePath", "identity"}:
                self.problem(at, f"{fdef.ref} takes no rules here", key=True)
                continue
            if fdef.ref not in COMMON_FIELDS and fdef.ref not in fields:
                if any(str(h).lower() == fdef.ref.lower() for h in spec.get("hidden") or []):
                    self.problem(at, f"{fdef.ref} is both hidden and added", key=True)
                    continue
                fields.append(fdef.ref)
            rules = rules or {}
            if rules.get("required"):
                required.append(fdef.ref)
            if "default" in rules:
                value = self._value(fdef.type, rules["default"], [*at, "default"])
                if value is not None and fdef.allowed and value not in fdef.allowed:
                    shown = ", ".join(str(v) for v in fdef.allowed)
                    self.problem(
                        [*at, "default"],
                        f"{value!r} is not a value of the picklist {fdef.ref} ({shown})",
                    )
                elif value is not None:
                    defaults[fdef.ref] = value
        return replace(
            wit,
            fields=tuple(fields),
            required=tuple(dict.fromkeys(required)),
            defaults=tuple(defaults.items()),
        )

    def _new_type(self, name: str, spec: Mapping[str, Any], here: Path_) -> TypeDef | None:
        listed = spec.get("states") or []
        if not listed:
            self.problem(
                here,
                f"{name} is a new type (the base has no such type): list its "
                "states, the first one a Proposed one",
                key=True,
            )
            return None
        states = self._states(listed, [*here, "states"])
        if states and states[0].category != "Proposed":
            self.problem(
                [*here, "states", 0], "a new item starts in the first state: make it a Proposed one"
            )
        ref = "Custom." + re.sub(r"[^A-Za-z0-9_]", "", name)
        return TypeDef(name, ref, tuple(states), str(spec.get("reason") or "New"), ())

    def _states(self, listed: Sequence[Any], path: Path_) -> list[StateDef]:
        seen: set[str] = set()
        states = []
        for index, entry in enumerate(listed):
            state_name = str(entry["name"]).strip()
            if state_name.lower() in seen:
                self.problem([*path, index, "name"], f"state '{state_name}' is listed twice")
                continue
            seen.add(state_name.lower())
            category = str(entry["category"])
            color = str(entry.get("color") or COLORS[category]).lower()
            states.append(StateDef(state_name, category, color))
        return states

    def _add_states(self, wit: TypeDef, listed: Sequence[Any], here: Path_) -> tuple[StateDef, ...]:
        """The type's states with the added ones, each after the last one of its category or of
        an earlier category (as the web form orders them)."""
        states = list(wit.states)
        for offset, state in enumerate(self._states(listed, [*here, "states"])):
            if wit.state(state.name) is not None:
                self.problem(
                    [*here, "states", offset, "name"],
                    f"{wit.name} has a state '{state.name}' already",
                )
                continue
            rank = CATEGORIES.index(state.category)
            position = max(
                (i + 1 for i, s in enumerate(states) if CATEGORIES.index(s.category) <= rank),
                default=0,
            )
            states.insert(position, state)
        return tuple(states)
