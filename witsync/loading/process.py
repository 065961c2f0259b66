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
        problems.extend(_check_fields(item, info, fields, paths))
    return sorted(problems, key=lambda d: d.location or Location("", 0, 0))


def _check_fields(
    item: DesiredItem,
    info: TypeInfo,
    fields: dict[str, FieldInfo],
    paths: dict[str, set[str]],
) -> list[Diagnostic]:
    problems = []
    on_type = {ref.lower() for ref in info.fields}
    for ref, value in item.fields.items():
        where = item.field_locations.get(ref, item.location)
        name = display_name(ref)
        label = f"{name} ({ref})" if name != ref else ref
        field_info = fields.get(ref.lower())
        if field_info is None:
            problems.append(
                Diagnostic(
                    "error",
                    f"unknown field {ref}",
                    where,
                    did_you_mean(ref, [f.reference_name for f in fields.values()])
                    or "check the reference name in the process settings",
                )
            )
        elif field_info.reference_name != ref:
            # As for types: the board returns fields under its own spelling, and plans compare
            # reference names exactly.
            problems.append(
                Diagnostic(
                    "error",
                    f"field {ref} is spelled {field_info.reference_name} in this project",
                    where,
                    f"write {field_info.reference_name}",
                )
            )
        elif ref.lower() not in on_type:
            problems.append(
                Diagnostic(
                    "error",
                    f"{info.name} has no field {label}",
                    where,
                    "remove it from this item, or add the field to the type in the process",
                )
            )
        elif field_info.read_only and field_info.type != "treePath":
            # Azure DevOps lists AreaPath and IterationPath as `readOnly` although every client
            # writes them; the flag means "computed" only for the other fields.
            problems.append(
                Diagnostic(
                    "error",
                    f"{label} is read-only",
                    where,
                    "remove it from this item: Azure DevOps sets it itself",
                )
            )
        elif ref == "System.State" and isinstance(value, str):
            states = [state.name for state in info.states]
            if value.lower() not in {state.lower() for state in states}:
                problems.append(
                    Diagnostic(
                        "error",
                        f"'{value}' is not a state of {info.name}",
                        where,
                        "states: " + ", ".join(states),
                    )
                )
        elif (allowed := _allowed(info, field_info.reference_name)) and not _listed(value, allowed):
            shown = ", ".join(f"'{v}'" for v in allowed[:SHOWN_VALUES])
            more = f" and {len(allowed) - SHOWN_VALUES} more" if len(allowed) > SHOWN_VALUES else ""
            problems.append(
                Diagnostic(
                    "error",
                    f"{value!r} is not an allowed value of {label} for {info.name}",
                    where,
                    did_you_mean(str(value), allowed) or f"allowed values: {shown}{more}",
                )
            )
        elif (
            ref in PATH_FIELDS
            and isinstance(value, str)
            and paths[ref]
            and value.lower() not in paths[ref]
        ):
            problems.append(
                Diagnostic(
                    "error",
                    f"unknown {PATH_FIELDS[ref]} path '{value}'",
                    where,
                    "create it in the project settings, or fix the spelling "
                    "(paths start with the project name)",
                )
            )
    return problems


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
