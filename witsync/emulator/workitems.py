"""Work item rules: JSON-patch evaluation, process rules, reciprocal links, revisions, recycle bin.

No HTTP here: a `Board` works on the store for one organization and one caller, raises
`ServiceError` for everything the real service refuses, and returns stored items for `wire`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from witsync.emulator import errors
from witsync.emulator.linktypes import PARENT, LinkType, link_type
from witsync.emulator.processes import (
    FieldDef,
    TypeDef,
    lookup_field,
    process_named,
    transition_reason,
    type_has_field,
)
from witsync.emulator.store import Item, Project, Store
from witsync.emulator.values import (
    identity_parts,
    join_tags,
    now_stamp,
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
OPEN_ENDED = "9999-01-01T00:00:00Z"


def work_item_path(org: str, project_id: str, id: int) -> str:
    """A work-item link url as stored: the absolute URL without its scheme and host."""
    return f"/{org}/{project_id}/_apis/wit/workItems/{id}"


def link_target(relation: Mapping[str, Any]) -> int | None:
    """The target id of a stored work-item link (None for resource links)."""
    kind = link_type(str(relation.get("rel", "")))
    if kind is None or not kind.is_work_item_link:
        return None
    return int(str(relation["url"]).rstrip("/").rsplit("/", 1)[-1])


def _relation_key(relation: Mapping[str, Any]) -> tuple[str, str]:
    target = link_target(relation)
    return (str(relation["rel"]), str(target) if target is not None else str(relation["url"]))


@dataclass
class Saved:
    """The outcome of a write: the item as stored, plus the comment written in this revision."""

    item: Item
    history: str | None = None


@dataclass
class _Patch:
    """The evaluation of one patch document against one item (or a new one)."""

    wit: TypeDef
    fields: dict[str, Any]
    relations: list[dict[str, Any]]
    removed: set[int] = field(default_factory=set)
    added: list[dict[str, Any]] = field(default_factory=list)
    history: str | None = None
    touched: set[str] = field(default_factory=set)
    temp_id: int | None = None


class Board:
    """The work items of one organization, seen by one caller (`me` as stored: `Name <email>`)."""

    def __init__(
        self,
        store: Store,
        org: str,
        me: str,
        *,
        link_bumps_rev: bool = False,
        temp_ids: Mapping[int, int] | None = None,
    ) -> None:
        self.store = store
        self.org = org
        self.me = me
        self.link_bumps_rev = link_bumps_rev
        self.temp_ids = temp_ids or {}

    # -- public operations ----------------------------------------------------------------------

    def get(self, id: int) -> Item:
        item = self.store.get(self.org, id)
        if item is None:
            raise errors.not_found(id)
        return item

    def create(
        self,
        project: Project,
        type_name: str,
        ops: Any,
        *,
        validate_only: bool = False,
        bypass_rules: bool = False,
    ) -> Saved:
        process = process_named(project.process)
        wit = process.type(type_name) if process else None
        if wit is None:
            raise errors.ServiceError(
                404,
                "WorkItemTypeNotFoundException",
                f"TF201077: Work item type {type_name} does not exist in project {project.name} or "
                "you do not have permission to access it.",
                prepare=True,
            )
        now = now_stamp()
        fields: dict[str, Any] = {
            "System.AreaPath": project.name,
            "System.TeamProject": project.name,
            "System.IterationPath": project.name,
            "System.WorkItemType": wit.name,
            "System.State": wit.initial_state,
            "System.Reason": wit.initial_reason,
            "System.CreatedDate": now,
            "System.CreatedBy": self.me,
            "System.ChangedDate": now,
            "System.ChangedBy": self.me,
            "System.AuthorizedDate": now,
            "System.CommentCount": 0,
            "Microsoft.VSTS.Common.Priority": 2,
            "Microsoft.VSTS.Common.StateChangeDate": now,
        }
        patch = _Patch(wit, fields, [])
        self._evaluate(patch, ops, None, bypass_rules)
        self._check_rules(patch, None, project, bypass_rules)
        with self.store.write():
            new_id = 0 if validate_only else self.store.next_value(self.org, "workitem")
            patch.fields["System.Id"] = new_id
            patch.fields["System.Rev"] = 1
            if patch.history is not None:
                patch.fields["System.CommentCount"] = 1
            item = Item(self.org, new_id, project.name, 1, False, patch.fields, [])
            final = self._final_relations(item, patch)
            self._check_links(item, patch, final)
            item.relations = final
            if validate_only:
                return Saved(item, patch.history)
            self._remember_identities(item.fields)
            self.store.put(item)
            self.store.add_revision(item, self._with_history(item.fields, patch.history))
            delta = {
                k: {"newValue": v}
                for k, v in self._with_history(item.fields, patch.history).items()
            }
            self._save_links(item, [], final, [], now)
            self.store.add_update(
                self.org, new_id, 1, self.me, now, delta, self._relation_delta([], final, [])
            )
        return Saved(item, patch.history)

    def update(
        self,
        id: int,
        ops: Any,
        *,
        validate_only: bool = False,
        bypass_rules: bool = False,
    ) -> Saved:
        with self.store.write():
            item = self.get(id)
            project = self.store.project(self.org, item.project)
            process = process_named(project.process) if project else None
            wit = process.type(str(item.fields.get("System.WorkItemType", ""))) if process else None
            if project is None or wit is None:
                raise errors.not_found(id)
            before = dict(item.fields)
            patch = _Patch(wit, dict(item.fields), copy.deepcopy(item.relations))
            self._evaluate(patch, ops, item, bypass_rules)
            self._check_rules(patch, item, project, bypass_rules)
            final = self._final_relations(item, patch)
            self._check_links(item, patch, final)
            changed = {
                k: {"oldValue": before.get(k), "newValue": patch.fields.get(k)}
                for k in set(before) | set(patch.fields)
                if before.get(k) != patch.fields.get(k)
            }
            for gone in [k for k, v in changed.items() if v["newValue"] is None]:
                changed[gone].pop("newValue")
            added, removed, updated = self._relation_changes(item.relations, final)
            resource_change = any(link_target(r) is None for r in (*added, *removed, *updated))
            link_change = bool(added or removed or updated)
            bump = (
                bool(changed)
                or patch.history is not None
                or resource_change
                or (link_change and self.link_bumps_rev)
            )
            if validate_only:
                return Saved(
                    Item(self.org, id, item.project, item.rev, False, patch.fields, final),
                    patch.history,
                )
            if not bump and not link_change:
                return Saved(item, None)
            now = now_stamp()
            if bump:
                kept = patch.touched if bypass_rules else set()
                self._stamp(patch.fields, item.rev + 1, now, kept)
                if patch.history is not None:
                    patch.fields["System.CommentCount"] = (
                        int(before.get("System.CommentCount", 0)) + 1
                    )
                for key in (
                    "System.Rev",
                    "System.ChangedDate",
                    "System.AuthorizedDate",
                    "System.CommentCount",
                ):
                    if before.get(key) != patch.fields.get(key):
                        changed[key] = {
                            "oldValue": before.get(key),
                            "newValue": patch.fields.get(key),
                        }
                if patch.history is not None:
                    changed["System.History"] = {"newValue": patch.history}
                if before.get("System.ChangedBy") != patch.fields.get("System.ChangedBy"):
                    changed["System.ChangedBy"] = {
                        "oldValue": before.get("System.ChangedBy"),
                        "newValue": patch.fields.get("System.ChangedBy"),
                    }
                item.rev += 1
            item.fields = patch.fields
            item.relations = final
            self._remember_identities(item.fields)
            self.store.put(item)
            if bump:
                self.store.add_revision(item, self._with_history(item.fields, patch.history))
            self.store.add_update(
                self.org,
                id,
                item.rev,
                self.me,
                now,
                changed if bump else {},
                self._relation_delta(added, removed, updated),
            )
            self._save_links(item, removed, added, updated, now)
        return Saved(item, patch.history)

    def delete(self, id: int, *, destroy: bool) -> Item:
        with self.store.write():
            item = self.store.get(self.org, id, include_deleted=destroy)
            if item is None:
                raise errors.not_found(id)
            if not item.deleted:
                self._drop_reciprocals(item)
            if destroy:
                self.store.destroy(self.org, id)
            else:
                item.deleted = True
                self.store.put(item)
        return item

    def restore(self, id: int) -> Item:
        with self.store.write():
            item = self.store.get(self.org, id, include_deleted=True)
            if item is None or not item.deleted:
                raise errors.not_found(id)
            item.deleted = False
            item.relations = [r for r in item.relations if link_target(r) is None]
            self.store.put(item)
        return item

    # -- patch evaluation -----------------------------------------------------------------------

    def _evaluate(self, patch: _Patch, ops: Any, item: Item | None, bypass: bool) -> None:
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
                raise errors.patch_failed(f"VS403355: The operation {op.get('op')!r} is not valid.")
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
                    raise errors.patch_failed(
                        "VS403353: The id of a new work item must be 0 or negative."
                    )
                patch.temp_id = value
            elif head == "multilinefieldsformat":
                continue  # accepted and ignored: 7.1 renders every multi-line field as HTML
            else:
                raise errors.patch_failed(f"VS403355: The path {path} is not valid.")

    def _copy_or_move(
        self, patch: _Patch, name: str, op: dict[str, Any], item: Item | None, bypass: bool
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
        self, patch: _Patch, op: str, name: str, value: Any, item: Item | None, bypass: bool
    ) -> None:
        fdef = lookup_field(name)
        if fdef is None:
            raise errors.field_not_found(name)
        ref = fdef.ref
        if op == "test":
            actual = patch.fields.get(ref)
            if _as_text(actual) != _as_text(value):
                raise errors.test_failed(f"/fields/{ref}", _as_text(actual), _as_text(value))
            return
        if ref.lower() in SILENTLY_DROPPED:
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
            remembered = self.store.identity_by_email(self.org, parsed[1])
            if remembered and "<" not in text:  # a bare e-mail keeps the known name
                parsed = remembered
        return f"{parsed[0]} <{parsed[1]}>"

    def _relation_op(
        self, patch: _Patch, op: str, parts: list[str], value: Any, item: Item | None, path: str
    ) -> None:
        if op == "test":
            raise errors.patch_failed(
                "VS403352: The test operation is not supported for relations."
            )
        original = item.relations if item else []
        if parts == ["-"]:
            if op != "add":
                raise errors.patch_failed(f"VS403355: The path {path} is not valid.")
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
            raise errors.patch_failed(f"VS403355: The path {path} is not valid.")
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
        raise errors.patch_failed(f"VS403355: The path {path} is not valid.")

    def _new_relation(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("rel"), str):
            raise errors.bad_request("The relation must have a rel and a url.")
        kind = link_type(value["rel"])
        if kind is None:
            raise errors.ServiceError(
                400,
                "WorkItemLinkTypeNotFoundException",
                f"TF201034: The link type '{value['rel']}' does not exist.",
                prepare=True,
            )
        url = value.get("url")
        attributes = dict(value.get("attributes") or {})
        if "isLocked" in attributes and not isinstance(attributes["isLocked"], bool):
            raise errors.bad_request("The isLocked attribute must be a boolean.")
        if not isinstance(url, str) or not url.strip():
            raise errors.bad_request("The relation must have a rel and a url.")
        if not kind.is_work_item_link:
            if kind.ref == "ArtifactLink" and not attributes.get("name"):
                raise errors.bad_request("An artifact link requires the attribute name.")
            return {"rel": kind.ref, "url": url, "attributes": attributes}
        target = _id_from_url(url)
        if target is None:
            raise errors.bad_request("Linking to a work item requires the full url.")
        target = self.temp_ids.get(target, target)
        row = self.store.get(self.org, target)
        if row is None:
            raise errors.ServiceError(
                400,
                "WorkItemLinkTargetNotFoundException",
                f"TF201040: Work item {target} does not exist, or you do not have permissions to "
                "read it.",
                prepare=True,
            )
        project = self.store.project(self.org, row.project)
        attributes.pop("name", None)
        attributes = {
            "isLocked": bool(attributes.pop("isLocked", False)),
            **attributes,
            "name": kind.name,
        }
        return {
            "rel": kind.ref,
            "url": work_item_path(self.org, project.id if project else row.project, target),
            "attributes": attributes,
        }

    # -- rules ----------------------------------------------------------------------------------

    def _check_rules(
        self, patch: _Patch, item: Item | None, project: Project, bypass: bool
    ) -> None:
        fields = patch.fields
        work_item = item.id if item else -1
        for ref, structure in (("System.AreaPath", "area"), ("System.IterationPath", "iteration")):
            path = str(fields.get(ref) or project.name).strip("\\")
            node = self.store.node(self.org, structure, path)
            inside = node is not None and (
                node[0].lower() == project.name.lower()
                or node[0].lower().startswith(project.name.lower() + "\\")
            )
            if node is None or not inside:
                raise errors.invalid_tree(work_item, ref)
            fields[ref] = node[0]
        old_state = item.fields.get("System.State") if item else None
        problems: list[tuple[str, str, str]] = []
        state_name = fields.get("System.State")
        state = patch.wit.state(str(state_name)) if state_name else None
        if not bypass:
            title = str(fields.get("System.Title") or "").strip()
            if not title:
                problems.append(
                    (
                        "System.Title",
                        "Required, InvalidEmpty",
                        "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.",
                    )
                )
            if state is None or (item is None and state.name != patch.wit.initial_state):
                problems.append(
                    (
                        "System.State",
                        "Required, HasValues, LimitedToValues, InvalidListValue",
                        f"The field 'State' contains the value '{state_name or ''}' that is not in "
                        "the "
                        "list of supported values",
                    )
                )
            for ref in sorted(patch.touched):
                fdef = lookup_field(ref)
                if fdef and fdef.type == "string" and len(str(fields.get(ref) or "")) > 255:
                    problems.append(
                        (
                            ref,
                            "InvalidTooLong",
                            f"TF401320: Rule Error for field {fdef.name}. Error code: "
                            "InvalidTooLong.",
                        )
                    )
                if fdef and fdef.allowed and ref in fields and fields[ref] not in fdef.allowed:
                    problems.append(
                        (
                            ref,
                            "HasValues, LimitedToValues, InvalidListValue",
                            f"The field '{fdef.name}' contains the value '{_as_text(fields[ref])}' "
                            "that is not in the list of supported values",
                        )
                    )
        if problems:
            raise errors.rule_errors(problems)
        if state is not None:
            fields["System.State"] = state.name
        if item is not None and state is not None and str(old_state).lower() != state.name.lower():
            if "System.Reason" not in patch.touched:
                fields["System.Reason"] = transition_reason(state)
            fields["Microsoft.VSTS.Common.StateChangeDate"] = now_stamp()

    def _final_relations(self, item: Item, patch: _Patch) -> list[dict[str, Any]]:
        kept = [r for i, r in enumerate(patch.relations) if i not in patch.removed]
        for new in patch.added:
            match = next((r for r in kept if _relation_key(r) == _relation_key(new)), None)
            if match is not None:
                match["attributes"] = {**match.get("attributes", {}), **new.get("attributes", {})}
            else:
                kept.append(new)
        return self._ordered(kept)

    def _ordered(self, relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        links = [r for r in relations if link_target(r) is not None]
        return links + [r for r in relations if link_target(r) is None]

    def _check_links(
        self, item: Item, patch: _Patch, final: list[dict[str, Any]] | None = None
    ) -> None:
        relations = final if final is not None else patch.added
        existing = {_relation_key(r) for r in item.relations}
        parents = [r for r in relations if r["rel"] == PARENT]
        for relation in relations:
            if _relation_key(relation) in existing:
                continue
            target = link_target(relation)
            if target is None:
                if relation["rel"] == "Hyperlink":
                    attrs = relation.setdefault("attributes", {})
                    if "id" not in attrs:
                        now = now_stamp()
                        attrs.update(
                            {
                                "authorizedDate": now,
                                "id": self.store.next_value(self.org, "resource", start=100),
                                "resourceCreatedDate": now,
                                "resourceModifiedDate": now,
                                "revisedDate": OPEN_ENDED,
                            }
                        )
                continue
            kind = link_type(relation["rel"])
            assert kind is not None
            if target == item.id:
                raise errors.link_error(
                    400,
                    "WorkItemLinkInvalidException",
                    f"TF201033: Work item {item.id} cannot be linked to itself.",
                )
            if kind.ref == "System.LinkTypes.Hierarchy-Forward":
                other = [t for r, t in self.store.links_from(self.org, target) if r == PARENT]
                if other and other[0] != item.id:
                    raise self._extra_parent(item.id, target)
            if kind.acyclic and item.id > 0:
                parent, child = (item.id, target) if kind.is_forward else (target, item.id)
                if self.store.reaches(self.org, child, parent, kind.forward_ref):
                    raise errors.link_error(
                        500,
                        "WorkItemLinkCircularException",
                        f"TF201035: Adding a {kind.name} link between work items {item.id} and "
                        f"{target} would result in a circular relationship. Update the link and "
                        "try "
                        "again.",
                        600270,
                    )
        if len(parents) > 1:
            raise self._extra_parent(link_target(parents[0]) or 0, item.id)

    def _extra_parent(self, parent: int, child: int) -> errors.ServiceError:
        return errors.link_error(
            400,
            "WorkItemLinkAddExtraParentException",
            f"TF201036: You cannot add a Child link between work items {parent} and {child} "
            "because "
            "a work item can have only one Parent link.",
            600271,
        )

    # -- saving ---------------------------------------------------------------------------------

    def _relation_changes(
        self, before: list[dict[str, Any]], after: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        old = {_relation_key(r): r for r in before}
        new = {_relation_key(r): r for r in after}
        added = [r for k, r in new.items() if k not in old]
        removed = [r for k, r in old.items() if k not in new]
        updated = [r for k, r in new.items() if k in old and old[k] != r]
        return added, removed, updated

    def _relation_delta(
        self,
        added: list[dict[str, Any]],
        removed: list[dict[str, Any]],
        updated: list[dict[str, Any]],
    ) -> dict[str, Any]:
        delta: dict[str, Any] = {}
        for name, group in (("added", added), ("removed", removed), ("updated", updated)):
            if group:
                delta[name] = copy.deepcopy(group)
        return delta

    def _save_links(
        self,
        item: Item,
        removed: Sequence[dict[str, Any]],
        added: Sequence[dict[str, Any]],
        updated: Sequence[dict[str, Any]],
        now: str,
    ) -> None:
        project = self.store.project(self.org, item.project)
        here = work_item_path(self.org, project.id if project else item.project, item.id)
        for change, group in (("removed", removed), ("added", added), ("updated", updated)):
            for relation in group:
                target = link_target(relation)
                kind = link_type(relation["rel"])
                if target is None or kind is None or kind.opposite is None:
                    continue
                if change == "removed":
                    self.store.remove_link(self.org, item.id, kind.ref, target)
                    self.store.remove_link(self.org, target, kind.opposite, item.id)
                else:
                    self.store.add_link(self.org, item.id, kind.ref, target)
                    self.store.add_link(self.org, target, kind.opposite, item.id)
                self._reciprocal(target, kind, here, relation, change, now)

    def _reciprocal(
        self,
        target: int,
        kind: LinkType,
        here: str,
        relation: dict[str, Any],
        change: str,
        now: str,
    ) -> None:
        other = self.store.get(self.org, target)
        if other is None or kind.opposite is None:
            return
        opposite = link_type(kind.opposite)
        assert opposite is not None
        mirror = {
            "rel": opposite.ref,
            "url": here,
            "attributes": {**relation.get("attributes", {}), "name": opposite.name},
        }
        key = _relation_key(mirror)
        rest = [r for r in other.relations if _relation_key(r) != key]
        other.relations = rest if change == "removed" else self._ordered([*rest, mirror])
        fields_delta: dict[str, Any] = {}
        if self.link_bumps_rev:
            before = dict(other.fields)
            self._stamp(other.fields, other.rev + 1, now, set())
            other.rev += 1
            fields_delta = {
                k: {"oldValue": before.get(k), "newValue": other.fields.get(k)}
                for k in (
                    "System.Rev",
                    "System.ChangedDate",
                    "System.ChangedBy",
                    "System.AuthorizedDate",
                )
                if before.get(k) != other.fields.get(k)
            }
        self.store.put(other)
        if self.link_bumps_rev:
            self.store.add_revision(other, other.fields)
        self.store.add_update(
            self.org, target, other.rev, self.me, now, fields_delta, {change: [mirror]}
        )

    def _drop_reciprocals(self, item: Item) -> None:
        for relation in item.relations:
            target = link_target(relation)
            kind = link_type(relation["rel"])
            if target is None or kind is None or kind.opposite is None:
                continue
            self.store.remove_link(self.org, item.id, kind.ref, target)
            self.store.remove_link(self.org, target, kind.opposite, item.id)
            other = self.store.get(self.org, target)
            if other is not None:
                other.relations = [r for r in other.relations if link_target(r) != item.id]
                self.store.put(other)

    def _stamp(self, fields: dict[str, Any], rev: int, now: str, kept: set[str]) -> None:
        """A new revision's system fields; `kept` are fields a bypassRules patch set itself."""
        fields["System.Rev"] = rev
        fields["System.AuthorizedDate"] = now
        if "System.ChangedDate" not in kept:
            fields["System.ChangedDate"] = now
        if "System.ChangedBy" not in kept:
            fields["System.ChangedBy"] = self.me

    def _with_history(self, fields: dict[str, Any], history: str | None) -> dict[str, Any]:
        return {**fields, "System.History": history} if history is not None else dict(fields)

    def _remember_identities(self, fields: Mapping[str, Any]) -> None:
        """Names seen in saved items (display-name lookups) and tag spellings (reused by later
        items, as the service's project tag definitions are)."""
        if fields.get("System.Tags"):
            self.store.remember_tags(self.org, split_tags(str(fields["System.Tags"])))
        for ref in ("System.AssignedTo", "System.CreatedBy", "System.ChangedBy"):
            value = fields.get(ref)
            if isinstance(value, str):
                display, email = identity_parts(value)
                self.store.remember_identity(self.org, display, email)
        for ref, value in fields.items():
            fdef = lookup_field(ref)
            if (
                fdef
                and fdef.is_identity
                and isinstance(value, str)
                and ref not in {"System.AssignedTo", "System.CreatedBy", "System.ChangedBy"}
            ):
                display, email = identity_parts(value)
                self.store.remember_identity(self.org, display, email)


def _same_identity(value: str, stored: str) -> bool:
    parsed = parse_identity(value)
    return parsed is not None and parsed[1].lower() == identity_parts(stored)[1].lower()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _id_from_url(url: str) -> int | None:
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    last = text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        return int(last)
    except ValueError:
        return None
