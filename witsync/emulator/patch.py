"""Reading a JSON-patch document: field and relation operations, value conversion, identities.

`PatchReader` turns each operation into a change of a `Patch` (the item as the patch would leave
it), raising `ServiceError` for what the server refuses while reading the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from witsync.emulator import errors
from witsync.emulator.formats import FORMAT_PATH, read_format_op
from witsync.emulator.linktypes import (
    ARTIFACT_LINK,
    id_from_url,
    link_target,
    link_type,
    work_item_path,
)
from witsync.emulator.processes import (
    FieldDef,
    TypeDef,
    lookup_field,
    process_named,
    type_has_field,
)
from witsync.emulator.store import Item, Store
from witsync.emulator.values import (
    identity_parts,
    join_tags,
    parse_date,
    parse_identity,
    sanitise_html,
    split_tags,
)

SILENTLY_DROPPED = frozenset(
    {
        "system.id",
        "system.rev",
        "system.authorizeddate",
        "system.reviseddate",
        "system.isdeleted",
        "system.parent",
        "system.watermark",
    }
)
BYPASS_ONLY = frozenset(
    {"system.createddate", "system.changeddate", "system.createdby", "system.changedby"}
)
MAX_TAGS = 100
TYPE_FIELD = "System.WorkItemType"
PROJECT_FIELD = "System.TeamProject"


@dataclass
class Patch:
    """The evaluation of one patch document against one item (or a new one)."""

    wit: TypeDef
    fields: dict[str, Any]
    relations: list[dict[str, Any]]
    removed: set[int] = field(default_factory=set)
    added: list[dict[str, Any]] = field(default_factory=list)
    history: str | None = None
    touched: set[str] = field(default_factory=set)
    formats: dict[str, str] = field(default_factory=dict)
    """The format of each multi-line field written as Markdown or set to a format (formats.py)."""
    sent: dict[str, str] = field(default_factory=dict)
    """Multi-line text as the patch sent it (a Markdown field keeps it unsanitised)."""
    project: str | None = None
    """The project a PATCH of System.TeamProject moves the item to (its canonical name)."""


class PatchReader:
    """The reading half of a `Board`: needs its store, organization, caller and temporary ids."""

    store: Store
    org: str
    me: str
    temp_ids: Mapping[int, int]
    markdown: bool
    """The request's api-version reads `/multilineFieldsFormat/` (7.2-preview and later)."""

    def _evaluate(self, patch: Patch, ops: Any, item: Item | None, bypass: bool) -> None:
        if not isinstance(ops, list) or not ops:
            raise errors.bad_request(
                "You must pass a valid patch document in the body of the request."
            )
        for op in ops:
            if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                raise errors.bad_request(
                    "You must pass a valid patch document in the body of the request."
                )
            name = str(op.get("op", "")).lower()
            path = op["path"]
            if name in {"copy", "move"}:
                self._copy_or_move(patch, name, op, item, bypass)
                continue
            if name not in {"add", "replace", "remove", "test"}:
                raise errors.patch_failed(f"The operation {op.get('op')!r} is not valid.")
            parts = [p.replace("~1", "/").replace("~0", "~") for p in path.strip().split("/")[1:]]
            head = parts[0].lower() if parts else ""
            if head == "fields" and len(parts) == 2:
                self._field_op(patch, name, parts[1], op.get("value"), item, bypass)
            elif head == "relations" and len(parts) >= 2:
                self._relation_op(patch, name, parts[1:], op.get("value"), item, path)
            elif head == "rev" and len(parts) == 1:
                if name == "test" and item is not None and str(op.get("value")) != str(item.rev):
                    raise errors.test_failed("/rev", item.rev, op.get("value"))
            elif head == "id" and len(parts) == 1:
                value = op.get("value")
                if not isinstance(value, int) or value > 0:
                    raise errors.patch_failed("The id of a new work item must be 0 or negative.")
            elif head == FORMAT_PATH:
                if self.markdown:  # 7.1 accepts and ignores it: every multi-line field is HTML
                    read_format_op(patch.formats, name, parts[1:], op.get("value"))
            else:
                raise errors.patch_failed(f"The path {path} is not valid.")

    def _copy_or_move(
        self, patch: Patch, name: str, op: dict[str, Any], item: Item | None, bypass: bool
    ) -> None:
        """`copy`/`move` between two fields (the value as the patch has it so far); the server
        refuses them for everything else."""
        source, target = str(op.get("from", "")), str(op["path"])
        if not (source.lower().startswith("/fields/") and target.lower().startswith("/fields/")):
            raise errors.patch_failed(f"VS403356: {name} operation is not supported for work items")
        from_def = lookup_field(source[len("/fields/") :])
        if from_def is None:
            raise errors.field_not_found(source[len("/fields/") :])
        value = patch.fields.get(from_def.ref)
        self._field_op(patch, "replace", target[len("/fields/") :], value, item, bypass)
        if name == "move":
            self._field_op(patch, "remove", from_def.ref, None, item, bypass)

    def _field_op(
        self, patch: Patch, op: str, name: str, value: Any, item: Item | None, bypass: bool
    ) -> None:
        fdef = lookup_field(name)
        if fdef is None:
            raise errors.field_not_found(name)
        ref = fdef.ref
        if op == "test":
            actual = patch.fields.get(ref)
            if as_text(actual) != as_text(value):
                raise errors.test_failed(f"/fields/{ref}", as_text(actual), as_text(value))
            return
        if ref.lower() in SILENTLY_DROPPED:
            return
        if ref == TYPE_FIELD and item is not None:
            self._retype(patch, op, value, item)
            return
        if ref == PROJECT_FIELD and item is not None:
            self._move(patch, op, value, item)
            return
        if not type_has_field(patch.wit, ref):
            raise errors.field_invalid(ref, "InvalidField")
        if ref.lower() in BYPASS_ONLY and not bypass:
            if fdef.is_identity and isinstance(value, str) and _same_identity(value, self.me):
                return
            raise errors.read_only_system_field(ref)
        if fdef.read_only and ref.lower() not in BYPASS_ONLY and not bypass:
            current = patch.fields.get(ref)
            if op != "remove" and isinstance(value, str) and str(current).lower() == value.lower():
                return
            raise errors.field_invalid(ref, "ReadOnly")
        if fdef.type == "history":
            if op != "remove":
                text = value.get("text") if isinstance(value, dict) else value
                if text not in (None, ""):
                    patch.history = sanitise_html(str(text))
            return
        patch.touched.add(ref)
        if op == "remove" or value is None or value == "":
            patch.fields.pop(ref, None)
            return
        if ref == "System.Tags":
            if not isinstance(value, str):
                raise errors.field_invalid(ref, "InvalidType")
            tags = [self.store.tag_spelling(self.org, tag) for tag in split_tags(value)]
            if op == "add":
                tags = split_tags(str(patch.fields.get(ref, ""))) + tags
            joined = join_tags(tags)
            if len(split_tags(joined)) > MAX_TAGS:
                raise errors.ServiceError(
                    400,
                    "WorkItemTagLimitExceededException",
                    f"TF401943: Updating work item with '{len(split_tags(joined))}' tags failed "
                    "because you exceeded limit of '100' tags allowed per work item.",
                )
            old = patch.fields.get(ref)
            if old is not None and old.lower() == joined.lower():
                return
            patch.fields[ref] = joined if joined else None
            if not joined:
                patch.fields.pop(ref, None)
            return
        patch.fields[ref] = self._convert(fdef, value, bypass)
        if fdef.type == "html":
            patch.sent[ref] = str(value)
            if not self.markdown:
                patch.formats.pop(ref, None)  # a 7.1 client writes HTML

    def _move(self, patch: Patch, op: str, value: Any, item: Item) -> None:
        """A PATCH of System.TeamProject moves the item to another project of the organization
        (the recorded "move work item" example), keeping its type, which the new project's
        process must have; the board then puts it under the new project's root area and
        iteration unless the patch names others."""
        name = value.strip() if isinstance(value, str) and op != "remove" else ""
        if not name:
            raise errors.field_invalid(PROJECT_FIELD, "InvalidEmpty")
        target = self.store.project(self.org, name)
        process = process_named(target.process) if target is not None else None
        wit = process.type(patch.wit.name) if process is not None else None
        if target is None or wit is None:
            raise errors.field_invalid(PROJECT_FIELD, "InvalidListValue")
        if target.name == item.project:
            return
        _map_state(patch, patch.wit, wit)  # another process may name its states otherwise
        patch.wit = wit
        patch.project = target.name
        patch.fields[PROJECT_FIELD] = target.name
        patch.touched.add(PROJECT_FIELD)

    def _retype(self, patch: Patch, op: str, value: Any, item: Item) -> None:
        """A PATCH of System.WorkItemType changes the item's type (the "change work item type"
        example of the reference): to another type of its project's process. Fields the new type
        lacks are left behind; a state it lacks, unless the patch states one, is mapped to its
        first state of the same category, else to its first state (what the web form resets to)."""
        name = value.strip() if isinstance(value, str) and op != "remove" else ""
        if not name:
            raise errors.field_invalid(TYPE_FIELD, "InvalidEmpty")
        project = self.store.project(self.org, item.project)
        process = process_named(project.process) if project is not None else None
        new = process.type(name) if process is not None else None
        if new is None:
            raise errors.field_invalid(TYPE_FIELD, "InvalidListValue")
        if new.name == patch.wit.name:
            return
        old = patch.wit
        patch.wit = new
        patch.fields[TYPE_FIELD] = new.name
        patch.touched.add(TYPE_FIELD)
        for ref in list(patch.fields):
            known = lookup_field(ref)
            if known is not None and not type_has_field(new, known.ref):
                patch.fields.pop(ref)
        _map_state(patch, old, new)

    def _convert(self, fdef: FieldDef, value: Any, bypass: bool = False) -> Any:
        kind = fdef.type
        if isinstance(value, (dict, list)) and kind != "identity":
            raise errors.field_invalid(fdef.ref, "InvalidType")
        if kind in {"integer", "double"}:
            if isinstance(value, bool):
                raise errors.field_invalid(fdef.ref, "InvalidType")
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise errors.field_invalid(fdef.ref, "InvalidType") from None
            if kind == "integer":
                if not number.is_integer():
                    raise errors.field_invalid(fdef.ref, "InvalidType")
                return int(number)
            return number
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"true", "false"}:
                return str(value).lower() == "true"
            raise errors.field_invalid(fdef.ref, "InvalidType")
        if kind == "dateTime":
            stamp = parse_date(str(value))
            if stamp is None:
                raise errors.field_invalid(fdef.ref, "InvalidType")
            return stamp
        if kind == "identity":
            try:
                return self._identity(fdef, value)
            except errors.ServiceError:
                if bypass and isinstance(value, str):
                    return value  # bypassRules stores an unknown identity string as given
                raise
        if kind == "html":
            return sanitise_html(str(value))
        return str(value)

    def _identity(self, fdef: FieldDef, value: Any) -> str:
        if isinstance(value, dict):
            name, unique = value.get("displayName"), value.get("uniqueName")
            value = f"{name} <{unique}>" if name and unique else unique or name or ""
        text = str(value)
        parsed = parse_identity(text)
        if parsed is None:
            known = self.store.identities_named(self.org, text.strip())
            if len(known) == 1:
                parsed = known[0]
            elif len(known) > 1:
                raise errors.ServiceError(
                    400,
                    "WorkItemFieldInvalidException",
                    f"The value '{text}' for field '{fdef.name}' is ambiguous with "
                    f"'{';'.join(f'{d} <{e}>' for d, e in known)}'. Provide a unique name for "
                    "this field.",
                )
            else:
                raise errors.unknown_identity(text, fdef.name)
        else:
            # A known person keeps the e-mail spelling first seen (a directory's canonical
            # form); a bare e-mail also keeps the known display name.
            remembered = self.store.identity_by_email(self.org, parsed[1])
            if remembered:
                parsed = remembered if "<" not in text else (parsed[0], remembered[1])
        return f"{parsed[0]} <{parsed[1]}>"

    def _relation_op(
        self, patch: Patch, op: str, parts: list[str], value: Any, item: Item | None, path: str
    ) -> None:
        if op == "test":
            raise errors.patch_failed(
                "VS403352: The test operation is not supported for relations."
            )
        original = item.relations if item else []
        if parts == ["-"]:
            if op != "add":
                raise errors.patch_failed(f"The path {path} is not valid.")
            patch.added.append(self._new_relation(value))
            return
        if parts[0].isdigit():
            index = int(parts[0])
            if index >= len(original):
                raise errors.patch_failed(f"VS403354: Index out of range for path {path}")
            if len(parts) == 1:
                if op == "remove":
                    patch.removed.add(index)
                    return
                new = self._new_relation(value)
                if new["rel"] != original[index]["rel"]:
                    raise errors.patch_failed("VS403358: You cannot change the type of a relation.")
                patch.relations[index]["attributes"] = {
                    **patch.relations[index].get("attributes", {}),
                    **new.get("attributes", {}),
                }
                return
            if parts[1].lower() == "attributes" and len(parts) == 3:
                attrs = patch.relations[index].setdefault("attributes", {})
                if op == "remove":
                    attrs.pop(parts[2], None)
                else:
                    attrs[parts[2]] = value
                return
            raise errors.patch_failed(f"The path {path} is not valid.")
        if len(parts) == 2 and op == "remove":
            kind = link_type(parts[0])
            for index, relation in enumerate(original):
                if kind is None or relation["rel"] != kind.ref:
                    continue
                target = link_target(relation)
                ident = target if target is not None else relation.get("attributes", {}).get("id")
                if str(ident) == parts[1]:
                    patch.removed.add(index)
                    return
            raise errors.patch_failed("VS403695: Given relation does not exist on this work item.")
        raise errors.patch_failed(f"The path {path} is not valid.")

    def _new_relation(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("rel"), str):
            raise errors.bad_request("The relation must have a rel and a url.")
        kind = link_type(value["rel"])
        if kind is None:
            raise errors.ServiceError(
                400,
                "WorkItemLinkTypeNotFoundException",
                f"The link type '{value['rel']}' does not exist.",
                prepare=True,
            )
        url = value.get("url")
        attributes = dict(value.get("attributes") or {})
        if "isLocked" in attributes and not isinstance(attributes["isLocked"], bool):
            raise errors.bad_request("The isLocked attribute must be a boolean.")
        if not isinstance(url, str) or not url.strip():
            raise errors.bad_request("The relation must have a rel and a url.")
        if not kind.is_work_item_link:
            if kind.ref == ARTIFACT_LINK and not attributes.get("name"):
                raise errors.bad_request("An artifact link requires the attribute name.")
            return {"rel": kind.ref, "url": url, "attributes": attributes}
        target = id_from_url(url)
        if target is None:
            raise errors.bad_request("Linking to a work item requires the full url.")
        target = self.temp_ids.get(target, target)
        # its project alone: a parent's row (fields, every child link) was decoded per child
        found = self.store.project_of(self.org, target)
        if found is None:
            raise errors.ServiceError(
                400,
                "WorkItemLinkTargetNotFoundException",
                f"TF401232: Work item {target} does not exist, or you do not have permissions to "
                "read it.",
                prepare=True,
            )
        project = self.store.project(self.org, found)
        attributes.pop("name", None)
        attributes = {
            "isLocked": bool(attributes.pop("isLocked", False)),
            **attributes,
            "name": kind.name,
        }
        return {
            "rel": kind.ref,
            "url": work_item_path(self.org, project.id if project else found, target),
            "attributes": attributes,
        }

    # -- rules ----------------------------------------------------------------------------------


def _map_state(patch: Patch, old: TypeDef, new: TypeDef) -> None:
    """A state the new type lacks, unless the patch states one, becomes its first state of the
    same category, else its first state (what the web form resets to)."""
    state = str(patch.fields.get("System.State", ""))
    if "System.State" in patch.touched or new.state(state) is not None:
        return
    before = old.state(state)
    same = [s for s in new.states if before is not None and s.category == before.category]
    patch.fields["System.State"] = (same or list(new.states))[0].name


def _same_identity(value: str, stored: str) -> bool:
    parsed = parse_identity(value)
    return parsed is not None and parsed[1].lower() == identity_parts(stored)[1].lower()


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
