"""Checks a manifest set against a project's process: types, fields, states, picklists, paths."""

from __future__ import annotations

from witsync.errors import Diagnostic
from witsync.loading.fieldnames import did_you_mean, display_name
from witsync.model import Desired, DesiredItem, FieldInfo, Location, Process, TypeInfo

PATH_FIELDS = {"System.AreaPath": "area", "System.IterationPath": "iteration"}
"""Written with the item (`area:`/`iteration:`); checked against the project's classification."""
NOT_PICKLISTS = frozenset({"System.State", "System.Reason"})
"""Listed with allowed values, but checked by state (the reason depends on the transition)."""
SHOWN_VALUES = 20


def picklist_types(desired: Desired, process: Process) -> set[str]:
    """The work item types (as the process spells them) on which the manifests set a picklist
    field: those whose allowed values the check needs."""
    types = {name.lower(): name for name in process.types}
    fields = {ref.lower(): info for ref, info in process.fields.items()}
    return {
        types[item.type.lower()]
        for item in desired.items
        if item.type.lower() in types
        and any(
            (info := fields.get(ref.lower())) is not None and info.is_picklist
            for ref in item.fields
        )
    }


def check_against_process(desired: Desired, process: Process) -> list[Diagnostic]:
    """Every item's type, fields, state and paths that the process does not have, with its place.

    A field the process lists as read-only is an error, except tree paths (area, iteration),
    which the service lists as read-only and accepts all the same. A picklist value the type
    does not list is an error where the type's allowed values were read (`allowed_values`).
    Names compare case-insensitively, as Azure DevOps does; a type or field reference name
    spelled in another case is still reported, with the right spelling, so that plans compare
    them exactly. Paths are
    checked only when the process lists some (an empty set means "not fetched").
    """
    types = {name.lower(): info for name, info in process.types.items()}
    fields = {ref.lower(): info for ref, info in process.fields.items()}
    paths = {
        "System.AreaPath": {p.lower() for p in process.area_paths},
        "System.IterationPath": {p.lower() for p in process.iteration_paths},
    }
    lowered: dict[str, frozenset[str]] = {}  # each type's fields, lower-case
    problems: list[Diagnostic] = []
    for item in desired.items:
        info = types.get(item.type.lower())
        if info is None or info.name != item.type:
            problems.append(
                Diagnostic(
                    "error",
                    f"unknown work item type '{item.type}' for '{item.key}'",
                    item.location,
                    f"did you mean '{info.name}'?"
                    if info
                    else did_you_mean(item.type, process.types)
                    or "types in this project: " + ", ".join(sorted(process.types)),
                )
            )
            if info is None:
                continue
        on_type = lowered.get(info.name)
        if on_type is None:
            on_type = lowered[info.name] = frozenset(ref.lower() for ref in info.fields)
        problems.extend(_check_fields(item, info, fields, paths, on_type))
    return sorted(problems, key=lambda d: d.location or Location("", 0, 0))


def _check_fields(
    item: DesiredItem,
    info: TypeInfo,
    fields: dict[str, FieldInfo],
    paths: dict[str, set[str]],
    on_type: frozenset[str],
) -> list[Diagnostic]:
    """The problems of `item`'s fields; `on_type`: the type's fields, lower-case."""
    problems = []
    for ref, value in item.fields.items():
        found = _field_problem(ref, value, info, fields, paths, on_type)
        if found is not None:
            message, hint = found
            where = item.field_locations.get(ref, item.location)
            problems.append(Diagnostic("error", message, where, hint))
    return problems


def _field_problem(
    ref: str,
    value: object,
    info: TypeInfo,
    fields: dict[str, FieldInfo],
    paths: dict[str, set[str]],
    on_type: frozenset[str],
) -> tuple[str, str] | None:
    """What is wrong with one stated field, as (message, hint); None for a field that fits (the
    common case, kept cheap: 100,000 items state several hundred thousand fields)."""
    field_info = fields.get(ref.lower())
    if field_info is None:
        return (
            f"unknown field {ref}",
            did_you_mean(ref, [f.reference_name for f in fields.values()])
            or "check the reference name in the process settings",
        )
    if field_info.reference_name != ref:
        # As for types: the board returns fields under its own spelling, and plans compare
        # reference names exactly.
        return (
            f"field {ref} is spelled {field_info.reference_name} in this project",
            f"write {field_info.reference_name}",
        )
    name = display_name(ref)
    label = f"{name} ({ref})" if name != ref else ref
    if ref.lower() not in on_type:
        return (
            f"{info.name} has no field {label}",
            "remove it from this item, or add the field to the type in the process",
        )
    if field_info.read_only and field_info.type != "treePath":
        # Azure DevOps lists AreaPath and IterationPath as `readOnly` although every client
        # writes them; the flag means "computed" only for the other fields.
        return f"{label} is read-only", "remove it from this item: Azure DevOps sets it itself"
    if ref == "System.State" and isinstance(value, str):
        states = [state.name for state in info.states]
        if value.lower() not in {state.lower() for state in states}:
            return f"'{value}' is not a state of {info.name}", "states: " + ", ".join(states)
    elif (allowed := _allowed(info, field_info.reference_name)) and not _listed(value, allowed):
        shown = ", ".join(f"'{v}'" for v in allowed[:SHOWN_VALUES])
        more = f" and {len(allowed) - SHOWN_VALUES} more" if len(allowed) > SHOWN_VALUES else ""
        return (
            f"{value!r} is not an allowed value of {label} for {info.name}",
            did_you_mean(str(value), allowed) or f"allowed values: {shown}{more}",
        )
    elif (
        ref in PATH_FIELDS
        and isinstance(value, str)
        and paths[ref]
        and value.lower() not in paths[ref]
    ):
        return (
            f"unknown {PATH_FIELDS[ref]} path '{value}'",
            "create it in the project settings, or fix the spelling "
            "(paths start with the project name)",
        )
    return None


def _allowed(info: TypeInfo, ref: str) -> tuple[str, ...]:
    if ref in NOT_PICKLISTS or info.allowed_values is None:
        return ()
    return info.allowed_values.get(ref, ())


def _listed(value: object, allowed: tuple[str, ...]) -> bool:
    """Whether `value` is one of `allowed` (as text), a number by value (2 == "2" == 2.0); an
    explicit null (clear the field) is always allowed. Text compares exactly, as plans do."""
    if value is None:
        return True
    if isinstance(value, bool):
        return str(value) in allowed or str(value).lower() in allowed
    if isinstance(value, int | float):
        for entry in allowed:
            try:
                if float(entry) == value:
                    return True
            except ValueError:
                continue
        return False
    return str(value) in allowed
